"""Endpoint, workspace, dependents and resolution queries."""

from __future__ import annotations

import uuid

import strawberry

from app.api.context import Info
from app.api.dependents.types import (
    ConnectionResolution,
    DependentType,
    EndpointType,
    WorkspaceType,
    dependent_of,
)
from app.connections.access import can_see
from app.connections.records import fetch_connection
from app.dependents.records import (
    EndpointRecord,
    WorkspaceRecord,
    endpoint_listing,
    endpoint_named,
    fetch_endpoint,
    fetch_workspace,
    workspace_listing,
)
from app.dependents.resolution import Resolution, resolve_connection
from app.errors import ErrorCode, Problem
from app.graphql.errors import bad_argument
from app.graphql.node import register_node
from app.graphql.pagination import Connection, listed
from app.ids import uuid_of


@register_node("Endpoint")
async def resolve_endpoint(info: Info, global_id: str) -> EndpointType | None:
    endpoint_id = uuid_of(global_id, "Endpoint")
    record = await fetch_endpoint(endpoint_id) if endpoint_id else None
    return EndpointType.of(record) if record else None


@register_node("Workspace")
async def resolve_workspace(info: Info, global_id: str) -> WorkspaceType | None:
    workspace_id = uuid_of(global_id, "Workspace")
    record = await fetch_workspace(workspace_id) if workspace_id else None
    return WorkspaceType.of(record) if record else None


@strawberry.input
class EndpointFilter:
    connection_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="Matches name or model.")


def _required_uuid(global_id: str | None, type_name: str) -> uuid.UUID | None:
    if global_id is None:
        return None
    parsed = uuid_of(global_id, type_name)
    if parsed is None:
        raise bad_argument(f"not a valid {type_name} id: {global_id}")
    return parsed


@strawberry.type
class DependentQueries:
    @strawberry.field(description="Endpoints by name, optionally those of one connection.")
    async def endpoints(
        self,
        info: Info,
        filter: EndpointFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[EndpointType]:
        f = filter or EndpointFilter()
        listing = endpoint_listing(f.search, _required_uuid(f.connection_id, "LLMConnection"))
        to_node = lambda row: EndpointType.of(EndpointRecord.from_row(row))  # noqa: E731
        return await listed(listing, to_node, first, after, last, before)

    @strawberry.field
    async def endpoint(
        self, info: Info, id: strawberry.ID | None = None, name: str | None = None
    ) -> EndpointType | None:
        if (id is None) == (name is None):
            raise bad_argument("pass exactly one of id or name")
        if id is not None:
            return await resolve_endpoint(info, id)
        record = await endpoint_named(name or "")
        return EndpointType.of(record) if record else None

    @strawberry.field
    async def workspaces(
        self,
        info: Info,
        search: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[WorkspaceType]:
        to_node = lambda row: WorkspaceType.of(WorkspaceRecord.from_row(row))  # noqa: E731
        return await listed(workspace_listing(search), to_node, first, after, last, before)

    @strawberry.field
    async def workspace(self, info: Info, id: strawberry.ID) -> WorkspaceType | None:
        return await resolve_workspace(info, id)

    @strawberry.field(description="Every endpoint and workspace that uses this connection.")
    async def dependents(self, info: Info, connection_id: strawberry.ID) -> list[DependentType]:
        target = uuid_of(connection_id, "LLMConnection")
        if target is None:
            return []
        return [dependent_of(d) for d in await info.context.loaders["dependents"].load(target)]

    @strawberry.field(
        description="The connection to use: explicit > workspace default > global default."
    )
    async def resolve_connection(
        self,
        info: Info,
        connection_id: strawberry.ID | None = None,
        workspace_id: strawberry.ID | None = None,
    ) -> ConnectionResolution:
        explicit = uuid_of(connection_id, "LLMConnection") if connection_id else None
        workspace = uuid_of(workspace_id, "Workspace") if workspace_id else None
        if connection_id and explicit is None:
            return ConnectionResolution.of(_missing("connectionId", "connection"))
        if explicit is not None:
            record = await fetch_connection(explicit)
            if record is None or not can_see(
                info.context.viewer, await info.context.org_settings(), record
            ):
                return ConnectionResolution.of(_missing("connectionId", "connection"))
        if workspace_id and workspace is None:
            return ConnectionResolution.of(_missing("workspaceId", "workspace"))
        return ConnectionResolution.of(await resolve_connection(explicit, workspace))


def _missing(field: str, what: str) -> Resolution:
    return Resolution(problems=[Problem((field,), ErrorCode.NOT_FOUND, f"no {what} with this id")])
