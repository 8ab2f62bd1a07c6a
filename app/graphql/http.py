"""POST /graphql (JSON only) and GET /graphql (GraphiQL, served from our own assets)."""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import MediaType

from app.auth.service import authenticate
from app.graphql.context import Context
from app.graphql.errors import unauthenticated

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 256 * 1024
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
GRAPHIQL_PAGE = (Path(__file__).resolve().parents[1] / "web" / "graphiql.html").read_text()


def _error(status: int, message: str, code: str) -> Response[Any]:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(content=body, status_code=status, media_type=MediaType.JSON)


def _bearer(request: Request[Any, Any, Any]) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _parse(raw: bytes) -> dict[str, Any] | str:
    """The GraphQL request, or why it is malformed."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return "the body is not valid JSON"
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return 'the body must be a JSON object with a "query" string'
    if not isinstance(body.get("variables") or {}, dict):
        return '"variables" must be a JSON object'
    if not isinstance(body.get("operationName") or "", str):
        return '"operationName" must be a string'
    return body


@post("/graphql", status_code=200)
async def graphql_endpoint(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    # JSON only: a browser cannot send it cross-site without a CORS preflight (CSRF-safe).
    if request.content_type[0] != "application/json":
        return _error(
            415, "Send GraphQL requests as POST with Content-Type: application/json.", "BAD_REQUEST"
        )
    raw = await request.body()
    if len(raw) > MAX_REQUEST_BYTES:
        return _error(413, f"The request body exceeds {MAX_REQUEST_BYTES} bytes.", "BAD_REQUEST")
    body = _parse(raw)
    if isinstance(body, str):
        return _error(400, f"Malformed GraphQL request: {body}.", "BAD_REQUEST")
    token = _bearer(request)
    viewer = await authenticate(token) if token else None
    if viewer is None:
        error = unauthenticated()
        return _error(401, error.message, "UNAUTHENTICATED")
    request_id = _request_id(request)
    result = await state.schema.execute(
        body["query"],
        variable_values=body.get("variables"),
        operation_name=body.get("operationName"),
        context_value=Context(viewer=viewer, services=state.services, request_id=request_id),
    )
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return Response(
        content=payload, media_type=MediaType.JSON, headers={"X-Request-Id": request_id}
    )


def _request_id(request: Request[Any, Any, Any]) -> str:
    """The caller's X-Request-Id when it is sane (so logs and audit join up), else a new one."""
    given = request.headers.get("x-request-id", "")
    return given if REQUEST_ID.match(given) else uuid.uuid4().hex


@get("/graphql", media_type=MediaType.HTML)
async def graphiql(request: Request[Any, Any, Any]) -> Response[Any]:
    if "text/html" not in request.headers.get("accept", ""):
        return _error(
            405, "Send GraphQL requests as POST with Content-Type: application/json.", "BAD_REQUEST"
        )
    return Response(content=GRAPHIQL_PAGE, media_type=MediaType.HTML)
