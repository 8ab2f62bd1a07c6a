"""Endpoint and workspace mutations: thin translations onto their services."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import strawberry
from strawberry.permission import BasePermission
from strawberry.scalars import JSON

from app.audit.graphql import audit
from app.audit.service import Target
from app.audit.snapshots import endpoint_snapshot, workspace_snapshot
from app.connections.inputs import UNSET
from app.dependents.endpoints import EndpointService
from app.dependents.graphql.types import EndpointType, WorkspaceType
from app.dependents.inputs import EndpointInput, WorkspaceInput
from app.dependents.records import fetch_endpoint, fetch_workspace
from app.dependents.workspaces import WorkspaceService
from app.errors import not_found
from app.graphql.context import Info
from app.graphql.errors import UserError, user_errors
from app.graphql.ids import to_global_id, uuid_of
from app.graphql.permissions import IsAdmin

ADMIN: list[type[BasePermission]] = [IsAdmin]


@strawberry.input
class CreateEndpointInput:
    name: str
    connection_id: strawberry.ID
    model: str
    description: str | None = None
    config: JSON | None = None


@strawberry.input(description="Partial: an absent field is unchanged.")
class UpdateEndpointInput:
    name: strawberry.Maybe[str | None]
    connection_id: strawberry.Maybe[strawberry.ID | None]
    model: strawberry.Maybe[str | None]
    description: strawberry.Maybe[str | None]
    config: strawberry.Maybe[JSON | None]
    expected_version: int | None = None


@strawberry.input
class CreateWorkspaceInput:
    name: str
    default_connection_id: strawberry.ID | None = None


@strawberry.input(
    description="Partial: an absent field is unchanged; a null defaultConnectionId clears it."
)
class UpdateWorkspaceInput:
    name: strawberry.Maybe[str | None]
    default_connection_id: strawberry.Maybe[strawberry.ID | None]
    expected_version: int | None = None


@strawberry.type
class EndpointPayload:
    endpoint: EndpointType | None
    user_errors: list[UserError]


@strawberry.type
class WorkspacePayload:
    workspace: WorkspaceType | None
    user_errors: list[UserError]


@strawberry.type
class DeleteEndpointPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class DeleteWorkspacePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


BAD_CONNECTION = uuid.UUID(int=0)  # a global ID that names no connection: found by nobody


def _maybe(value: Any) -> Any:
    return UNSET if value is None else value.value


def _connection(global_id: str | None) -> uuid.UUID | None:
    return None if global_id is None else uuid_of(global_id, "LLMConnection") or BAD_CONNECTION


def _endpoint_payload(result: Any) -> EndpointPayload:
    if isinstance(result, list):
        return EndpointPayload(endpoint=None, user_errors=user_errors(result))
    return EndpointPayload(endpoint=EndpointType.of(result), user_errors=[])


def _workspace_payload(result: Any) -> WorkspacePayload:
    if isinstance(result, list):
        return WorkspacePayload(workspace=None, user_errors=user_errors(result))
    return WorkspacePayload(workspace=WorkspaceType.of(result), user_errors=[])


KINDS: dict[
    str, tuple[Callable[[Any], dict[str, Any] | None], Callable[[uuid.UUID], Awaitable[Any]]]
] = {
    "Endpoint": (endpoint_snapshot, fetch_endpoint),
    "Workspace": (workspace_snapshot, fetch_workspace),
}


async def _audited(info: Info, kind: str, action: str, before: Any, result: Any) -> None:
    """Record a successful write (a record, or the id of a deleted one) in the audit trail."""
    if isinstance(result, list):
        return
    after = None if isinstance(result, uuid.UUID) else result
    subject = after or before
    snapshot, _ = KINDS[kind]
    target = Target(kind, to_global_id(kind, subject.id), subject.name)
    await audit(info, f"{kind.lower()}.{action}", target, snapshot(before), snapshot(after))


async def _before(kind: str, object_id: uuid.UUID | None) -> Any:
    _, fetch = KINDS[kind]
    return await fetch(object_id) if object_id else None


async def _delete(
    info: Info, kind: str, global_id: str, delete: Any, missing: Any
) -> tuple[Any, list[UserError]]:
    """Delete an endpoint or a workspace: (the deleted global id or None, userErrors)."""
    object_id = uuid_of(global_id, kind)
    before = await _before(kind, object_id)
    result = await delete(object_id) if object_id else [missing()]
    if isinstance(result, list):
        return None, user_errors(result)
    await _audited(info, kind, "delete", before, result)
    return to_global_id(kind, result), []


@strawberry.type
class DependentMutations:
    @strawberry.mutation(permission_classes=ADMIN)
    async def create_endpoint(self, info: Info, input: CreateEndpointInput) -> EndpointPayload:
        data = EndpointInput(
            name=input.name,
            connection_id=_connection(input.connection_id),
            model=input.model,
            description=input.description,
            config=input.config,
        )
        result = await EndpointService().create(data)
        await _audited(info, "Endpoint", "create", None, result)
        return _endpoint_payload(result)

    @strawberry.mutation(permission_classes=ADMIN)
    async def update_endpoint(
        self, info: Info, id: strawberry.ID, input: UpdateEndpointInput
    ) -> EndpointPayload:
        endpoint_id = uuid_of(id, "Endpoint")
        if endpoint_id is None:
            return _endpoint_payload([not_found("endpoint")])
        connection = _maybe(input.connection_id)
        data = EndpointInput(
            name=_maybe(input.name),
            model=_maybe(input.model),
            description=_maybe(input.description),
            config=_maybe(input.config),
            connection_id=connection if connection is UNSET else _connection(connection),
            expected_version=UNSET if input.expected_version is None else input.expected_version,
        )
        before = await _before("Endpoint", endpoint_id)
        result = await EndpointService().update(endpoint_id, data)
        await _audited(info, "Endpoint", "update", before, result)
        return _endpoint_payload(result)

    @strawberry.mutation(permission_classes=ADMIN)
    async def delete_endpoint(self, info: Info, id: strawberry.ID) -> DeleteEndpointPayload:
        deleted, errors = await _delete(
            info, "Endpoint", id, EndpointService().delete, partial(not_found, "endpoint")
        )
        return DeleteEndpointPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.mutation(permission_classes=ADMIN)
    async def create_workspace(self, info: Info, input: CreateWorkspaceInput) -> WorkspacePayload:
        data = WorkspaceInput(
            name=input.name, default_connection_id=_connection(input.default_connection_id)
        )
        result = await WorkspaceService().create(data)
        await _audited(info, "Workspace", "create", None, result)
        return _workspace_payload(result)

    @strawberry.mutation(permission_classes=ADMIN)
    async def update_workspace(
        self, info: Info, id: strawberry.ID, input: UpdateWorkspaceInput
    ) -> WorkspacePayload:
        workspace_id = uuid_of(id, "Workspace")
        if workspace_id is None:
            return _workspace_payload([not_found("workspace")])
        default = _maybe(input.default_connection_id)
        data = WorkspaceInput(
            name=_maybe(input.name),
            default_connection_id=default if default is UNSET else _connection(default),
            expected_version=UNSET if input.expected_version is None else input.expected_version,
        )
        before = await _before("Workspace", workspace_id)
        result = await WorkspaceService().update(workspace_id, data)
        await _audited(info, "Workspace", "update", before, result)
        return _workspace_payload(result)

    @strawberry.mutation(permission_classes=ADMIN)
    async def delete_workspace(self, info: Info, id: strawberry.ID) -> DeleteWorkspacePayload:
        deleted, errors = await _delete(
            info, "Workspace", id, WorkspaceService().delete, partial(not_found, "workspace")
        )
        return DeleteWorkspacePayload(deleted_id=deleted, user_errors=errors)
