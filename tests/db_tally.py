"""Statements and commits as the database sees them, counted in Piccolo's engine and
transaction classes rather than in Switchboard's code: a statement outside a transaction
commits on its own, so a write there counts as a commit too. Used by tests (one commit per
write) and by bench/write_path.py, so any revision can be measured the same way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction

from app.db.sqlite import KeptSQLiteEngine

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Tally:
    statements: int = 0
    commits: int = 0


@contextlib.contextmanager
def tally() -> Iterator[Tally]:
    """Count everything every engine runs within the block."""
    counted = Tally()
    originals: list[tuple[Any, str, Any]] = []

    def wrap(cls: Any, name: str, wrapper: Any) -> None:
        original = getattr(cls, name)
        originals.append((cls, name, original))
        setattr(cls, name, wrapper(original))

    def statements(original: Any) -> Any:
        async def run_querystring(self: Any, querystring: Any, in_pool: bool = True) -> Any:
            counted.statements += 1
            outside = self.current_transaction.get() is None
            if outside and str(querystring).lstrip().upper().startswith(WRITES):
                counted.commits += 1
            return await original(self, querystring, in_pool)

        return run_querystring

    def commits(original: Any) -> Any:
        async def commit(self: Any) -> Any:
            counted.commits += 1
            return await original(self)

        return commit

    for engine in (SQLiteEngine, KeptSQLiteEngine, PostgresEngine):
        wrap(engine, "run_querystring", statements)
    for transaction in (SQLiteTransaction, PostgresTransaction):
        wrap(transaction, "commit", commits)
    try:
        yield counted
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)
