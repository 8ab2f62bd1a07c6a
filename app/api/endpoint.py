"""POST /graphql (JSON only) and GET /graphql (GraphiQL, served from our own assets)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import MediaType
from litestar.serialization import encode_json
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from app.api.context import Context
from app.auth.service import authenticate
from app.auth.tokens import bearer_token
from app.budgets import BudgetExceeded, Budgets, check_json_depth
from app.db.deadlines import DatabaseUnavailable
from app.db.engine import request_statement_limit
from app.db.versions import read_versions
from app.graphql.body import NOT_JSON, decoded_body
from app.graphql.errors import unauthenticated, without_values
from app.http.failures import CHALLENGE, graphql_error_body
from app.http.request_ids import current_request_id, request_id_from
from app.validation import lone_surrogate_at
from app.web.assets import PAGE_HEADERS

log = logging.getLogger(__name__)

GRAPHIQL_PAGE = (Path(__file__).resolve().parents[1] / "web" / "graphiql.html").read_text()
POST_JSON = "Send GraphQL requests as POST with Content-Type: application/json."


def _error(status: int, message: str, code: str, **extensions: Any) -> Response[Any]:
    body = graphql_error_body(message, {"code": code, **extensions})
    headers = CHALLENGE if status == 401 else None
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers)


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
    if request.content_type[0] != "application/json":
        return _error(415, POST_JSON, "BAD_REQUEST")
    budgets: Budgets = state.settings.budgets
    raw = await request.body()
    if len(raw) > budgets.max_body_bytes:
        message = f"The request body exceeds {budgets.max_body_bytes} bytes."
        return _error(413, message, "BAD_REQUEST")
    body = _parse(await decoded_body(request), budgets)
    if isinstance(body, str):
        return _error(400, f"Malformed GraphQL request: {body}.", "BAD_REQUEST")
    refused = _not_text(body)
    if refused is not None:
        return refused
    request_id = current_request_id() or request_id_from(None)
    try:
        # The deadline covers everything from here: reading the token included.
        async with asyncio.timeout(budgets.request_timeout):
            return await _answer(request, state, body, request_id)
    except DatabaseUnavailable as exc:
        log.warning("Request %s answered 503: %s", request_id, exc)
        return _error(503, str(exc), exc.code, requestId=request_id)
    except TimeoutError:
        log.warning(
            "Request stopped after %s s (SWITCHBOARD_REQUEST_TIMEOUT)", budgets.request_timeout
        )
        message = (
            f"The request ran longer than {budgets.request_timeout:g} s "
            "(SWITCHBOARD_REQUEST_TIMEOUT) and was stopped; nothing it had not finished was kept."
        )
        return _error(504, message, "TIMEOUT", requestId=request_id)


async def _answer(
    request: Request[Any, Any, Any], state: State, body: dict[str, Any], request_id: str
) -> Response[Any]:
    token = bearer_token(request.headers.get("authorization"))
    versions = await read_versions()  # one statement: may what this instance cached serve?
    viewer = await authenticate(token, versions.auth) if token else None
    if viewer is None:
        return _error(401, unauthenticated().message, "UNAUTHENTICATED")
    context = Context.read_at(viewer, state.services, request_id, versions)
    return await _execute(state.schema, body, context, state.settings.budgets)


async def _execute(
    schema: Any, body: dict[str, Any], context: Context, budgets: Budgets
) -> Response[Any]:
    """Run the operation within its share of the connection pool."""
    try:
        with request_statement_limit():
            result = await schema.execute(
                body["query"],
                variable_values=body.get("variables"),
                operation_name=body.get("operationName"),
                context_value=context,
            )
    except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError) as exc:
        return _error(400, f"Malformed GraphQL request: {_operation_problem(exc)}", "BAD_REQUEST")
    payload: dict[str, Any] = {"data": result.data}
    status = 200
    if result.errors:
        variables = body.get("variables")
        payload["errors"] = [_formatted(error, variables) for error in result.errors]
        if any(isinstance(e.original_error, DatabaseUnavailable) for e in result.errors):
            status = 503  # a load balancer or client retries elsewhere, or later
    return _capped(encode_json(payload), budgets, status)


def _formatted(error: Any, variables: Any) -> dict[str, Any]:
    formatted: dict[str, Any] = error.formatted
    formatted["message"] = without_values(formatted["message"], variables)
    return formatted


def _operation_problem(exc: Exception) -> str:
    if isinstance(exc, CannotGetOperationTypeError):
        if exc.operation_name is None:
            return "say which of the document's operations to run, in operationName."
        return f"the document has no operation named {exc.operation_name!r}."
    if isinstance(exc, InvalidOperationTypeError):
        return f"{exc.as_http_error_reason('POST')}."
    return "the query is empty."


def _capped(encoded: bytes, budgets: Budgets, status: int = 200) -> Response[Any]:
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
            budget="max_response_bytes",
            limit=budgets.max_response_bytes,
            actual=len(encoded),
        )
    return Response(content=encoded, media_type=MediaType.JSON, status_code=status)


@get("/graphql", media_type=MediaType.HTML)
async def graphiql(request: Request[Any, Any, Any]) -> Response[Any]:
    if "text/html" not in request.headers.get("accept", ""):
        return _error(405, POST_JSON, "BAD_REQUEST")
    return Response(content=GRAPHIQL_PAGE, media_type=MediaType.HTML, headers=PAGE_HEADERS)
