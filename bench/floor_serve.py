"""`app.cli serve` plus hand-written JSON endpoints: the floors the GraphQL requests are compared
with, on the same process, event loop, database and Litestar/uvicorn stack.

    python -m bench.floor_serve      (settings from the environment, as serve)

GET /floor/connections?first=50 authenticates as /graphql does (cache version, cached token and
settings), runs the same listing calls the `connections` resolver runs (page and count, same SQL)
and writes the same JSON by hand: the cost of the answer without GraphQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from litestar import Request, Response, get

from app.asgi import create_app
from app.auth.service import authenticate
from app.cli import migrate, prepare
from app.connections.access import visible
from app.connections.records import (
    ConnectionQuery,
    ConnectionRecord,
    count_connections,
    list_connections,
)
from app.db.pagination import PageRequest
from app.db.versions import read_version
from app.graphql.node import to_global_id
from app.org.settings import load_org_settings
from app.security.keyring import load_keyring
from app.settings import get_settings


def _node(r: ConnectionRecord) -> dict[str, Any]:
    return {
        "id": to_global_id("LLMConnection", r.id),
        "name": r.name,
        "description": r.plain["description"],
        "provider": r.provider.value,
        "authMethod": r.auth_method.value,
        "baseUrl": r.base_url,
        "apiKeyHint": r.api_key_hint,
        "prefixId": r.plain["prefix_id"],
        "tags": list(r.plain["tags"]),
        "enabled": r.enabled,
        "isDefault": r.is_default,
        "createdAt": r.created_at.isoformat(),
        "updatedAt": r.updated_at.isoformat(),
        "version": r.version,
    }


@get("/floor/connections")
async def floor_connections(request: Request[Any, Any, Any], first: int = 50) -> Response[Any]:
    token = request.headers.get("authorization", "").partition(" ")[2]
    version = await read_version()
    viewer = await authenticate(token, version)
    if viewer is None:
        return Response({"error": "unauthenticated"}, status_code=401)
    query = ConnectionQuery(scope=visible(viewer, await load_org_settings(version)))
    page = await list_connections(query, PageRequest(first=first))
    total = await count_connections(query)
    rows = [ConnectionRecord.from_row(row) for row in page.rows]
    end = page.cursor_of(page.rows[-1]) if page.rows else None
    body = {
        "connections": {
            "totalCount": total,
            "pageInfo": {"endCursor": end, "hasNextPage": page.has_next},
            "nodes": [_node(r) for r in rows],
        }
    }
    return Response({"data": body})


def main() -> None:
    settings = get_settings()
    keyring = load_keyring(settings)
    asyncio.run(migrate(quiet=True))
    asyncio.run(prepare(settings, keyring))
    app = create_app(settings, keyring)
    app.register(floor_connections)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
