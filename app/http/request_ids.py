"""One request id per HTTP request: taken from a sane X-Request-Id or made up, echoed on every
answer, stamped on every log record, and given to masked errors and audit events."""

from __future__ import annotations

import re
import uuid

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import request_id_var

HEADER = "x-request-id"
SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_current = request_id_var


def current_request_id() -> str | None:
    return _current.get()


def request_id_from(given: str | None) -> str:
    """The caller's id when it is sane (so its logs and ours join up), else a new one."""
    return given if given and SANE.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost: everything inside, logging included, runs with the request's id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = request_id_from(headers.get(HEADER.encode(), b"").decode("latin-1"))
        token = _current.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                message["headers"] = [*kept, (HEADER.encode(), request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
