"""Sending a gateway call upstream through the origin's lean HTTP/1.1 pool
(app.providers.http11).

The pools belong to the outbound client: the policy that vets every address sits in their
network backend, and the provider timeouts are passed with each request. No Accept-Encoding is
sent, so answers arrive as they are and pass on byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import httpcore
import httpx

from app.gateway.upstream import UpstreamRequest
from app.providers import http11
from app.providers.client import Outbound
from app.security.outbound import BlockedByPolicy

WRITE_TIMEOUT = 10.0
UNSAFE = re.compile(rb"[\r\n\x00]")  # would end a header line early: never sent


class Unreachable(Exception):
    """No answer from this offering: the message says why (timed out, could not connect...)."""

    def __init__(self, why: str, timed_out: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.timed_out = timed_out


@dataclass
class UpstreamResponse:
    status: int
    headers: dict[str, str]  # names in lower case
    response: http11.Response

    def chunks(self) -> AsyncIterator[bytes]:
        return self.response.chunks()

    async def aclose(self) -> None:
        await self.response.aclose()


@dataclass(frozen=True)
class _Origin:
    scheme: bytes
    host: bytes
    port: int | None
    path: bytes  # with the query
    host_header: bytes


async def send(
    out: Outbound, request: UpstreamRequest, payload: dict[str, Any], deadline: float | None = None
) -> UpstreamResponse:
    """The answer's head; its body is read within the per-read timeout and by `deadline`
    (time.monotonic()), the call's total deadline."""
    assert out.transport is not None, "the outbound client was built without its transport"
    url = request.url + (f"?{urlencode(request.params)}" if request.params else "")
    origin = _parsed(url)
    pool = out.transport.http11_pool(origin.scheme, origin.host, origin.port)
    body = json.dumps(payload).encode()
    limits = out.limits
    timeouts = http11.Timeouts(limits.connect_timeout, limits.read_timeout, WRITE_TIMEOUT, deadline)
    try:
        response = await pool.request(_head(origin, request.headers, len(body)), body, timeouts)
    except httpcore.TimeoutException:
        raise Unreachable("timed out", timed_out=True) from None
    except BlockedByPolicy:
        raise Unreachable("blocked by the outbound policy") from None
    except (httpcore.NetworkError, httpcore.ProtocolError):
        raise Unreachable("could not connect") from None
    names = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
    return UpstreamResponse(response.status, names, response)


def _head(origin: _Origin, headers: dict[str, str], length: int) -> bytes:
    lines = [
        b"POST %s HTTP/1.1\r\nhost: %s\r\ncontent-length: %d"
        % (origin.path, origin.host_header, length)
    ]
    for name, value in headers.items():
        try:
            line = b"%s: %s" % (name.encode("latin-1"), value.encode("latin-1"))
        except UnicodeEncodeError:
            raise Unreachable(f"its header {name} is not Latin-1 text") from None
        if UNSAFE.search(line):
            raise Unreachable(f"its header {name} holds a line break")
        lines.append(line)
    lines.append(b"\r\n")
    return b"\r\n".join(lines)


@lru_cache(maxsize=4096)
def _parsed(url: str) -> _Origin:
    """Parsing costs a tenth of a millisecond, and a connection's URLs repeat."""
    parsed = httpx.URL(url)
    host = b"[%s]" % parsed.raw_host if b":" in parsed.raw_host else parsed.raw_host
    host += b":%d" % parsed.port if parsed.port else b""
    return _Origin(parsed.raw_scheme, parsed.raw_host, parsed.port, parsed.raw_path, host)
