"""The gateway's lean HTTP/1.1 client (app.providers.http11) against scripted loopback servers:
kept-alive reuse, the three ways a body ends, interim answers, stale connections, timeouts,
the outbound policy, header injection and flat memory under a large answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

import httpcore
import pytest

from app.gateway.upstream import UpstreamRequest
from app.gateway.upstream_http import Unreachable, _head, _parsed
from app.providers import http11
from app.providers.client import PolicyTransport
from app.providers.network import PAUSE_ABOVE
from app.security.outbound import BlockedByPolicy, OutboundPolicy

TIMEOUTS = http11.Timeouts(connect=2, read=2, write=2)
OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    def __init__(self) -> None:
        self.connections = 0
        self.requests: list[bytes] = []
        self.port = 0


@asynccontextmanager
async def serving(script: Script):
    """A loopback server that runs `script` on every connection it accepts."""
    server = Server()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.connections += 1
        try:
            await script(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()


async def read_request(reader: asyncio.StreamReader, server: Server) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    body = await reader.readexactly(length)
    server.requests.append(head + body)
    return body


def pool_for(server: Server, policy: OutboundPolicy | None = None) -> http11.Pool:
    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    transport = PolicyTransport(policy or OutboundPolicy.from_cidrs(["127.0.0.0/8"], []), resolve)
    return transport.http11_pool(b"http", b"upstream.test", server.port)


def head(server: Server, body: bytes = b"{}", headers: dict[str, str] | None = None) -> bytes:
    origin = _parsed(f"http://upstream.test:{server.port}/v1/chat/completions")
    return _head(origin, headers or {"content-type": "application/json"}, len(body))


async def whole(response: http11.Response) -> bytes:
    return b"".join([chunk async for chunk in response.chunks()])


async def test_kept_alive_connections_are_reused_and_requests_are_well_formed():
    async def script(reader, writer):
        while True:
            await read_request(reader, server)
            writer.write(OK)
            await writer.drain()

    async with serving(script) as server:
        pool = pool_for(server)
        for _ in range(3):
            response = await pool.request(head(server, b'{"a":1}'), b'{"a":1}', TIMEOUTS)
            assert response.status == 200
            assert (b"content-type", b"application/json") in response.headers
            assert await whole(response) == b"{}"
        assert server.connections == 1
        first = server.requests[0]
        assert first.startswith(b"POST /v1/chat/completions HTTP/1.1\r\n")
        assert f"host: upstream.test:{server.port}\r\n".encode() in first
        assert first.endswith(b'\r\n\r\n{"a":1}')


async def test_a_chunked_answer_arrives_piece_by_piece():
    sent_second = asyncio.Event()
    go_on = asyncio.Event()

    async def script(reader, writer):
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\ndata: \r\n")
        await writer.drain()
        await go_on.wait()
        writer.write(b"3\r\none\r\n0\r\n\r\n")
        await writer.drain()
        sent_second.set()
        await reader.read()

    async with serving(script) as server:
        response = await pool_for(server).request(head(server), b"{}", TIMEOUTS)
        chunks = response.chunks()
        assert await anext(chunks) == b"data: "  # before the server sent the rest
        assert not sent_second.is_set()
        go_on.set()
        assert [c async for c in chunks] == [b"one"]


async def test_an_answer_without_length_ends_with_the_connection_and_is_not_reused():
    async def script(reader, writer):
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end")
        await writer.drain()

    async with serving(script) as server:
        pool = pool_for(server)
        for _ in range(2):
            response = await pool.request(head(server), b"{}", TIMEOUTS)
            assert await whole(response) == b"until the end"
        assert server.connections == 2 and not pool.idle


async def test_interim_answers_are_skipped():
    async def script(reader, writer):
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + OK)
        await writer.drain()
        await reader.read()

    async with serving(script) as server:
        response = await pool_for(server).request(head(server), b"{}", TIMEOUTS)
        assert response.status == 200 and await whole(response) == b"{}"


async def test_a_connection_the_server_closed_while_idle_is_replaced_once():
    async def script(reader, writer):
        await read_request(reader, server)
        writer.write(OK)  # says nothing of closing, then closes
        await writer.drain()

    async with serving(script) as server:
        pool = pool_for(server)
        assert await whole(await pool.request(head(server), b"{}", TIMEOUTS)) == b"{}"
        await asyncio.sleep(0.05)  # the close reaches us while the connection is idle
        assert await whole(await pool.request(head(server), b"{}", TIMEOUTS)) == b"{}"
        assert server.connections == 2


async def test_a_kept_alive_connection_that_dies_under_a_request_is_replaced_once():
    async def script(reader, writer):
        await read_request(reader, server)
        writer.write(OK)
        await writer.drain()
        await read_request(reader, server)  # the second request on it: hang up unanswered

    async with serving(script) as server:
        pool = pool_for(server)
        for _ in range(2):
            assert await whole(await pool.request(head(server), b"{}", TIMEOUTS)) == b"{}"
        assert server.connections == 2 and len(server.requests) == 3


async def test_a_server_that_never_answers_fails_after_one_new_connection():
    async def script(reader, writer):
        await read_request(reader, server)  # and hang up without a word

    async with serving(script) as server:
        pool = pool_for(server)
        with pytest.raises(httpcore.RemoteProtocolError):
            await pool.request(head(server), b"{}", TIMEOUTS)
        assert server.connections == 1  # a new connection is not tried twice


async def test_a_slow_server_times_out():
    async def script(reader, writer):
        await read_request(reader, server)
        await asyncio.sleep(5)

    async with serving(script) as server:
        quick = http11.Timeouts(connect=1, read=0.2, write=1)
        with pytest.raises(httpcore.ReadTimeout):
            await pool_for(server).request(head(server), b"{}", quick)


async def test_an_answer_closed_early_does_not_go_back_to_the_pool():
    async def script(reader, writer):
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf")
        await writer.drain()
        await reader.read()

    async with serving(script) as server:
        pool = pool_for(server)
        response = await pool.request(head(server), b"{}", TIMEOUTS)
        await response.aclose()
        assert not pool.idle


async def test_the_outbound_policy_applies():
    async def script(reader, writer):
        await read_request(reader, server)

    async with serving(script) as server:
        pool = pool_for(server, OutboundPolicy.from_cidrs([], ["127.0.0.0/8"]))
        with pytest.raises(BlockedByPolicy):
            await pool.request(head(server), b"{}", TIMEOUTS)
        assert server.connections == 0


def test_a_header_with_a_line_break_is_never_sent():
    origin = _parsed("http://upstream.test/v1/chat/completions")
    with pytest.raises(Unreachable, match="line break"):
        _head(origin, {"x-custom": "ok\r\nx-injected: yes"}, 2)
    request = UpstreamRequest("http://[::1]:8080/v1/x", {}, "m")
    assert b"host: [::1]:8080\r\n" in _head(_parsed(request.url), {}, 0)


async def test_a_large_answer_read_slowly_keeps_memory_bounded():
    size = 20 * 1024 * 1024

    async def script(reader, writer):
        await read_request(reader, server)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size)
        piece = b"x" * 65536
        for _ in range(size // len(piece)):
            writer.write(piece)
            await writer.drain()

    async with serving(script) as server:
        response = await pool_for(server).request(head(server), b"{}", TIMEOUTS)
        await asyncio.sleep(0.3)  # the server sends as fast as it can; nobody reads
        pipe = response.connection.stream.pipe
        assert pipe.buffered <= PAUSE_ABOVE + 512 * 1024
        received = 0
        async for chunk in response.chunks():
            received += len(chunk)
        assert received == size
