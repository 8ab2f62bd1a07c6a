"""Which connections may serve a request: the `model` is an endpoint name, else a catalog model
id (any enabled offering), narrowed by the X-Switchboard-Connection or X-Switchboard-Workspace
header with resolveConnection's priority. Nothing the caller may not see is ever named."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.connections.records import ConnectionRecord, fetch_connections
from app.db.recent import Recent
from app.db.tables import ConnectionModel, Endpoint, LLMConnection, Workspace
from app.dependents.resolution import resolve_connection
from app.gateway.callers import GatewayCaller
from app.gateway.errors import GatewayError, model_not_found
from app.ids import as_uuid, uuid_of
from app.model_catalog.listing import offerings

CONNECTION_HEADER = "x-switchboard-connection"
WORKSPACE_HEADER = "x-switchboard-workspace"


@dataclass(frozen=True)
class Offering:
    """One connection that can serve the request, and the model id it knows it by."""

    connection: ConnectionRecord
    upstream_model: str


@dataclass(frozen=True)
class Route:
    model: str  # as the caller named it
    offerings: tuple[Offering, ...]
    endpoint_id: uuid.UUID | None = None
    workspace_id: uuid.UUID | None = None  # when X-Switchboard-Workspace chose the connection


ROUTES: Recent[Route | GatewayError] = Recent()


async def route_for(caller: GatewayCaller, model: Any, headers: Any) -> Route:
    if not isinstance(model, str) or not model:
        raise GatewayError(400, "invalid_request", "The request needs a 'model'.")
    caller.check_model_allowed(model)
    pins = (headers.get(CONNECTION_HEADER), headers.get(WORKSPACE_HEADER))
    key = (model, caller.viewer.user_id, caller.org.allow_direct_connections, pins)
    found = await ROUTES.get(key, lambda: _routed(caller, model, headers))
    if isinstance(found, GatewayError):
        raise found
    return found


async def _routed(caller: GatewayCaller, model: str, headers: Any) -> Route | GatewayError:
    try:
        return await _route(caller, model, headers)
    except GatewayError as refused:  # refusals are remembered as briefly as routes
        return refused


async def _route(caller: GatewayCaller, model: str, headers: Any) -> Route:
    route = await _endpoint_route(caller, model) or await _catalog_route(caller, model)
    if route is None:
        raise model_not_found(
            f"The model '{model}' is neither an endpoint nor a model you may use; "
            "GET /v1/models lists them."
        )
    return await _narrowed(caller, route, headers)


async def _endpoint_route(caller: GatewayCaller, name: str) -> Route | None:
    rows = await Endpoint.select(Endpoint.id, Endpoint.connection, Endpoint.model).where(
        Endpoint.name_key == name.casefold()
    )
    if not rows or rows[0]["connection"] is None:
        return None
    endpoint = rows[0]
    connections = await _usable(caller, [endpoint["connection"]])
    if not connections:
        return None
    upstream = await ConnectionModel.select(ConnectionModel.upstream_id).where(
        (ConnectionModel.connection == endpoint["connection"])
        & (ConnectionModel.exposed_id == endpoint["model"])
    )
    connection = connections[0]
    model = upstream[0]["upstream_id"] if upstream else _unprefixed(connection, endpoint["model"])
    return Route(name, (Offering(connection, model),), endpoint["id"])


async def _catalog_route(caller: GatewayCaller, model_id: str) -> Route | None:
    upstream = {o.connection_id: o.upstream_id for o in await offerings([model_id])}
    connections = await _usable(caller, list(upstream))
    if not connections:
        return None
    return Route(model_id, tuple(Offering(c, upstream[c.id]) for c in connections))


async def _usable(caller: GatewayCaller, ids: list[uuid.UUID]) -> list[ConnectionRecord]:
    """The enabled connections among these that this caller may use, by name."""
    if not ids:
        return []
    found = await fetch_connections(LLMConnection.id.is_in(ids), LLMConnection.enabled == True)  # noqa: E712
    return sorted((c for c in found if caller.may_use(c)), key=lambda c: c.name.casefold())


async def _narrowed(caller: GatewayCaller, route: Route, headers: Any) -> Route:
    """Only the pinned connection, or the workspace's effective one, when a header names it."""
    pinned = headers.get(CONNECTION_HEADER)
    workspace = headers.get(WORKSPACE_HEADER)
    workspace_id = None
    if pinned:
        target = await _connection_named(caller, pinned)
        why = f"connection '{pinned}'"
    elif workspace:
        workspace_id, target = await _workspace_connection(caller, workspace)
        why = f"workspace '{workspace}' (its connection '{target.name}')"
    else:
        return route
    kept = tuple(o for o in route.offerings if o.connection.id == target.id)
    if not kept:
        raise model_not_found(f"The {why} does not serve '{route.model}'.")
    return Route(route.model, kept, route.endpoint_id, workspace_id)


async def _connection_named(caller: GatewayCaller, name_or_id: str) -> ConnectionRecord:
    as_id = _as_uuid(name_or_id, "LLMConnection")
    condition = (
        LLMConnection.id == as_id
        if as_id is not None
        else LLMConnection.name_key == name_or_id.casefold()
    )
    found = [c for c in await fetch_connections(condition) if caller.may_use(c)]
    if not found:
        raise model_not_found(f"No enabled connection '{name_or_id}' that you may use.")
    return found[0]


async def _workspace_connection(
    caller: GatewayCaller, name_or_id: str
) -> tuple[uuid.UUID, ConnectionRecord]:
    as_id = _as_uuid(name_or_id, "Workspace")
    condition = (
        Workspace.id == as_id if as_id is not None else Workspace.name_key == name_or_id.casefold()
    )
    rows = await Workspace.select(Workspace.id).where(condition)
    if not rows:
        raise model_not_found(f"No workspace '{name_or_id}'.")
    resolution = await resolve_connection(None, rows[0]["id"])
    if resolution.connection is None or not caller.may_use(resolution.connection):
        raise model_not_found(f"Workspace '{name_or_id}' has no usable connection.")
    return as_uuid(rows[0]["id"]), resolution.connection


def _unprefixed(connection: ConnectionRecord, exposed: str) -> str:
    prefix = connection.prefix_id
    return exposed.removeprefix(f"{prefix}.") if prefix else exposed


def _as_uuid(text: str, type_name: str) -> uuid.UUID | None:
    """A raw UUID, or a global ID of `type_name`."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid_of(text, type_name)
