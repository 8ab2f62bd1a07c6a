"""Every audited write commits through audit.service.audited_write, the write and its event in
one transaction; no service opens its own transaction to write and audit by hand."""

from __future__ import annotations

import re

from tests.conftest import ROOT

APP = ROOT / "app"
# Transactions that are not an audited write of their own: the database layer itself, the
# usage records (gateway calls, not changes anyone made), and the model lists written inside a
# connection's or a refresh's audited write.
OWN_TRANSACTIONS = {
    "db/writes.py",
    "db/engine.py",
    "usage/store.py",
    "usage/retention.py",
    "usage/journal.py",
    "model_catalog/store.py",
    "connections/models.py",
}
# An event appended inside a write already open: each dependent a connection's delete moves.
EXTRA_EVENTS = {"audit/service.py", "dependents/kinds.py"}


def _calls(pattern: str) -> set[str]:
    found = set()
    for path in APP.rglob("*.py"):
        if re.search(pattern, path.read_text()):
            found.add(str(path.relative_to(APP)))
    return found


def test_writes_open_no_transaction_of_their_own():
    assert _calls(r"\bwrite_transaction\(") <= OWN_TRANSACTIONS


def test_audit_events_are_appended_only_through_the_one_helper():
    assert _calls(r"await record(_change)?\(") <= EXTRA_EVENTS
    assert len(_calls(r"\baudited_write\(")) >= 8, "tokens, settings, switches, connections..."
