"""The Node interface and `node(id:)`, which resolves any global ID."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from app.graphql.context import Info
from app.ids import parse_global_id


@strawberry.interface(description="An object with a stable, opaque global ID.")
class Node:
    id: strawberry.ID


NodeResolver = Callable[[Info, str], Awaitable[Any]]
_RESOLVERS: dict[str, NodeResolver] = {}


def register_node(type_name: str) -> Callable[[NodeResolver], NodeResolver]:
    def register(resolver: NodeResolver) -> NodeResolver:
        _RESOLVERS[type_name] = resolver
        return resolver

    return register


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = parse_global_id(id)
        if parsed is None or parsed[0] not in _RESOLVERS:
            return None
        return await _RESOLVERS[parsed[0]](info, id)
