"""The rules for workspaces: a name and an optional default connection (never a personal one)."""

from __future__ import annotations

import uuid

from app.audit.service import Actor
from app.connections.records import fetch_connection
from app.db.tables import Workspace
from app.db.writes import check_version, ensure_name_free, versioned_update
from app.dependents.inputs import WorkspaceInput
from app.dependents.kinds import WORKSPACE, personal_refusal
from app.dependents.records import WorkspaceRecord
from app.dependents.writes import delete_dependent, write_dependent
from app.errors import ErrorCode, Problem, ProblemsFound, invalid, not_found
from app.validation import check_name, given


async def _check_default(connection_id: uuid.UUID | None) -> list[Problem]:
    if connection_id is None:
        return []
    connection = await fetch_connection(connection_id)
    field = ("input", "defaultConnectionId")
    if connection is None:
        return [not_found("connection", field)]
    refused = personal_refusal(WORKSPACE, connection)
    if refused:
        return [Problem(field, ErrorCode.NOT_ALLOWED, refused)]
    return []


def _checked_name(
    data: WorkspaceInput, current: WorkspaceRecord | None
) -> tuple[str, list[Problem]]:
    name, message = check_name(given(data.name, current.name if current else ""))
    return name, [invalid(("input", "name"), message)] if message else []


class WorkspaceService:
    async def create(self, actor: Actor, data: WorkspaceInput) -> WorkspaceRecord:
        workspace_id = uuid.uuid4()

        async def change(_: WorkspaceRecord | None) -> None:
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

        return await write_dependent(
            WORKSPACE, actor, "create", workspace_id, change, existing=False
        )

    async def update(
        self, actor: Actor, workspace_id: uuid.UUID, data: WorkspaceInput
    ) -> WorkspaceRecord:
        async def change(current: WorkspaceRecord | None) -> None:
            assert current is not None
            check_version(data.expected_version, current.version)
            name, problems = _checked_name(data, current)
            default = given(data.default_connection_id, current.default_connection_id)
            problems += await _check_default(default)
            if problems:
                raise ProblemsFound(problems)
            await ensure_name_free(Workspace, name, workspace_id, "a workspace")
            columns = {"name": name, "name_key": name.casefold(), "default_connection": default}
            strict = isinstance(data.expected_version, int)
            await versioned_update(Workspace, workspace_id, current.version, columns, strict)

        return await write_dependent(
            WORKSPACE, actor, "update", workspace_id, change, existing=True
        )

    async def delete(self, actor: Actor, workspace_id: uuid.UUID) -> WorkspaceRecord:
        return await delete_dependent(WORKSPACE, actor, workspace_id)
