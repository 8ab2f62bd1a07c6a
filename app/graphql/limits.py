"""Per-token rate limits for mutations and for testConnection, on Litestar's rate limiting.

The store is in memory by default; with REDIS_URL it lives in Redis, so every instance behind a
load balancer counts against the same budget.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType
from litestar import Request, Response
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from app.auth.tokens import hash_token
from app.budgets import BudgetExceeded, Budgets
from app.graphql.body import decoded_body
from app.graphql.cost import parse_document
from app.settings import Settings

STORE_NAME = "rate_limit"
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
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hash_token(token.strip())
    return "address:" + (request.client.host if request.client else "unknown")


async def _is_mutation(request: Request[Any, Any, Any]) -> bool:
    return (await _classify(request))[0]


async def _is_test(request: Request[Any, Any, Any]) -> bool:
    return (await _classify(request))[1]


class CacheGraphQLBody:
    """Reads a POST /graphql body once into Litestar's connection state, so the rate limiters
    (which get no `receive`) and then the handler can all see it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        is_http = scope["type"] == "http"
        if is_http and scope.get("method") == "POST" and scope["path"] == "/graphql":
            await Request(scope, receive).body()
        await self.app(scope, receive, send)


def rate_limit_middleware(settings: Settings) -> list[Any]:
    """Outermost first: cache the body, then the two limits."""
    return [CacheGraphQLBody, *(config.middleware for config in rate_limit_configs(settings))]


GATEWAY_PATHS = ["^/v1/"]  # the gateway counts its own limits (app.gateway.limits)


def rate_limit_configs(settings: Settings) -> list[RateLimitConfig]:
    return [
        RateLimitConfig(
            rate_limit=("minute", settings.rate_limit_mutations),
            identifier_for_request=lambda r: "mutations:" + _identity(r),
            check_throttle_handler=_is_mutation,
            store=STORE_NAME,
            exclude=GATEWAY_PATHS,
        ),
        RateLimitConfig(
            rate_limit=("minute", settings.rate_limit_tests),
            identifier_for_request=lambda r: "tests:" + _identity(r),
            check_throttle_handler=_is_test,
            store=STORE_NAME,
            exclude=GATEWAY_PATHS,
        ),
    ]


def too_many_requests(
    request: Request[Any, Any, Any], exc: TooManyRequestsException
) -> Response[Any]:
    """A GraphQL-shaped 429 that says when to come back."""
    headers = dict(exc.headers or {})
    reset = headers.get("RateLimit-Reset", "60")
    message = f"Rate limit exceeded for this token; retry in {reset} s."
    body = {
        "errors": [
            {"message": message, "extensions": {"code": "RATE_LIMITED", "retryAfter": int(reset)}}
        ]
    }
    return Response(body, status_code=429, headers={**headers, "Retry-After": str(reset)})
