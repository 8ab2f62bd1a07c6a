"""Which connection to use: explicit > workspace default > global default, never a disabled one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum

from app.connections.records import ConnectionRecord, fetch_connection
from app.db.tables import LLMConnection
from app.dependents.records import fetch_workspace
from app.errors import ErrorCode, Problem, not_found


class ResolutionSource(Enum):
    EXPLICIT = "EXPLICIT"
    WORKSPACE_DEFAULT = "WORKSPACE_DEFAULT"
    GLOBAL_DEFAULT = "GLOBAL_DEFAULT"


@dataclass(frozen=True)
class Skip:
    source: ResolutionSource
    connection: ConnectionRecord
    reason: str


@dataclass
class Resolution:
    connection: ConnectionRecord | None = None
    source: ResolutionSource | None = None
    skipped: list[Skip] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


NOTHING_USABLE = (
    "No usable connection is configured: an admin can set one with setDefaultConnection, "
    "or give the workspace a defaultConnectionId"
)


async def resolve_connection(
    connection_id: uuid.UUID | None, workspace_id: uuid.UUID | None
) -> Resolution:
    """Explicit connection > workspace default > global default. Never a disabled connection."""
    if connection_id is not None:
        return await _explicit(connection_id)
    result = Resolution()
    if workspace_id is not None:
        workspace = await fetch_workspace(workspace_id)
        if workspace is None:
            return Resolution(problems=[not_found("workspace", ("workspaceId",))])
        if workspace.default_connection_id is not None and await _take(
            result, workspace.default_connection_id, ResolutionSource.WORKSPACE_DEFAULT
        ):
            return result
    defaults = await LLMConnection.select(LLMConnection.id).where(LLMConnection.is_default == True)  # noqa: E712
    if defaults and await _take(result, defaults[0]["id"], ResolutionSource.GLOBAL_DEFAULT):
        return result
    result.problems.append(Problem(None, ErrorCode.NOT_FOUND, NOTHING_USABLE))
    return result


async def _explicit(connection_id: uuid.UUID) -> Resolution:
    explicit = await fetch_connection(connection_id)
    if explicit is None:
        return Resolution(problems=[not_found("connection", ("connectionId",))])
    if not explicit.enabled:
        message = f"connection {explicit.name!r} is disabled"
        return Resolution(problems=[Problem(("connectionId",), ErrorCode.NOT_ALLOWED, message)])
    return Resolution(explicit, ResolutionSource.EXPLICIT)


async def _take(result: Resolution, connection_id: uuid.UUID, source: ResolutionSource) -> bool:
    connection = await fetch_connection(connection_id)
    if connection is None:
        return False
    if not connection.enabled:
        result.skipped.append(
            Skip(source, connection, f"connection {connection.name!r} is disabled")
        )
        return False
    result.connection, result.source = connection, source
    return True
