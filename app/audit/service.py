"""The audit trail: who did what to which object, when, and which non-secret values changed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.db.tables import AuditEvent


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    name: str | None
    request_id: str | None


@dataclass(frozen=True)
class Target:
    type: str
    id: str | None
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


async def record(
    actor: Actor, action: str, target: Target, changes: list[dict[str, Any]] | None = None
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            actor_id=actor.user_id,
            actor_name=actor.name,
            action=action,
            target_type=target.type,
            target_id=target.id,
            target_name=target.name,
            request_id=actor.request_id,
            changes=json.dumps(changes or [], default=str),
        )
    )
