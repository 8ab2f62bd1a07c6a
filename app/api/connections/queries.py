"""Connection queries: one by id or name, the default, and the filtered list."""

from __future__ import annotations

import uuid

import strawberry

from app.api.connections.inputs import ConnectionFilter, ConnectionOrder, OrderDirection
from app.api.connections.types import LLMConnectionType
from app.api.context import Info
from app.connections.access import find_visible, visible
from app.connections.records import (
    ConnectionQuery,
    ConnectionRecord,
    count_connections,
    list_connections,
)
from app.graphql.errors import bad_argument
from app.graphql.node import register_node
from app.graphql.pagination import Connection, build_connection, load_page, page_request
from app.ids import uuid_of


def _connection_query(
    info: Info, filter: ConnectionFilter | None, order: ConnectionOrder | None
) -> ConnectionQuery:
    f = filter or ConnectionFilter()
    o = order or ConnectionOrder()
    return ConnectionQuery(
        providers=tuple(f.provider or ()),
        enabled=f.enabled,
        is_default=f.is_default,
        tag=f.tag,
        search=f.search,
        owner=f.owner,
        viewer_id=info.context.viewer.user_id,
        order=o.field,
        descending=o.direction == OrderDirection.DESC,
    )


async def _one(
    info: Info,
    connection_id: uuid.UUID | None = None,
    name: str | None = None,
    default: bool = False,
) -> LLMConnectionType | None:
    org = await info.context.org_settings()
    found = await find_visible(
        info.context.viewer, org, connection_id=connection_id, name=name, default=default
    )
    return LLMConnectionType.of(found) if found else None


@register_node("LLMConnection")
async def resolve_connection_node(info: Info, global_id: str) -> LLMConnectionType | None:
    connection_id = uuid_of(global_id, "LLMConnection")
    return await _one(info, connection_id=connection_id) if connection_id else None


@strawberry.type
class ConnectionQueries:
    @strawberry.field(description="One connection by global id or by name (case-insensitive).")
    async def connection(
        self, info: Info, id: strawberry.ID | None = None, name: str | None = None
    ) -> LLMConnectionType | None:
        if (id is None) == (name is None):
            raise bad_argument("pass exactly one of id or name")
        if id is not None:
            return await resolve_connection_node(info, id)
        assert name is not None
        return await _one(info, name=name)

    @strawberry.field(description="The connection used when nothing more specific is configured.")
    async def default_connection(self, info: Info) -> LLMConnectionType | None:
        return await _one(info, default=True)

    @strawberry.field(
        description="Connections, filtered and ordered, in Relay pages (first is capped at 500)."
    )
    async def connections(
        self,
        info: Info,
        filter: ConnectionFilter | None = None,
        order_by: ConnectionOrder | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[LLMConnectionType]:
        request = page_request(first, after, last, before)
        query = _connection_query(info, filter, order_by)
        query.scope.extend(visible(info.context.viewer, await info.context.org_settings()))
        page = await load_page(lambda: list_connections(query, request))
        return build_connection(
            page,
            lambda row: LLMConnectionType.of(ConnectionRecord.from_row(row)),
            lambda: count_connections(query),
        )
