"""The audit trail: who did what to which object, when, and which non-secret values changed.

Every write goes through `audited_write`: the write and its event run in one transaction and
commit together or not at all. (`record` appends an event to a transaction already open, for
the extra events a write implies, such as each dependent a delete moves.)
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from piccolo.table import Table

from app.db.pagination import Listing, OrderKey
from app.db.tables import AuditEvent
from app.db.writes import run_write
from app.ids import global_id

T = TypeVar("T")


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    name: str | None
    request_id: str | None


@dataclass(frozen=True)
class Target:
    type: str  # the API's type name: LLMConnection, Endpoint...
    id: uuid.UUID | str | None  # the raw id; the trail stores the API's global id
    name: str | None


def diff(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    secret_fields: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Changed fields with old and new values; a secret field says only that it changed."""
    old, new = before or {}, after or {}
    changes: list[dict[str, Any]] = []
    for field in sorted(set(old) | set(new)):
        if old.get(field) == new.get(field):
            continue
        if field in secret_fields:
            changes.append({"field": field, "secret": True})
        else:
            changes.append({"field": field, "old": old.get(field), "new": new.get(field)})
    return changes


def set_to(**values: Any) -> list[dict[str, Any]]:
    """Changes for an event that sets values without a before (refreshes, switches, tokens)."""
    return [{"field": field, "old": None, "new": value} for field, value in values.items()]


async def record(
    actor: Actor, action: str, target: Target, changes: list[dict[str, Any]] | None = None
) -> None:
    """Append one event. Call it inside the write's transaction."""
    await AuditEvent.insert(
        AuditEvent(
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            target_type=target.type,
            target_id=global_id(target.type, target.id) if target.id is not None else None,
            target_name=target.name,
            request_id=actor.request_id,
            changes=json.dumps(changes or [], default=str),
        )
    )


async def record_change(
    actor: Actor,
    action: str,
    target: Target,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    secret_fields: Sequence[str] = (),
) -> None:
    """Append one event with the fields that differ between two snapshots."""
    await record(actor, action, target, diff(before, after, secret_fields))


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a write answers with, and what its audit event says it did."""

    answer: T
    target: Target
    changes: list[dict[str, Any]]


async def audited_write(
    table: type[Table], actor: Actor, action: str, write: Callable[[], Awaitable[Done[T]]]
) -> T:
    """The one way a write commits: `write` and its audit event in one transaction, together or
    not at all. Problems roll back; a race the database catches retries both (run_write)."""

    async def both() -> T:
        done = await write()
        await record(actor, action, done.target, done.changes)
        return done.answer

    return await run_write(table, both)


@dataclass(frozen=True)
class AuditQuery:
    target_id: str | None = None  # the API's global id
    actor_id: uuid.UUID | None = None
    action: str | None = None  # exact, or a prefix ending in "."
    since: datetime | None = None
    until: datetime | None = None


def audit_listing(q: AuditQuery) -> Listing:
    """The trail, newest first, narrowed by the query."""
    where: list[Any] = []
    if q.target_id:
        where.append(AuditEvent.target_id == q.target_id)
    if q.actor_id:
        where.append(AuditEvent.actor_id == q.actor_id)
    if q.action:
        by_prefix = q.action.endswith(".")
        where.append(
            AuditEvent.action.like(q.action + "%") if by_prefix else AuditEvent.action == q.action
        )
    if q.since:
        where.append(AuditEvent.at >= q.since)
    if q.until:
        where.append(AuditEvent.at < q.until)
    keys = [OrderKey(AuditEvent.at, descending=True), OrderKey(AuditEvent.id, descending=True)]
    return Listing(AuditEvent, where, keys)
