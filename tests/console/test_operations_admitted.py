"""Every operation the console sends is admitted by the cost gate, at its largest pages, on a
catalog whose models are each offered by 20 connections."""

from __future__ import annotations

import re

from graphql import FragmentSpreadNode, parse, visit
from graphql.language import Visitor

from app.api.schema import build_schema
from app.budgets import Budgets
from app.graphql.cost import measure
from tests.conftest import ROOT

SCHEMA = build_schema()._schema
DOCUMENT = re.compile(r"graphql\(\s*`([^`]*)`", re.S)


def _documents() -> list[str]:
    found = []
    for path in sorted((ROOT / "console" / "src").glob("*.ts*")):
        found += DOCUMENT.findall(path.read_text())
    return found


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: object) -> None:
        self.names.add(node.name.value)


def _with_fragments(text: str, fragments: dict[str, str]) -> str:
    """The operation and every fragment it spreads, as the client sends it."""
    needed: dict[str, str] = {}
    pending = [text]
    while pending:
        spreads = _Spreads()
        visit(parse(pending.pop()), spreads)
        for name in spreads.names - set(needed):
            needed[name] = fragments[name]
            pending.append(fragments[name])
    return "\n".join([text, *needed.values()])


def test_every_console_operation_is_admitted():
    documents = _documents()
    fragments = {
        parse(d).definitions[0].name.value: d  # type: ignore[attr-defined]
        for d in documents
        if d.lstrip().startswith("fragment")
    }
    operations = [d for d in documents if not d.lstrip().startswith("fragment")]
    assert len(operations) >= 25, "the console's operations were found"
    bounds = {("Model", "offerings"): 20}
    for text in operations:
        document = parse(_with_fragments(text, fragments))
        measure(document, SCHEMA, {}, Budgets(), bounds)  # raises BudgetExceeded if refused
