"""Transactions for read-check-write work, with retries for the races the database catches."""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from app.db.engine import (
    is_deadlock,
    is_foreign_key_violation,
    is_unique_violation,
    write_transaction,
)
from app.errors import ErrorCode, Problem, ProblemsFound

T = TypeVar("T")
RACE_RETRIES = 5
DEFAULT_SLOT_LOCK = 0x5357_4244  # "SWBD": the one default connection


class Raced(Exception):
    """Another write landed between our read and our write: read again and retry."""


class Stale(Exception):
    """The row changed since it was read outside this transaction (where the plan and the
    provider probe were made): the caller must read, plan and probe again. Never retried here."""


# True during the first attempt of a write that owns its transaction: checks that a unique
# index also enforces are left to the index then, and made (to answer clearly) on a retry.
_first_try = contextvars.ContextVar("first_try", default=False)


async def run_write(table: type[Table], write: Callable[[], Awaitable[T]]) -> T:
    """Run `write` in one transaction and return what it returns. ProblemsFound rolls back and
    propagates; a constraint violation or a lost optimistic race retries from the start."""
    owned = table._meta.db.current_transaction.get() is None
    for attempt in range(RACE_RETRIES):
        first = _first_try.set(owned and attempt == 0)
        try:
            async with write_transaction(table._meta.db):
                return await write()
        except (ProblemsFound, Stale):
            raise
        except Exception as exc:
            # What we read changed under us: a duplicate appeared, or a referenced row went away
            # (or gained a reference). Read again; the checks then answer with a clear problem.
            retry = (
                isinstance(exc, Raced)
                or is_unique_violation(exc)
                or is_foreign_key_violation(exc)
                or is_deadlock(exc)
            )
            if not retry or attempt == RACE_RETRIES - 1:
                raise
            await asyncio.sleep(0.01 * (attempt + 1))
        finally:
            _first_try.reset(first)
    raise AssertionError("unreachable")


async def lock_default_slot(table: type[Table]) -> None:
    """Call first in every transaction that may move the default. On PostgreSQL a transaction
    advisory lock makes such writes take turns, so two of them never wait on each other's rows
    (a deadlock) or collide on the one-default unique index; SQLite's IMMEDIATE transactions
    take turns already."""
    if isinstance(table._meta.db, PostgresEngine):
        await table.raw("SELECT pg_advisory_xact_lock({})", DEFAULT_SLOT_LOCK)


async def ensure_name_free(
    table: type[Table], name: str, own_id: uuid.UUID | None, what: str
) -> None:
    """Names are unique case-insensitively (the name_key column's unique index enforces it).
    A write's first try leaves it to the index, one statement fewer while SQLite's one writer
    waits; a taken name fails that try, and the retry asks here and answers DUPLICATE_NAME."""
    if _first_try.get():
        return
    rows = await table.select(table._meta.primary_key).where(
        table._meta.get_column_by_name("name_key") == name.casefold()
    )
    if any(row["id"] != own_id for row in rows):
        raise ProblemsFound(
            [
                Problem(
                    ("input", "name"),
                    ErrorCode.DUPLICATE_NAME,
                    f"{what} named {name!r} already exists",
                )
            ]
        )


async def versioned_update(
    table: type[Table],
    row_id: uuid.UUID,
    version: int,
    values: dict[str, Any],
    strict: bool = False,
) -> None:
    """Write these columns (by name) only if the row is still at `version`; bump it and
    updated_at. A miss is a conflict (`strict`, the client sent expectedVersion) or a race to
    retry."""
    meta = table._meta
    version_column = meta.get_column_by_name("version")
    columns: dict[Any, Any] = {meta.get_column_by_name(k): v for k, v in values.items()}
    columns[meta.get_column_by_name("updated_at")] = datetime.now(UTC)
    columns[version_column] = version + 1
    updated = (
        await table.update(columns)
        .where((table._meta.primary_key == row_id) & (version_column == version))
        .returning(table._meta.primary_key)
    )
    if not updated:
        if strict:
            raise ProblemsFound([version_conflict(None)])
        raise Raced()


def check_version(expected: Any, current_version: int) -> None:
    """expectedVersion, when sent, must match or nothing is written."""
    if isinstance(expected, int) and expected != current_version:
        raise ProblemsFound([version_conflict(current_version)])


def version_conflict(current_version: int | None) -> Problem:
    detail = f" (it is now at version {current_version})" if current_version is not None else ""
    return Problem(
        ("input", "expectedVersion"),
        ErrorCode.VERSION_CONFLICT,
        f"it was changed by someone else{detail}; reload it and try again",
    )
