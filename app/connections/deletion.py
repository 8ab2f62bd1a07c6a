"""The rules a delete must pass: nothing depends on the connection, unless the caller said to
move the dependents (to a connection that can take them) or to unlink them."""

from __future__ import annotations

import uuid
from typing import Any

from app.connections.dependent_links import DependentLinks
from app.connections.records import ConnectionRecord, fetch_connection
from app.errors import ErrorCode, Problem, ProblemsFound, invalid, not_found

MOVE_FIELD = ("reassignTo",)


async def check_deletion(
    dependents: DependentLinks,
    current: ConnectionRecord,
    moving: list[Any],
    force: bool,
    reassign_to: uuid.UUID | None,
) -> None:
    if reassign_to is not None:
        await _check_target(dependents, current.id, reassign_to, moving)
    elif moving and not force:
        raise has_dependents(moving)


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
    refused = dependents.refusal(target, moving)
    if refused:
        raise ProblemsFound([Problem(MOVE_FIELD, ErrorCode.NOT_ALLOWED, refused)])
