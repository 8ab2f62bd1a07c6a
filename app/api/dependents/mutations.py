"""Endpoint and workspace mutations: thin translations onto their services."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.api.context import Info
from app.api.dependents.types import EndpointType, WorkspaceType
from app.dependents.inputs import EndpointInput, WorkspaceInput
from app.graphql.arguments import id_of, optional_id, sent
from app.graphql.errors import UserError, maps_problems
from app.graphql.node import to_global_id
from app.graphql.permissions import ADMIN_ONLY
from app.validation import UNSET


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
    endpoint: EndpointType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WorkspacePayload:
    workspace: WorkspaceType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteEndpointPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWorkspacePayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _connection(global_id: str | None) -> uuid.UUID | None:
    return optional_id(global_id, "LLMConnection")


def _expected(version: int | None) -> Any:
    return UNSET if version is None else version


@strawberry.type
class DependentMutations:
    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def create_endpoint(self, info: Info, input: CreateEndpointInput) -> EndpointPayload:
        data = EndpointInput(
            name=input.name,
            connection_id=_connection(input.connection_id),
            model=input.model,
            description=input.description,
            config=input.config,
        )
        created = await info.context.services.endpoints.create(info.context.actor, data)
        return EndpointPayload(endpoint=EndpointType.of(created))

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def update_endpoint(
        self, info: Info, id: strawberry.ID, input: UpdateEndpointInput
    ) -> EndpointPayload:
        data = EndpointInput(
            name=sent(input.name),
            model=sent(input.model),
            description=sent(input.description),
            config=sent(input.config),
            connection_id=sent(input.connection_id, _connection),
            expected_version=_expected(input.expected_version),
        )
        service = info.context.services.endpoints
        updated = await service.update(info.context.actor, id_of(id, "Endpoint"), data)
        return EndpointPayload(endpoint=EndpointType.of(updated))

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def delete_endpoint(self, info: Info, id: strawberry.ID) -> DeleteEndpointPayload:
        service = info.context.services.endpoints
        deleted = await service.delete(info.context.actor, id_of(id, "Endpoint"))
        return DeleteEndpointPayload(deleted_id=to_global_id("Endpoint", deleted.id))

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def create_workspace(self, info: Info, input: CreateWorkspaceInput) -> WorkspacePayload:
        data = WorkspaceInput(
            name=input.name, default_connection_id=_connection(input.default_connection_id)
        )
        created = await info.context.services.workspaces.create(info.context.actor, data)
        return WorkspacePayload(workspace=WorkspaceType.of(created))

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def update_workspace(
        self, info: Info, id: strawberry.ID, input: UpdateWorkspaceInput
    ) -> WorkspacePayload:
        data = WorkspaceInput(
            name=sent(input.name),
            default_connection_id=sent(input.default_connection_id, _connection),
            expected_version=_expected(input.expected_version),
        )
        service = info.context.services.workspaces
        updated = await service.update(info.context.actor, id_of(id, "Workspace"), data)
        return WorkspacePayload(workspace=WorkspaceType.of(updated))

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def delete_workspace(self, info: Info, id: strawberry.ID) -> DeleteWorkspacePayload:
        service = info.context.services.workspaces
        deleted = await service.delete(info.context.actor, id_of(id, "Workspace"))
        return DeleteWorkspacePayload(deleted_id=to_global_id("Workspace", deleted.id))
