"""The gateway's routes, in the same process and port as /graphql: OpenAI's `/v1/models`,
`/v1/chat/completions`, `/v1/embeddings` and `/v1/responses`, Anthropic's `/v1/messages` and
`/v1/messages/count_tokens`, Gemini's `/v1beta/models/{model}:generateContent`,
`:streamGenerateContent` and `:countTokens`. Each turns a request into a gateway call and its
answer back into HTTP (app.gateway.answers); failures answer in the route's own format."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

from litestar import Response, asgi
from litestar.handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send

from app.db.deadlines import DatabaseUnavailable
from app.gateway.answers import Answer, CallerLeft, caller_headers, read_body, send_answer
from app.gateway.callers import authenticate_caller
from app.gateway.errors import Dialect, GatewayError, bad_request, error_payload, model_not_found
from app.gateway.gemini_format import estimated_tokens
from app.gateway.listing import visible_models
from app.gateway.request_shape import check_request
from app.gateway.routing import route_for
from app.gateway.spending import call_cost, estimate
from app.gateway.streams import Usage
from app.http.request_ids import current_request_id
from app.providers.catalog import CATALOG
from app.providers.families import GEMINI_OPERATIONS, Operation
from app.spend.control import NOTHING, Admission, BudgetSpent, SpendControl, Who
from app.spend.prices import price_book
from app.usage.trace import CALLER_LEFT, CallTrace

log = logging.getLogger(__name__)

Handler = Callable[[Scope, dict[str, str], Receive], Awaitable[Answer]]


def _route(path: str, handlers: dict[str, Handler], mount: bool = False) -> ASGIRouteHandler:
    """The one failure channel of a gateway route: whatever goes wrong answers in the format
    of the path that was called (Dialect.of_path) with a code, never a bare 500 or GraphQL's
    shape. `handlers`: by method. A `mount` serves every path below its own (Gemini's
    /v1beta/models/{model}:method; its /v1/models/... shares the route of GET /v1/models):
    Litestar hands it the rest of the path, which is put back whole."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        if mount:
            rest = scope["path"].rstrip("/")
            scope["path"] = path + (rest if rest.startswith("/") or not rest else f"/{rest}")
        try:
            answer = await _handler(scope, handlers)(scope, caller_headers(scope), receive)
        except CallerLeft:
            return
        except Exception as exc:
            error = _as_gateway_error(exc, scope["path"])
            dialect = Dialect.of_path(scope["path"])
            answer = Answer.json(error_payload(dialect, error), error.status, error.headers)
        await send_answer(answer, receive, send)

    route.__name__ = route.__qualname__ = path.strip("/").replace("/", "_")
    return asgi(path, copy_scope=False, is_mount=mount)(route)


def _handler(scope: Scope, handlers: dict[str, Handler]) -> Handler:
    """The handler for the request's method. Under a models mount, GET reads (the list, or one
    model) and POST calls (Gemini's {model}:method)."""
    path = scope["path"]
    if len(handlers) == 1:
        (method,) = handlers
    else:
        method = "POST" if ":" in path.rpartition("/")[2] else "GET"
    if method not in handlers or scope.get("method") != method:
        raise GatewayError(
            405, "method_not_allowed", f"{path} answers {method} only.", {"Allow": method}
        )
    return handlers[method]


Call = Callable[[Scope, dict[str, str], Receive, str | None], Awaitable[Answer]]


def _call(op: Operation) -> Call:
    async def call(
        scope: Scope, headers: dict[str, str], receive: Receive, path_model: str | None = None
    ) -> Answer:
        state = scope["app"].state
        caller = await authenticate_caller(headers)  # a call without a valid token is not usage
        limits, usage = state.services.limits, state.services.usage
        spend = state.services.spend
        trace = CallTrace(op.value, str(caller.viewer.token_id), str(caller.viewer.user_id))
        admission = NOTHING

        async def ended(done: CallTrace) -> None:
            done.cost_pusd = call_cost(done, await price_book())
            usage.ended(done)
            await limits.used(caller.viewer, Usage(done.input_tokens, done.output_tokens))
            tokens = done.input_tokens + done.output_tokens
            await spend.settle(admission, done.cost_pusd, tokens)

        trace.on_end = ended
        usage.started()
        try:
            raw = await read_body(receive, headers, state.settings.gateway_max_body_bytes)
            body = _parsed(raw)
            if path_model is not None:  # Gemini names the model in the path
                body["model"] = path_model
            trace.model = str(body.get("model") or "")
            check_request(op, body)  # the caller's fields, before anything goes upstream
            route = await route_for(caller, body.get("model"), headers)
            trace.endpoint_id = str(route.endpoint_id or "")
            trace.workspace_id = str(route.workspace_id or "")
            await limits.admit(caller.viewer)
            reserve = estimate(op, body, len(raw), route, await price_book())
            admission = await _admitted(spend, trace, *reserve)
            if op is Operation.GEMINI_COUNT_TOKENS:
                gemini = tuple(o for o in route.offerings if _speaks_gemini(o.connection))
                if not gemini:  # no upstream that can count: an estimate, as documented
                    await trace.end(200)
                    return Answer.json(estimated_tokens(body))
                route = replace(route, offerings=gemini)
            return await state.services.gateway.forward(route, op, body, headers, trace)
        except BaseException as exc:  # the answer (or the caller) is gone: the call has ended
            await trace.end(_status_of(exc))
            raise

    return call


async def _admitted(
    spend: SpendControl, trace: CallTrace, reserve_usd: int, reserve_tokens: int
) -> Admission:
    """The call's place in the budgets it falls under, or a 429 in the caller's format."""
    who = Who(trace.user_id, trace.token_id, trace.workspace_id, trace.endpoint_id)
    try:
        return await spend.admit(who, reserve_usd, reserve_tokens)
    except BudgetSpent as spent:
        headers = {"Retry-After": str(spent.retry_after)}
        raise GatewayError(429, "budget_exceeded", str(spent), headers) from None


def _speaks_gemini(connection: Any) -> bool:
    return CATALOG[connection.provider].speaks_gemini


GEMINI_CALLS = {op.value: _call(op) for op in GEMINI_OPERATIONS}


async def _gemini(scope: Scope, headers: dict[str, str], receive: Receive) -> Answer:
    """/v1beta/models/{model}:{method} (and /v1/models/..., where google-genai's default API
    version sends it): the model (which may hold a slash, as a catalog id does) and the method
    out of the path; the token from x-goog-api-key or ?key=."""
    target = scope["path"].split("/models/", 1)[1]
    model, _, method = target.rpartition(":")
    call = GEMINI_CALLS.get(method)
    if call is None or not model:
        known = ", ".join(sorted(GEMINI_CALLS))
        message = f"The gateway has no route POST {scope['path']}; a model's methods are {known}."
        raise GatewayError(404, "not_found", message)
    _gemini_key(scope, headers)
    return await call(scope, headers, receive, model)


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


async def _models(scope: Scope, headers: dict[str, str], receive: Receive) -> Answer:
    """Endpoint names and catalog model ids this caller may use: in OpenAI's list, or in
    Gemini's when Gemini's client asks (on /v1beta, or with its key header: google-genai's
    default API version lists at /v1/models too)."""
    gemini = scope["path"].startswith("/v1beta") or _gemini_key(scope, headers)
    caller = await authenticate_caller(headers)
    visible = await visible_models(caller)
    one = scope["path"].partition("/models/")[2].removeprefix("models/")
    if one:  # GET .../models/{model}: that model, if this caller may use it
        visible = [(name, owner) for name, owner in visible if name == one]
        if not visible:
            raise model_not_found(f"The model '{one}' is not one you may use; list them.")
    if gemini:
        methods = sorted(GEMINI_CALLS)
        models = [
            {"name": f"models/{name}", "displayName": name, "supportedGenerationMethods": methods}
            for name, _ in visible
        ]
        return Answer.json(models[0] if one else {"models": models})
    created = int(time.time())
    data = [
        {"id": name, "object": "model", "created": created, "owned_by": owner}
        for name, owner in visible
    ]
    return Answer.json(data[0] if one else {"object": "list", "data": data})


def _gemini_key(scope: Scope, headers: dict[str, str]) -> bool:
    """Whether the token came as Gemini's clients send it (the ?key= one is moved into the
    header); Authorization wins when both are sent."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if "key" in query and not headers.get("x-goog-api-key"):
        headers["x-goog-api-key"] = query["key"][0]
    return bool(headers.get("x-goog-api-key")) and not headers.get("authorization")


def gateway_failure(path: str, status: int, message: str) -> Response[Any]:
    """What Litestar itself answers under /v1 (an unknown path, a wrong method), in the
    gateway's format, never in GraphQL's."""
    dialect = Dialect.of_path(path)
    code = "not_found" if status == 404 else "invalid_request"
    error = GatewayError(status, code, message)
    return Response(error_payload(dialect, error), status_code=status)


def _posted(op: Operation) -> Handler:
    call = _call(op)

    async def handler(scope: Scope, headers: dict[str, str], receive: Receive) -> Answer:
        return await call(scope, headers, receive, None)

    return handler


GATEWAY_ROUTES = [
    *(_route(f"/v1/{op.value}", {"POST": _posted(op)}) for op in Operation if not op.speaks_gemini),
    _route("/v1/models", {"GET": _models, "POST": _gemini}, mount=True),  # and GET /v1/models/{id}
    _route("/v1beta/models", {"GET": _models, "POST": _gemini}, mount=True),
]
