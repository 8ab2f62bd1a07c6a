"""A `.env` file read as shells and the usual loaders read it: KEY=VALUE lines, `export `
prefixes, comments, and single- or double-quoted values (double quotes know \\n, \\" and \\\\)."""

from __future__ import annotations

import re

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_ESCAPES = {"n": "\n", '"': '"', "\\": "\\", "t": "\t"}


def parse_dotenv(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        found = _LINE.match(raw)
        if found is None:
            continue  # blank lines, comments and anything else are not assignments
        name, value = found.group(1), found.group(2).strip()
        values[name] = _value(value)
    return values


def _value(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), value[1:-1])
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()  # an unquoted value's comment
