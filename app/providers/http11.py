"""A lean HTTP/1.1 client for the gateway's upstream calls: kept-alive connections per origin,
requests written in one piece, answers parsed by httptools (llhttp, the parser uvicorn serves
with) and handed over as they arrive.

httpx and httpcore stay the client for everything else Switchboard sends (listing, verification,
tokens). On a gateway call their pool bookkeeping, locks and pure-Python parsing cost more than
all of Switchboard's own work, so the one request that every call makes takes this shorter path.
Connections come from the same policy-checked network backend (app.providers.network), with
the same connect, read and write timeouts, and fail with httpcore's exceptions.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpcore
import httptools

from app.providers.network import AsyncioStream

READ_SIZE = 64 * 1024
MAX_IDLE = 64  # kept-alive connections per origin; calls in flight are not capped

Connect = Callable[[float], Awaitable[AsyncioStream]]  # a new connection, within a timeout


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float  # for each read
    write: float
    deadline: float | None = None  # time.monotonic() by which the whole answer must be in

    def for_read(self) -> float:
        if self.deadline is None:
            return self.read
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlinePassed
        return min(self.read, left)


class DeadlinePassed(httpcore.ReadTimeout):
    """The call's total deadline passed before its answer was complete (each read may have
    been within the read timeout: an upstream that trickles)."""

    def __init__(self) -> None:
        super().__init__("the call's total deadline passed")


async def _read(stream: AsyncioStream, timeouts: Timeouts) -> bytes:
    try:
        return await stream.read(READ_SIZE, timeouts.for_read())
    except httpcore.ReadTimeout:
        if timeouts.deadline is not None and time.monotonic() >= timeouts.deadline:
            raise DeadlinePassed from None
        raise


class _Answer:
    """httptools' callbacks: one response's status, headers and body pieces."""

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.pieces: deque[bytes] = deque()
        self.status = 0
        self.keep_alive = False
        self.headed = False
        self.complete = False
        self.parser = httptools.HttpResponseParser(self)

    def on_message_begin(self) -> None:  # again after a 1xx interim answer
        self.headers.clear()
        self.headed = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()
        self.headed = self.status >= 200

    def on_body(self, body: bytes) -> None:
        self.pieces.append(body)

    def on_message_complete(self) -> None:
        self.complete = self.headed


class Connection:
    def __init__(self, stream: AsyncioStream) -> None:
        self.stream = stream
        self.idle_since = time.monotonic()

    def reusable(self, keepalive: float) -> bool:
        fresh = time.monotonic() - self.idle_since < keepalive
        return fresh and not self.stream.get_extra_info("is_readable")


class Response:
    """An answer whose headers have arrived; `chunks()` yields its body, then the connection
    goes back to its pool (or is closed when it cannot be reused)."""

    def __init__(
        self, pool: Pool, connection: Connection, answer: _Answer, timeouts: Timeouts
    ) -> None:
        self.pool = pool
        self.connection = connection
        self.answer = answer
        self.timeouts = timeouts
        self.status = answer.status
        self.headers = answer.headers
        self.closed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        answer, stream = self.answer, self.connection.stream
        while True:
            while answer.pieces:
                yield answer.pieces.popleft()
            if answer.complete:
                break
            data = await _read(stream, self.timeouts)
            if not data:  # the server closed: the end of a body without a length, or a cut
                if answer.keep_alive:
                    raise httpcore.RemoteProtocolError("the server closed mid-answer")
                answer.keep_alive = False
                break
            _feed(answer, data)
        await self.aclose(answer.keep_alive)

    async def aclose(self, reusable: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        if reusable and self.answer.complete:
            self.pool.release(self.connection)
        else:
            await self.connection.stream.aclose()


async def _first_bytes(
    stream: AsyncioStream, answer: _Answer, request: bytes, timeouts: Timeouts
) -> None:
    """Send the request and read the answer's first bytes; _ClosedBeforeAnswer when the
    connection turns out dead before the server answered anything."""
    try:
        await stream.write(request, timeouts.write)
        data = await _read(stream, timeouts)
    except (httpcore.WriteError, httpcore.ReadError):
        raise _ClosedBeforeAnswer from None
    if not data:
        raise _ClosedBeforeAnswer
    _feed(answer, data)


def _feed(answer: _Answer, data: bytes) -> None:
    try:
        answer.parser.feed_data(data)
    except httptools.HttpParserError as exc:
        raise httpcore.RemoteProtocolError(f"not an HTTP/1.1 answer: {exc}") from None


class Pool:
    """Kept-alive connections to one origin, most recently used first."""

    def __init__(self, connect: Connect, keepalive: float) -> None:
        self.connect = connect
        self.keepalive = keepalive
        self.idle: deque[Connection] = deque()

    async def request(self, head: bytes, body: bytes, timeouts: Timeouts) -> Response:
        """Send one request (its head already encoded) and wait for the answer's headers.
        A kept-alive connection that turns out closed before any answer is replaced once."""
        connection = self._reused()
        if connection is not None:
            try:
                return await self._exchange(connection, head, body, timeouts)
            except _ClosedBeforeAnswer:
                pass
        connection = Connection(await self.connect(timeouts.connect))
        try:
            return await self._exchange(connection, head, body, timeouts)
        except _ClosedBeforeAnswer:
            raise httpcore.RemoteProtocolError("the server closed without answering") from None

    async def _exchange(
        self, connection: Connection, head: bytes, body: bytes, timeouts: Timeouts
    ) -> Response:
        stream, answer = connection.stream, _Answer()
        try:
            await _first_bytes(stream, answer, head + body, timeouts)
            while not answer.headed:
                data = await _read(stream, timeouts)
                if not data:
                    raise httpcore.RemoteProtocolError("the server closed mid-answer")
                _feed(answer, data)
        except BaseException:
            await stream.aclose()
            raise
        return Response(self, connection, answer, timeouts)

    def _reused(self) -> Connection | None:
        while self.idle:
            connection = self.idle.popleft()
            if connection.reusable(self.keepalive):
                return connection
            connection.stream.transport.close()
        return None

    def release(self, connection: Connection) -> None:
        connection.idle_since = time.monotonic()
        self.idle.appendleft(connection)
        while len(self.idle) > MAX_IDLE:
            self.idle.pop().stream.transport.close()

    def close(self) -> None:
        while self.idle:
            self.idle.pop().stream.transport.close()


class _ClosedBeforeAnswer(Exception):
    """The connection ended before a byte of the answer came: the request was not taken."""
