"""/graphql over HTTP, as the GraphQL-over-HTTP spec has it: POST with a JSON body for every
operation, GET with query parameters for queries only (never a mutation: it could then be
triggered by a link), and GraphiQL, served from our own assets, for a browser's GET.

A client that accepts application/graphql-response+json gets it: a request that fails before it
runs (syntax, validation, variables, a budget) is then a 400 without a `data` entry. A plain
application/json client gets those as a 200 with `"data": null`, as GraphQL servers always did."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import MediaType
from litestar.serialization import encode_json
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from app.api.context import Context
from app.api.list_bounds import list_bounds
from app.auth.service import authenticate
from app.auth.tokens import bearer_token
from app.budgets import BudgetExceeded, Budgets, check_json_depth
from app.db.deadlines import DatabaseUnavailable
from app.db.engine import request_statement_limit
from app.db.versions import read_versions
from app.graphql.body import NOT_JSON, decoded_body
from app.graphql.cost import Bound, parse_document
from app.graphql.errors import unauthenticated, without_values
from app.http.failures import CHALLENGE, graphql_error_body
from app.http.request_ids import current_request_id, request_id_from
from app.validation import lone_surrogate_at
from app.web.assets import PAGE_HEADERS

log = logging.getLogger(__name__)

GRAPHIQL_PAGE = (Path(__file__).resolve().parents[1] / "web" / "graphiql.html").read_text()
POST_JSON = (
    "Send GraphQL requests as POST with Content-Type: application/json, or queries as GET "
    "with a `query` parameter."
)
GRAPHQL_RESPONSE = "application/graphql-response+json"
QUERIES_ONLY = {OperationType.QUERY}
EVERY_OPERATION = {OperationType.QUERY, OperationType.MUTATION}


def _media(request: Request[Any, Any, Any]) -> str:
    """The answer's media type: the spec's own when the client accepts it."""
    return (
        GRAPHQL_RESPONSE
        if GRAPHQL_RESPONSE in request.headers.get("accept", "")
        else "application/json"
    )


def _error(
    status: int,
    message: str,
    code: str,
    media: str = "application/json",
    allow: str | None = None,
    **extensions: Any,
) -> Response[Any]:
    body = graphql_error_body(message, {"code": code, **extensions})
    headers = {**(CHALLENGE if status == 401 else {}), **({"Allow": allow} if allow else {})}
    return Response(content=body, status_code=status, media_type=media, headers=headers)


def _parse(body: Any, budgets: Budgets) -> dict[str, Any] | str:
    """The GraphQL request, or why it is malformed."""
    if body is NOT_JSON:
        return "the body is not valid JSON"
    if not isinstance(body, dict):
        return 'the body must be a JSON object with a "query" string'
    query, variables, name = body.get("query"), body.get("variables"), body.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return 'the body must be a JSON object with a non-empty "query" string'
    if variables is not None and not isinstance(variables, dict):
        return '"variables" must be a JSON object'
    if name is not None and (not isinstance(name, str) or not name):
        return '"operationName" must be a non-empty string or null'
    if body.get("extensions") is not None and not isinstance(body.get("extensions"), dict):
        return '"extensions" must be a JSON object'
    try:
        check_json_depth(variables, budgets.max_json_depth)
    except BudgetExceeded as exc:
        return str(exc)
    return body


def _not_text(body: dict[str, Any]) -> Response[Any] | None:
    """A variable that no database can store is refused before anything runs."""
    where = lone_surrogate_at(body.get("variables"), "variables")
    if where is None:
        return None
    message = (
        f"{where} is not valid Unicode text: it holds a lone surrogate (\\ud800-\\udfff), "
        "which has no character; send the text as UTF-8."
    )
    return _error(400, message, "VALIDATION")


@post("/graphql", status_code=200)
async def graphql_endpoint(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    # JSON only: a browser cannot send it cross-site without a CORS preflight (CSRF-safe).
    media = _media(request)
    if request.content_type[0] != "application/json":
        return _error(415, POST_JSON, "BAD_REQUEST", media)
    budgets: Budgets = state.settings.budgets
    raw = await request.body()
    if len(raw) > budgets.max_body_bytes:
        message = f"The request body exceeds {budgets.max_body_bytes} bytes."
        return _error(413, message, "BAD_REQUEST", media)
    return await _run(request, state, _parse(await decoded_body(request), budgets), EVERY_OPERATION)


@get("/graphql")
async def graphql_get(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """A query as GET parameters (query, variables and extensions as JSON, operationName), so
    that HTTP caches can hold its answer; GraphiQL for a browser that asks for a page."""
    params = request.query_params
    if "query" not in params:
        if "text/html" in request.headers.get("accept", ""):
            return Response(content=GRAPHIQL_PAGE, media_type=MediaType.HTML, headers=PAGE_HEADERS)
        return _error(405, POST_JSON, "BAD_REQUEST", _media(request), allow="GET, POST")
    body: dict[str, Any] = {"query": params.get("query")}
    if params.get("operationName") is not None:
        body["operationName"] = params.get("operationName")
    for name in ("variables", "extensions"):
        text = params.get(name)
        if text is not None:
            try:
                body[name] = json.loads(text)
            except ValueError:
                return _error(
                    400, f"Malformed GraphQL request: {name!r} is not JSON.", "BAD_REQUEST"
                )
    response = await _run(request, state, _parse(body, state.settings.budgets), QUERIES_ONLY)
    return _cacheable(request, response)


def _cacheable(request: Request[Any, Any, Any], response: Response[Any]) -> Response[Any]:
    """A GET's answer differs by token and by media type; a cache revalidates it by its ETag,
    and an unchanged answer costs a 304 with no body."""
    response.headers["Vary"] = "Authorization, Accept"
    response.headers["Cache-Control"] = "private, no-cache"
    if response.status_code != 200 or not isinstance(response.content, bytes):
        return response
    tag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response.headers["ETag"] = tag
    if tag in request.headers.get("if-none-match", ""):
        return Response(content=b"", status_code=304, headers=dict(response.headers))
    return response


async def _run(
    request: Request[Any, Any, Any],
    state: State,
    body: dict[str, Any] | str,
    allowed: set[OperationType],
) -> Response[Any]:
    media = _media(request)
    if isinstance(body, str):
        return _error(400, f"Malformed GraphQL request: {body}.", "BAD_REQUEST", media)
    refused = _not_text(body)
    if refused is not None:
        return refused
    budgets: Budgets = state.settings.budgets
    request_id = current_request_id() or request_id_from(None)
    try:
        # The deadline covers everything from here: reading the token included.
        async with asyncio.timeout(budgets.request_timeout):
            return await _answer(request, state, body, request_id, allowed)
    except DatabaseUnavailable as exc:
        log.warning("Request %s answered 503: %s", request_id, exc)
        return _error(503, str(exc), exc.code, media, requestId=request_id)
    except TimeoutError:
        log.warning(
            "Request stopped after %s s (SWITCHBOARD_REQUEST_TIMEOUT)", budgets.request_timeout
        )
        message = (
            f"The request ran longer than {budgets.request_timeout:g} s "
            "(SWITCHBOARD_REQUEST_TIMEOUT) and was stopped; nothing it had not finished was kept."
        )
        return _error(504, message, "TIMEOUT", media, requestId=request_id)


async def _answer(
    request: Request[Any, Any, Any],
    state: State,
    body: dict[str, Any],
    request_id: str,
    allowed: set[OperationType],
) -> Response[Any]:
    media = _media(request)
    token = bearer_token(request.headers.get("authorization"))
    versions = await read_versions()  # one statement: may what this instance cached serve?
    viewer = await authenticate(token, versions.auth) if token else None
    if viewer is None:
        return _error(401, unauthenticated().message, "UNAUTHENTICATED", media)
    context = Context.read_at(viewer, state.services, request_id, versions)
    return await _execute(state.schema, body, context, state.settings.budgets, allowed, media)


async def _execute(
    schema: Any,
    body: dict[str, Any],
    context: Context,
    budgets: Budgets,
    allowed: set[OperationType],
    media: str,
) -> Response[Any]:
    """Run the operation within its share of the connection pool."""
    try:
        with request_statement_limit():
            context.list_bounds = await _bounds(schema, body, context, budgets)
            result = await schema.execute(
                body["query"],
                variable_values=body.get("variables"),
                operation_name=body.get("operationName"),
                context_value=context,
                allowed_operation_types=allowed,
            )
    except InvalidOperationTypeError as exc:
        message = f"{exc.as_http_error_reason('GET')}: send it as POST."
        return _error(405, message, "BAD_REQUEST", media, allow="POST")
    except (MissingQueryError, CannotGetOperationTypeError) as exc:
        problem = _operation_problem(exc)
        return _error(400, f"Malformed GraphQL request: {problem}", "BAD_REQUEST", media)
    payload: dict[str, Any] = {"data": result.data}
    if result.extensions:
        payload["extensions"] = result.extensions  # what it cost (app.graphql.gate)
    status = 200
    if result.errors:
        variables = body.get("variables")
        payload["errors"] = [_formatted(error, variables) for error in result.errors]
        if any(isinstance(e.original_error, DatabaseUnavailable) for e in result.errors):
            status = 503  # a load balancer or client retries elsewhere, or later
        elif media == GRAPHQL_RESPONSE and _not_run(result):
            del payload["data"]
            status = 400
    return _capped(encode_json(payload), budgets, status, media)


async def _bounds(
    schema: Any, body: dict[str, Any], context: Context, budgets: Budgets
) -> dict[tuple[str, str], Bound]:
    """The bounds of the lists the document selects; none when it does not parse (the gate
    then answers why, with the same cached parse)."""
    query = body.get("query")
    if not isinstance(query, str):
        return {}
    try:
        document = parse_document(query, budgets)
    except (BudgetExceeded, GraphQLError):
        return {}
    return await list_bounds(document, schema._schema, context, budgets.max_fields)


def _not_run(result: Any) -> bool:
    """The request failed before any field ran (syntax, validation, variables, a budget): its
    errors point at no field."""
    return result.data is None and all(error.path is None for error in result.errors)


def _formatted(error: Any, variables: Any) -> dict[str, Any]:
    formatted: dict[str, Any] = error.formatted
    formatted["message"] = without_values(formatted["message"], variables)
    return formatted


def _operation_problem(exc: Exception) -> str:
    if isinstance(exc, CannotGetOperationTypeError):
        if exc.operation_name is None:
            return "say which of the document's operations to run, in operationName."
        return f"the document has no operation named {exc.operation_name!r}."
    return "the query is empty."


def _capped(encoded: bytes, budgets: Budgets, status: int, media: str) -> Response[Any]:
    """The answer, unless it is larger than clients and proxies should have to hold."""
    if len(encoded) > budgets.max_response_bytes:
        message = (
            f"The answer would be {len(encoded):,} bytes, over the max_response_bytes budget of "
            f"{budgets.max_response_bytes:,}; ask for fewer items or fields."
        )
        return _error(
            200,
            message,
            "RESPONSE_TOO_LARGE",
            media,
            budget="max_response_bytes",
            limit=budgets.max_response_bytes,
            actual=len(encoded),
        )
    return Response(content=encoded, media_type=media, status_code=status)
