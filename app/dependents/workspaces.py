"""The rules for workspaces: a name and an optional default connection (never a personal one)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.connections.inputs import given
from app.connections.records import fetch_connection
from app.db.tables import Workspace
from app.db.writes import ensure_name_free, versioned_update
from app.dependents.inputs import WorkspaceInput
from app.dependents.records import WorkspaceRecord, fetch_workspace
from app.dependents.rows import check_version, delete_row, written
from app.errors import ErrorCode, Problem, ProblemsFound, invalid, not_found
from app.validation import check_name


async def _check_default(connection_id: uuid.UUID | None) -> list[Problem]:
    if connection_id is None:
        return []
    connection = await fetch_connection(connection_id)
    field = ("input", "defaultConnectionId")
    if connection is None:
        return [not_found("connection", field)]
    if connection.owner_id is not None:
        return [
            Problem(
                field, ErrorCode.NOT_ALLOWED, "a personal connection cannot be a workspace default"
            )
        ]
    return []


def _checked_name(
    data: WorkspaceInput, current: WorkspaceRecord | None
) -> tuple[str, list[Problem]]:
    name, message = check_name(given(data.name, current.name if current else ""))
    return name, [invalid(("input", "name"), message)] if message else []


class WorkspaceService:
    async def create(self, data: WorkspaceInput) -> WorkspaceRecord | list[Problem]:
        workspace_id = uuid.uuid4()

        async def write() -> None:
            name, problems = _checked_name(data, None)
            default = given(data.default_connection_id, None)
            problems += await _check_default(default)
            if problems:
                raise ProblemsFound(problems)
            await ensure_name_free(Workspace, name, None, "a workspace")
            await Workspace.insert(
                Workspace(
                    id=workspace_id, name=name, name_key=name.casefold(), default_connection=default
                )
            )

        return await self._written(write, workspace_id)

    async def update(
        self, workspace_id: uuid.UUID, data: WorkspaceInput
    ) -> WorkspaceRecord | list[Problem]:
        async def write() -> None:
            current = await fetch_workspace(workspace_id)
            if current is None:
                raise ProblemsFound([not_found("workspace")])
            check_version(data.expected_version, current.version)
            name, problems = _checked_name(data, current)
            default = given(data.default_connection_id, current.default_connection_id)
            problems += await _check_default(default)
            if problems:
                raise ProblemsFound(problems)
            await ensure_name_free(Workspace, name, workspace_id, "a workspace")
            columns = {
                Workspace.name: name,
                Workspace.name_key: name.casefold(),
                Workspace.default_connection: default,
                Workspace.updated_at: datetime.now(UTC),
            }
            strict = isinstance(data.expected_version, int)
            await versioned_update(Workspace, workspace_id, current.version, columns, strict)

        return await self._written(write, workspace_id)

    async def delete(self, workspace_id: uuid.UUID) -> uuid.UUID | list[Problem]:
        return await delete_row(Workspace, workspace_id, not_found("workspace"))

    async def _written(self, write: Any, workspace_id: uuid.UUID) -> Any:
        return await written(Workspace, write, workspace_id, fetch_workspace)
