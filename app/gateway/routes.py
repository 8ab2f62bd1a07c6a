"""The gateway's routes, in the same process and port as /graphql: OpenAI's `/v1/models`,
`/v1/chat/completions` and `/v1/embeddings`, Anthropic's `/v1/messages` and
`/v1/messages/count_tokens`. Each translates HTTP to the gateway and back; failures answer in
the route's own format."""

from __future__ import annotations

import json
import time
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State

from app.gateway.callers import GatewayCaller, authenticate_caller
from app.gateway.errors import Dialect, GatewayError, bad_request, error_response
from app.gateway.limits import CallerLimits
from app.gateway.listing import visible_models
from app.gateway.routing import route_for
from app.gateway.streams import Usage
from app.gateway.upstream import Operation
from app.http.request_ids import current_request_id

AnyRequest = Request[Any, Any, Any]


async def _body(request: AnyRequest, state: State) -> dict[str, Any]:
    limit: int = state.settings.gateway_max_body_bytes
    raw = await request.body()
    if len(raw) > limit:
        message = f"The request body exceeds {limit} bytes (SWITCHBOARD_GATEWAY_MAX_BODY_BYTES)."
        raise GatewayError(413, "request_too_large", message)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise bad_request("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.")
    return body


async def _call(request: AnyRequest, state: State, op: Operation) -> Response[Any]:
    dialect = Dialect.ANTHROPIC if op.speaks_anthropic else Dialect.OPENAI
    try:
        caller = await authenticate_caller(request.headers)
        body = await _body(request, state)
        route = await route_for(caller, body.get("model"), request.headers)
        limits = CallerLimits(state.rate_limit_store)
        await limits.admit(caller.viewer)

        async def used(usage: Usage) -> None:
            await limits.used(caller.viewer, usage)

        return await state.services.gateway.forward(route, op, body, request.headers, used)
    except GatewayError as error:
        return error_response(dialect, error, current_request_id() or "")


@post("/v1/chat/completions", status_code=200)
async def chat_completions(request: AnyRequest, state: State) -> Response[Any]:
    return await _call(request, state, Operation.CHAT)


@post("/v1/embeddings", status_code=200)
async def embeddings(request: AnyRequest, state: State) -> Response[Any]:
    return await _call(request, state, Operation.EMBEDDINGS)


@post("/v1/messages", status_code=200)
async def messages(request: AnyRequest, state: State) -> Response[Any]:
    return await _call(request, state, Operation.MESSAGES)


@post("/v1/messages/count_tokens", status_code=200)
async def count_tokens(request: AnyRequest, state: State) -> Response[Any]:
    return await _call(request, state, Operation.COUNT_TOKENS)


@get("/v1/models")
async def list_models(request: AnyRequest) -> Response[Any]:
    """Endpoint names and catalog model ids this caller may use."""
    try:
        caller: GatewayCaller = await authenticate_caller(request.headers)
    except GatewayError as error:
        return error_response(Dialect.OPENAI, error, current_request_id() or "")
    created = int(time.time())
    data = [
        {"id": name, "object": "model", "created": created, "owned_by": owner}
        for name, owner in await visible_models(caller)
    ]
    return Response({"object": "list", "data": data})


GATEWAY_ROUTES = [chat_completions, embeddings, messages, count_tokens, list_models]
