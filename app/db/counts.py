"""How many rows some tables hold, in one statement: what bounds the API's unpaginated lists
(app.api.list_bounds)."""

from __future__ import annotations

from collections.abc import Iterable

from app.db.tables import ALL_TABLES

TABLES = {table._meta.tablename for table in ALL_TABLES}


async def row_counts(tablenames: Iterable[str]) -> dict[str, int]:
    names = sorted(set(tablenames))
    if not names:
        return {}
    unknown = set(names) - TABLES
    if unknown:
        raise ValueError(f"not a table of ours: {sorted(unknown)}")
    # Only our own table names (checked above) are written into the statement.
    columns = ", ".join(f"(SELECT COUNT(*) FROM {name}) AS {name}" for name in names)  # noqa: S608
    (row,) = await ALL_TABLES[0].raw("SELECT " + columns)
    return {name: int(row[name]) for name in names}
