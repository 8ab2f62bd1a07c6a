"""Keyset pagination over Piccolo queries: stable order, opaque cursors, constant queries."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns import UUID, Column, Timestamptz
from piccolo.columns.combination import And, Or, Where
from piccolo.table import Table

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def like_pattern(text: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching `text` anywhere, wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PaginationError(ValueError):
    """Bad paging arguments; the message says which and why."""


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def backwards(self) -> bool:
        return self.last is not None or (self.before is not None and self.first is None)

    def size(self) -> int:
        if self.first is not None and self.last is not None:
            raise PaginationError("pass either first or last, not both")
        for name, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
                raise PaginationError(f"{name} must be between 0 and {MAX_PAGE_SIZE}, got {value}")
        return (
            self.last
            if self.last is not None
            else (self.first if self.first is not None else DEFAULT_PAGE_SIZE)
        )


@dataclass(frozen=True)
class OrderKey:
    column: Column
    descending: bool = False


def _no_cursor(row: Any) -> str:
    raise AssertionError("this page has no rows to point at")


@dataclass
class Page:
    """One page of rows; a row's cursor is encoded only when someone asks for it."""

    rows: list[Any]
    has_next: bool
    has_previous: bool
    cursor_of: Callable[[Any], str] = _no_cursor


def _encode(values: Sequence[Any]) -> str:
    plain = [
        v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, uuid.UUID) else v
        for v in values
    ]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, keys: Sequence[OrderKey]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keys):
            raise ValueError
        return [_typed(key.column, value) for key, value in zip(keys, raw, strict=True)]
    except (ValueError, TypeError):
        raise PaginationError(
            "the cursor is not valid for this list; start again without it"
        ) from None


def _typed(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column, Timestamptz):
        return datetime.fromisoformat(value)
    if isinstance(column, UUID):
        return uuid.UUID(value)
    return value


def _beyond(keys: Sequence[OrderKey], values: list[Any], forward: bool) -> Where | And | Or:
    """Rows strictly after (forward) or before the row with these key values."""
    condition: Any = None
    for index in range(len(keys)):
        clause: Any = None
        for key, value in zip(keys[:index], values[:index], strict=True):
            clause = (key.column == value) if clause is None else clause & (key.column == value)
        key, value = keys[index], values[index]
        greater = forward != key.descending
        step = key.column > value if greater else key.column < value
        clause = step if clause is None else clause & step
        condition = clause if condition is None else condition | clause
    first, value = keys[0], values[0]
    if len(keys) > 1 and value is not None:
        # The same rows, with a bound on the first key that an index can start from: without
        # it a database walks every row before the cursor (a page deep in ten million calls).
        start = first.column >= value if forward != first.descending else first.column <= value
        condition = start & condition
    return condition


async def keyset_page(
    table: type[Table], where: Sequence[Any], keys: Sequence[OrderKey], request: PageRequest
) -> Page:
    size = request.size()
    backwards = request.backwards
    query = table.select()
    for condition in where:
        query = query.where(condition)
    cursor = request.before if backwards else request.after
    if cursor:
        query = query.where(_beyond(keys, _decode(cursor, keys), forward=not backwards))
    for key in keys:
        query = query.order_by(key.column, ascending=key.descending == backwards)
    rows = await query.limit(size + 1) if size else []
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    names = [key.column._meta.name for key in keys]

    def cursor_of(row: Any) -> str:
        return _encode([row[n] for n in names])

    if backwards:
        return Page(rows, request.before is not None, more, cursor_of)
    return Page(rows, more, request.after is not None, cursor_of)


async def count_rows(table: type[Table], where: Sequence[Any]) -> int:
    query = table.count()
    for condition in where:
        query = query.where(condition)
    return await query


@dataclass(frozen=True)
class Listing:
    """What a list query reads, as its domain declares it: the table, the conditions and the
    order. The API pages it; it never names a table itself."""

    table: type[Table]
    where: Sequence[Any]
    keys: Sequence[OrderKey]

    async def page(self, request: PageRequest) -> Page:
        return await keyset_page(self.table, self.where, self.keys, request)

    async def count(self) -> int:
        return await count_rows(self.table, self.where)
