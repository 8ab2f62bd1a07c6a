"""Statements built once with Piccolo and run again with new values at the cost of a raw query.

Building a Piccolo query is Python work on every run: a select of a connection's 25 columns
makes its clauses, aliases and value conversions again each time, about as long as SQLite takes
to answer it. The hot statements of a write (the row read back, the sealing key's state, the
cache versions) are therefore built once per database kind, with marker values where the real
ones go, and kept as SQL whose placeholders take the real values in the markers' places: the
same statement, the same answer (rows as dicts, as a Piccolo select returns them without
output options), with none of the building."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from piccolo.query.base import Query
from piccolo.table import Table

_PLACEHOLDER = {"sqlite": re.compile(r"\?"), "postgres": re.compile(r"\$\d+")}


def _marker(index: int) -> uuid.UUID:
    """A value that stands for the statement's `index`-th argument (never a real id)."""
    return uuid.UUID(int=(0x5357_4244 << 96) + index)


class Prepared:
    """`build(*markers)` makes the Piccolo query once per database kind; `run(*values)` sends
    its SQL with `values` where the markers were. Markers are UUIDs (_marker(i)); a value of
    another type is converted by the driver as Piccolo's own query would have it."""

    def __init__(self, table: type[Table], build: Callable[..., Query], arity: int = 0) -> None:
        self.table = table
        self.build = build
        self.arity = arity
        self._compiled: dict[str, tuple[str, list[int | None], list[Any]]] = {}

    def _compile(self, engine_type: str) -> tuple[str, list[int | None], list[Any]]:
        compiled = self._compiled.get(engine_type)
        if compiled is None:
            markers = [_marker(i) for i in range(self.arity)]
            [querystring] = self.build(*markers).querystrings
            sql, args = querystring.compile_string(engine_type=engine_type)
            named = {str(m): i for i, m in enumerate(markers)}  # a text column has it as text
            slots = [named.get(str(a)) for a in args]
            escaped = sql.replace("{", "{{").replace("}", "}}")
            template = _PLACEHOLDER[engine_type].sub("{}", escaped)
            compiled = self._compiled[engine_type] = (template, slots, list(args))
        return compiled

    async def run(self, *values: Any) -> list[dict[str, Any]]:
        assert len(values) == self.arity
        template, slots, constants = self._compile(self.table._meta.db.engine_type)
        args = [c if s is None else values[s] for s, c in zip(slots, constants, strict=True)]
        return await self.table.raw(template, *args)
