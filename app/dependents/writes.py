"""What endpoint and workspace writes share: one transaction that checks, writes, reads the
row back and appends the audit event; a delete likewise."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from app.audit.service import Actor, Target, record_change
from app.db.writes import run_write
from app.dependents.kinds import DependentKind
from app.errors import ProblemsFound, not_found


async def audited_write(
    kind: DependentKind,
    actor: Actor,
    action: str,
    row_id: uuid.UUID,
    change: Callable[[Any | None], Awaitable[None]],
    existing: bool,
) -> Any:
    """Run `change(current)` (current is None for a create), then answer with the row as
    stored; the audit event commits with it. Races retry from the start."""

    async def write() -> Any:
        before = await _current(kind, row_id) if existing else None
        await change(before)
        after = await kind.fetch(row_id)
        assert after is not None
        await _audit(kind, actor, action, before, after)
        return after

    return await run_write(kind.table, write)


async def audited_delete(kind: DependentKind, actor: Actor, row_id: uuid.UUID) -> Any:
    async def write() -> Any:
        before = await _current(kind, row_id)
        await kind.table.delete().where(kind.table._meta.primary_key == row_id)
        await _audit(kind, actor, "delete", before, None)
        return before

    return await run_write(kind.table, write)


async def _current(kind: DependentKind, row_id: uuid.UUID) -> Any:
    current = await kind.fetch(row_id)
    if current is None:
        raise ProblemsFound([not_found(kind.noun)])
    return current


async def _audit(kind: DependentKind, actor: Actor, action: str, before: Any, after: Any) -> None:
    subject = after or before
    target = Target(kind.type_name, subject.id, subject.name)
    await record_change(
        actor, f"{kind.noun}.{action}", target, kind.snapshot(before), kind.snapshot(after)
    )
