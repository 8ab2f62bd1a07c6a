"""A POST /graphql body's JSON, decoded once per request: the two rate limiters classify it and
the endpoint answers it from the same value (kept in the request's connection state)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Request

NOT_JSON = object()  # the body is not valid JSON
_KEY = "switchboard_graphql_json"


async def decoded_body(request: Request[Any, Any, Any]) -> Any:
    state = request.scope.setdefault("state", {})
    if _KEY not in state:
        try:
            state[_KEY] = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError, RecursionError):
            state[_KEY] = NOT_JSON
    return state[_KEY]
