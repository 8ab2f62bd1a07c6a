"""What depends on a connection: deleting safely, and resolving which connection to use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum

from app.connections.records import ConnectionRecord, fetch_connection
from app.db.tables import Endpoint, LLMConnection, Workspace
from app.db.writes import run_write
from app.dependents.records import Dependent, dependents_of, fetch_workspace
from app.errors import ErrorCode, Problem, ProblemsFound, invalid, not_found


@dataclass(frozen=True)
class Deletion:
    deleted_id: uuid.UUID | None
    dependents: list[Dependent]
    problems: list[Problem] = field(default_factory=list)


async def delete_connection(
    connection_id: uuid.UUID, force: bool = False, reassign_to: uuid.UUID | None = None
) -> Deletion:
    """Refuse while something depends on it, unless told to move (`reassign_to`) or unlink
    (`force`) the dependents; either way in one transaction with the delete."""
    if force and reassign_to is not None:
        return Deletion(
            None, [], [invalid(("reassignTo",), "choose force or reassignTo, not both")]
        )
    moved: list[Dependent] = []

    async def write() -> None:
        nonlocal moved
        if await fetch_connection(connection_id) is None:
            raise ProblemsFound([not_found("connection", ("id",))])
        [moved] = await dependents_of([connection_id])
        if reassign_to is not None:
            await _check_target(connection_id, reassign_to, moved)
        elif moved and not force:
            raise _has_dependents(moved)
        if force or reassign_to is not None:
            # Statement-time, so dependents that appeared since the read above move too.
            await Endpoint.update({Endpoint.connection: reassign_to}).where(
                Endpoint.connection == connection_id
            )
            await Workspace.update({Workspace.default_connection: reassign_to}).where(
                Workspace.default_connection == connection_id
            )
        # Without force or reassignTo nothing is unlinked: a dependent created since the read
        # makes this DELETE fail (ON DELETE RESTRICT), and the retry reports HAS_DEPENDENTS.
        await LLMConnection.delete().where(LLMConnection.id == connection_id)

    result = await run_write(LLMConnection, write)
    if isinstance(result, list):
        return Deletion(None, moved if _is_dependents_refusal(result) else [], result)
    return Deletion(connection_id, moved)


def _has_dependents(dependents: list[Dependent]) -> ProblemsFound:
    names = ", ".join(d.name for d in dependents[:5]) + (" ..." if len(dependents) > 5 else "")
    return ProblemsFound(
        [
            Problem(
                ("id",),
                ErrorCode.HAS_DEPENDENTS,
                (
                    f"{len(dependents)} endpoint(s) or workspace(s) use this connection "
                    f"({names}); pass "
                    "reassignTo to move them to another connection, or force to unlink them"
                ),
            )
        ]
    )


def _is_dependents_refusal(problems: list[Problem]) -> bool:
    return any(p.code is ErrorCode.HAS_DEPENDENTS for p in problems)


async def _check_target(
    connection_id: uuid.UUID, target_id: uuid.UUID, moving: list[Dependent]
) -> None:
    field_path = ("reassignTo",)
    if target_id == connection_id:
        raise ProblemsFound([invalid(field_path, "reassignTo must name another connection")])
    target = await fetch_connection(target_id)
    if target is None:
        raise ProblemsFound([not_found("connection", field_path)])
    if not target.enabled:
        raise ProblemsFound(
            [
                Problem(
                    field_path,
                    ErrorCode.NOT_ALLOWED,
                    f"connection {target.name!r} is disabled; enable it first",
                )
            ]
        )
    from app.dependents.records import WorkspaceRecord

    if target.owner_id is not None and any(isinstance(d, WorkspaceRecord) for d in moving):
        raise ProblemsFound(
            [
                Problem(
                    field_path,
                    ErrorCode.NOT_ALLOWED,
                    "a personal connection cannot be a workspace default",
                )
            ]
        )


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


async def resolve_connection(
    connection_id: uuid.UUID | None, workspace_id: uuid.UUID | None
) -> Resolution:
    """Explicit connection > workspace default > global default. Never a disabled connection."""
    if connection_id is not None:
        explicit = await fetch_connection(connection_id)
        if explicit is None:
            return Resolution(problems=[not_found("connection", ("connectionId",))])
        if not explicit.enabled:
            return Resolution(
                problems=[
                    Problem(
                        ("connectionId",),
                        ErrorCode.NOT_ALLOWED,
                        f"connection {explicit.name!r} is disabled",
                    )
                ]
            )
        return Resolution(explicit, ResolutionSource.EXPLICIT)
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
    result.problems.append(
        Problem(
            None,
            ErrorCode.NOT_FOUND,
            (
                "No usable connection is configured: an admin can set one with "
                "setDefaultConnection, "
                "or give the workspace a defaultConnectionId"
            ),
        )
    )
    return result


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
