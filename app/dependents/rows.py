"""What endpoints and workspaces share: a checked write that answers with the stored record,
a delete that answers with the id, and the optimistic version check."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from piccolo.table import Table

from app.db.writes import run_write, version_conflict
from app.errors import Problem, ProblemsFound

R = TypeVar("R")


async def written(
    table: type[Table],
    write: Callable[[], Awaitable[None]],
    row_id: uuid.UUID,
    fetch: Callable[[uuid.UUID], Awaitable[R | None]],
) -> R | list[Problem]:
    """Run `write` (retrying races); answer with the row as stored, or the problems."""
    result = await run_write(table, write)
    if isinstance(result, list):
        return result
    record = await fetch(row_id)
    assert record is not None
    return record


async def delete_row(
    table: type[Table], row_id: uuid.UUID, missing: Problem
) -> uuid.UUID | list[Problem]:
    deleted = (
        await table.delete()
        .where(table._meta.primary_key == row_id)
        .returning(table._meta.primary_key)
    )
    return row_id if deleted else [missing]


def check_version(expected: Any, current_version: int) -> None:
    """expectedVersion, when sent, must match or nothing is written."""
    if isinstance(expected, int) and expected != current_version:
        raise ProblemsFound([version_conflict(current_version)])
