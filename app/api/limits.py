"""Per-token rate limits for mutations and for testConnection.

The store is in memory by default; with REDIS_URL it lives in Redis, so every instance behind a
load balancer counts against the same budget.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType
from litestar import Request
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from app.auth.tokens import bearer_token, hash_token
from app.budgets import BudgetExceeded, Budgets
from app.graphql.body import decoded_body
from app.graphql.cost import parse_document
from app.http.failures import graphql_error_body
from app.http.stores import WINDOW, add_to_counter, minute_window
from app.settings import Settings

TEST_FIELD = "testConnection"


@lru_cache(maxsize=512)
def _operation(query: str) -> tuple[bool, bool]:
    """(is a mutation, calls testConnection). A document this cannot read safely counts as a
    mutation: the endpoint refuses it anyway, and refusals must not be free to send."""
    try:
        document = parse_document(query, Budgets())
    except (GraphQLError, BudgetExceeded):
        return True, False
    mutation = tests = False
    for definition in document.definitions:
        if (
            isinstance(definition, OperationDefinitionNode)
            and definition.operation is OperationType.MUTATION
        ):
            mutation = True
            tests = tests or any(
                isinstance(s, FieldNode) and s.name.value == TEST_FIELD
                for s in definition.selection_set.selections
            )
    return mutation, tests


async def _classify(request: Request[Any, Any, Any]) -> tuple[bool, bool]:
    if request.method != "POST" or request.url.path != "/graphql":
        return False, False
    body = await decoded_body(request)
    query = body.get("query") if isinstance(body, dict) else None
    return _operation(query) if isinstance(query, str) else (False, False)


def _identity(request: Request[Any, Any, Any]) -> str:
    """Per token (by hash, never the token itself); anonymous callers per address."""
    token = bearer_token(request.headers.get("authorization"))
    if token:
        return "token:" + hash_token(token)
    return "address:" + (request.client.host if request.client else "unknown")


class CacheGraphQLBody:
    """Reads a POST /graphql body once into Litestar's connection state, so the rate limits
    and then the handler can all see it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_http = scope["type"] == "http"
        if is_http and scope.get("method") == "POST" and scope["path"] == "/graphql":
            await Request(scope, receive).body()
        await self.app(scope, receive, send)


class MutationLimits:
    """Per token (per address when anonymous), per calendar minute: mutations, and
    testConnection on its own tighter budget. Each request adds to its counters in one atomic
    step (app.http.stores), so across instances sharing Redis exactly the limit gets through."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = (
            ("mutations", settings.rate_limit_mutations),
            ("tests", settings.rate_limit_tests),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        mutation, tests = await _classify(request)
        minute, retry_after = minute_window()
        store = scope["app"].state.rate_limit_store
        for (kind, limit), applies in zip(self.limits, (mutation, tests), strict=True):
            if not applies:
                continue
            key = f"{kind}:{_identity(request)}:{minute}"
            if await add_to_counter(store, key, 1, 2 * WINDOW) > limit:
                await _too_many(send, limit, retry_after)
                return
        await self.app(scope, receive, send)


async def _too_many(send: Send, limit: int, retry_after: int) -> None:
    """A GraphQL-shaped 429 that says when to come back."""
    message = f"Rate limit exceeded for this token; retry in {retry_after} s."
    extensions = {"code": "RATE_LIMITED", "retryAfter": retry_after}
    body = json.dumps(graphql_error_body(message, extensions)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"retry-after", b"%d" % retry_after),
        (b"ratelimit-limit", b"%d" % limit),
        (b"ratelimit-remaining", b"0"),
        (b"ratelimit-reset", b"%d" % retry_after),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def rate_limit_middleware(settings: Settings) -> list[Any]:
    """Outermost first: cache the body, then the limits."""
    return [CacheGraphQLBody, DefineMiddleware(MutationLimits, settings=settings)]
