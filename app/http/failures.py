"""The answer when a request breaks where no other handler caught it: logged once with its
request id and stack trace, answered with a masked message that carries the same id."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException

from app.http.request_ids import current_request_id

log = logging.getLogger("switchboard.errors")

UNEXPECTED = "Unexpected error."
INTERNAL_CODE = "INTERNAL_SERVER_ERROR"

# What a 401 answers with (RFC 6750): the scheme to authenticate with.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="switchboard"'}


def masked_extensions() -> dict[str, Any]:
    return {"code": INTERNAL_CODE, "requestId": current_request_id()}


def graphql_error_body(message: str, extensions: dict[str, Any]) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": extensions}]}


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error(
        "Unexpected error answering %s %s (request %s)",
        request.method,
        request.url.path,
        current_request_id(),
        exc_info=exc,
    )
    return Response(graphql_error_body(UNEXPECTED, masked_extensions()), status_code=500)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """Litestar's own 4xx (unknown route, wrong method...) in our error shape."""
    if exc.status_code >= 500:
        return unexpected_error(request, exc)
    body = graphql_error_body(exc.detail, {"code": "BAD_REQUEST"})
    return Response(body, status_code=exc.status_code, headers=exc.headers)
