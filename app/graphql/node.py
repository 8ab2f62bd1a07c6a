"""Global IDs as the API shows them, the Node interface, and the registry `node(id:)`
(app/api/schema.py) resolves them by."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import strawberry

from app.ids import global_id, parse_global_id

if TYPE_CHECKING:
    from app.api.context import Info  # the API above; only for types


def to_global_id(type_name: str, raw_id: uuid.UUID | str) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, raw_id))


@strawberry.interface(description="An object with a stable, opaque global ID.")
class Node:
    id: strawberry.ID


NodeResolver = Callable[["Info", str], Awaitable[Any]]
_RESOLVERS: dict[str, NodeResolver] = {}


def register_node(type_name: str) -> Callable[[NodeResolver], NodeResolver]:
    def register(resolver: NodeResolver) -> NodeResolver:
        _RESOLVERS[type_name] = resolver
        return resolver

    return register


async def resolve_node(info: Info, id: str) -> Any:
    """The object behind any global ID, or None."""
    parsed = parse_global_id(id)
    if parsed is None or parsed[0] not in _RESOLVERS:
        return None
    return await _RESOLVERS[parsed[0]](info, id)
