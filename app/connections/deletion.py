"""When a connection may be deleted (its dependents, recent gateway traffic) and the port through
which deletion reaches the dependents without knowing their kinds."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from app.audit.service import Actor
from app.connections.records import ConnectionRecord, fetch_connection
from app.db.tables import ApiToken
from app.errors import ErrorCode, Problem, ProblemsFound, invalid, not_found
from app.usage.queries import direct_use

MOVE_FIELD = ("reassignTo",)
RECENT_MS = 24 * 3_600_000


async def check_deletion(
    dependents: DependentLinks,
    current: ConnectionRecord,
    moving: list[Any],
    force: bool,
    reassign_to: uuid.UUID | None,
) -> None:
    if reassign_to is not None:
        await _check_target(dependents, current.id, reassign_to, moving)
    problems = [] if force else [await _recent_traffic(current)]
    if moving and not force and reassign_to is None:
        problems.insert(0, has_dependents(moving).problems[0])
    found = [p for p in problems if p is not None]
    if found:
        raise ProblemsFound(found, dependents=moving)


async def _recent_traffic(current: ConnectionRecord) -> Problem | None:
    """Callers that name the connection's models directly are dependents no table lists: a
    connection with such gateway traffic in the last 24 hours is deleted only with force."""
    used = await direct_use(str(current.id), int(time.time() * 1000) - RECENT_MS)
    if not used.calls:
        return None
    tokens = await ApiToken.select(ApiToken.id, ApiToken.name).where(
        ApiToken.id.is_in([uuid.UUID(k) for k in used.token_keys[:5] if k])
    )
    names = ", ".join(sorted(row["name"] for row in tokens)) or "unknown tokens"
    last = datetime.fromtimestamp((used.last_ms or 0) / 1000, tz=UTC).isoformat(timespec="seconds")
    message = (
        f"{used.calls} gateway call(s) in the last 24 hours used this connection's models "
        f"directly (last at {last}, by tokens: {names}); pass force to delete it anyway"
    )
    return Problem(("id",), ErrorCode.RECENTLY_USED, message)


def has_dependents(moving: list[Any]) -> ProblemsFound:
    names = ", ".join(d.name for d in moving[:5]) + (" ..." if len(moving) > 5 else "")
    message = (
        f"{len(moving)} endpoint(s) or workspace(s) use this connection ({names}); pass "
        "reassignTo to move them to another connection, or force to unlink them"
    )
    return ProblemsFound([Problem(("id",), ErrorCode.HAS_DEPENDENTS, message)], dependents=moving)


async def _check_target(
    dependents: DependentLinks, connection_id: uuid.UUID, target_id: uuid.UUID, moving: list[Any]
) -> None:
    if target_id == connection_id:
        raise ProblemsFound([invalid(MOVE_FIELD, "reassignTo must name another connection")])
    target = await fetch_connection(target_id)
    if target is None:
        raise ProblemsFound([not_found("connection", MOVE_FIELD)])
    if not target.enabled:
        message = f"connection {target.name!r} is disabled; enable it first"
        raise ProblemsFound([Problem(MOVE_FIELD, ErrorCode.NOT_ALLOWED, message)])
    refused = await dependents.refusal(target, moving)
    if refused:
        raise ProblemsFound([Problem(MOVE_FIELD, ErrorCode.NOT_ALLOWED, refused)])


class DependentLinks(Protocol):
    async def of(self, connection_ids: list[uuid.UUID]) -> list[list[Any]]:
        """Every dependent of each connection, in order (one query per kind)."""
        ...

    async def move(self, connection_id: uuid.UUID, to: uuid.UUID | None, actor: Actor) -> None:
        """Point every dependent of `connection_id` at `to` (None unlinks them), each move
        audited."""
        ...

    async def refusal(self, target: ConnectionRecord, moving: list[Any]) -> str | None:
        """Why these dependents may not move to `target`, or None."""
        ...
