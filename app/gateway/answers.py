"""The gateway's HTTP side on bare ASGI: a capped request body in, an answer out, whole or as a
stream that stops (closing the upstream call) when the caller goes away.

The gateway routes are ASGI handlers rather than Litestar request handlers: a call needs only its
headers and body, and skipping the request, signature and response models saves about a fifth of
what Switchboard adds to a call. The app's middleware (request ids, errors) still wraps them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from litestar.types import HTTPResponseStartEvent, Receive, Scope, Send

from app.gateway.errors import GatewayError

JSON = "application/json"


@dataclass
class Answer:
    """What goes back to the caller: a whole body, or chunks passed on as they come."""

    status: int
    body: bytes | AsyncIterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
        return cls(status, json.dumps(payload).encode(), {"content-type": JSON, **(headers or {})})


class CallerLeft(Exception):
    """The caller disconnected before its request had arrived: nobody is left to answer."""


def caller_headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name (ASGI's own spelling); repeats joined by ", "."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def read_body(receive: Receive, headers: dict[str, str], limit: int) -> bytes:
    """The whole body, refused with a 413 as soon as it passes `limit` bytes (not read further)."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            raise CallerLeft
        body += message["body"]
        if len(body) > limit:
            raise _too_large(limit)
        more = message["more_body"]
    return bytes(body)


def _too_large(limit: int) -> GatewayError:
    message = f"The request body exceeds {limit} bytes (SWITCHBOARD_GATEWAY_MAX_BODY_BYTES)."
    return GatewayError(413, "request_too_large", message)


async def send_answer(answer: Answer, receive: Receive, send: Send) -> None:
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers.items()
    ]
    body = answer.body
    if isinstance(body, bytes):
        headers.append((b"content-length", b"%d" % len(body)))
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": answer.status,
        "headers": headers,
    }
    if isinstance(body, bytes):
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})
    else:
        await _stream(start, body, receive, send)


async def _stream(
    start: HTTPResponseStartEvent, chunks: AsyncIterator[bytes], receive: Receive, send: Send
) -> None:
    """Pass chunks on until they end or the caller disconnects, whichever comes first; either
    way the chunks' source is closed (for the gateway: the upstream call)."""
    passing = asyncio.ensure_future(_pass_on(start, chunks, send))
    listening = asyncio.ensure_future(_disconnect(receive))
    try:
        await asyncio.wait((passing, listening), return_when=asyncio.FIRST_COMPLETED)
    finally:
        listening.cancel()
        passing.cancel()  # a no-op when it has finished
        with contextlib.suppress(asyncio.CancelledError):
            await passing  # its failure, if any, goes on


async def _pass_on(start: HTTPResponseStartEvent, chunks: AsyncIterator[bytes], send: Send) -> None:
    """The head goes with the first chunk: by then the source has started, so closing it runs
    its clean-up whatever happens next."""
    try:
        first = await anext(chunks, b"")
        await send(start)
        if first:
            await send({"type": "http.response.body", "body": first, "more_body": True})
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
