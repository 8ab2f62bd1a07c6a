"""What endpoint and workspace writes share: checks, the write and the row read back, which is
both the answer and the audit event's "after" (audited_write commits them together)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from app.audit.service import Actor, Done, Target, audited_write, diff
from app.dependents.kinds import DependentKind
from app.errors import ProblemsFound, not_found


async def write_dependent(
    kind: DependentKind,
    actor: Actor,
    action: str,
    row_id: uuid.UUID,
    change: Callable[[Any | None], Awaitable[None]],
    existing: bool,
) -> Any:
    """Run `change(current)` (current is None for a create), then answer with the row as
    stored; the audit event commits with it. Races retry from the start."""

    async def write() -> Done[Any]:
        before = await _current(kind, row_id) if existing else None
        await change(before)
        after = await kind.fetch(row_id)
        assert after is not None
        return _done(kind, before, after, after)

    return await audited_write(kind.table, actor, f"{kind.noun}.{action}", write)


async def delete_dependent(kind: DependentKind, actor: Actor, row_id: uuid.UUID) -> Any:
    async def write() -> Done[Any]:
        before = await _current(kind, row_id)
        await kind.table.delete().where(kind.table._meta.primary_key == row_id)
        return _done(kind, before, None, before)

    return await audited_write(kind.table, actor, f"{kind.noun}.delete", write)


async def _current(kind: DependentKind, row_id: uuid.UUID) -> Any:
    current = await kind.fetch(row_id)
    if current is None:
        raise ProblemsFound([not_found(kind.noun)])
    return current


def _done(kind: DependentKind, before: Any, after: Any, answer: Any) -> Done[Any]:
    subject = after or before
    changes = diff(kind.snapshot(before), kind.snapshot(after))
    return Done(answer, Target(kind.type_name, subject.id, subject.name), changes)
