"""The gateway's routes, in the same process and port as /graphql: OpenAI's `/v1/models`,
`/v1/chat/completions` and `/v1/embeddings`, Anthropic's `/v1/messages` and
`/v1/messages/count_tokens`. Each turns a request into a gateway call and its answer back into
HTTP (app.gateway.answers); failures answer in the route's own format."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Response, asgi
from litestar.datastructures import State
from litestar.handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send

from app.db.deadlines import DatabaseUnavailable
from app.gateway.answers import Answer, CallerLeft, caller_headers, read_body, send_answer
from app.gateway.callers import authenticate_caller
from app.gateway.errors import Dialect, GatewayError, bad_request, error_payload
from app.gateway.limits import CallerLimits
from app.gateway.listing import visible_models
from app.gateway.request_shape import check_request
from app.gateway.routing import route_for
from app.gateway.streams import Usage
from app.http.request_ids import current_request_id
from app.providers.families import Operation
from app.usage.trace import CALLER_LEFT, CallTrace

log = logging.getLogger(__name__)

Handler = Callable[[State, dict[str, str], Receive], Awaitable[Answer]]


def _route(path: str, method: str, dialect: Dialect, handler: Handler) -> ASGIRouteHandler:
    """The one failure channel of a gateway route: whatever goes wrong answers in the route's
    own format with a code, never a bare 500 or GraphQL's shape."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope.get("method") != method:
                message = f"{path} answers {method} only."
                raise GatewayError(405, "method_not_allowed", message, {"Allow": method})
            answer = await handler(scope["app"].state, caller_headers(scope), receive)
        except CallerLeft:
            return
        except Exception as exc:
            error = _as_gateway_error(exc, path)
            answer = Answer.json(error_payload(dialect, error), error.status, error.headers)
        await send_answer(answer, receive, send)

    route.__name__ = route.__qualname__ = path.strip("/").replace("/", "_")
    return asgi(path, copy_scope=False)(route)


def _call(op: Operation) -> Handler:
    async def call(state: State, headers: dict[str, str], receive: Receive) -> Answer:
        caller = await authenticate_caller(headers)  # a call without a valid token is not usage
        limits, usage = CallerLimits(state.rate_limit_store), state.services.usage
        trace = CallTrace(op.value, str(caller.viewer.token_id), str(caller.viewer.user_id))

        async def ended(done: CallTrace) -> None:
            usage.ended(done)
            await limits.used(caller.viewer, Usage(done.input_tokens, done.output_tokens))

        trace.on_end = ended
        usage.started()
        try:
            body = _parsed(await read_body(receive, headers, state.settings.gateway_max_body_bytes))
            trace.model = str(body.get("model") or "")
            check_request(op, body)  # the caller's fields, before anything goes upstream
            route = await route_for(caller, body.get("model"), headers)
            trace.endpoint_id = str(route.endpoint_id or "")
            trace.workspace_id = str(route.workspace_id or "")
            await limits.admit(caller.viewer)
            return await state.services.gateway.forward(route, op, body, headers, trace)
        except BaseException as exc:  # the answer (or the caller) is gone: the call has ended
            await trace.end(_status_of(exc))
            raise

    return call


def _as_gateway_error(exc: Exception, path: str) -> GatewayError:
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, DatabaseUnavailable):
        log.warning("%s answered 503: %s", path, exc)
        return GatewayError(503, "database_unavailable", str(exc), {"Retry-After": "1"})
    log.error("Unexpected error answering %s", path, exc_info=exc)  # the record has the id
    message = f"Unexpected error (request {current_request_id()})."
    return GatewayError(500, "internal_error", message)


def _status_of(exc: BaseException) -> int:
    if isinstance(exc, CallerLeft | asyncio.CancelledError):
        return CALLER_LEFT
    if isinstance(exc, GatewayError):
        return exc.status
    return 503 if isinstance(exc, DatabaseUnavailable) else 500


def _parsed(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise bad_request("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The body must be a JSON object.")
    return body


async def _models(state: State, headers: dict[str, str], receive: Receive) -> Answer:
    """Endpoint names and catalog model ids this caller may use."""
    caller = await authenticate_caller(headers)
    created = int(time.time())
    data = [
        {"id": name, "object": "model", "created": created, "owned_by": owner}
        for name, owner in await visible_models(caller)
    ]
    return Answer.json({"object": "list", "data": data})


def gateway_failure(path: str, status: int, message: str) -> Response[Any]:
    """What Litestar itself answers under /v1 (an unknown path, a wrong method), in the
    gateway's format, never in GraphQL's."""
    dialect = Dialect.ANTHROPIC if path.startswith("/v1/messages") else Dialect.OPENAI
    code = "not_found" if status == 404 else "invalid_request"
    error = GatewayError(status, code, message)
    return Response(error_payload(dialect, error), status_code=status)


GATEWAY_ROUTES = [
    *(_route(f"/v1/{op.value}", "POST", Dialect.of(op), _call(op)) for op in Operation),
    _route("/v1/models", "GET", Dialect.OPENAI, _models),
]
