"""httpcore's network layer on asyncio's own transports.

httpcore's default backend goes through anyio: a cancel scope, a look-up of the running async
library and a typed-attribute search for every read and write, and a poll() of the socket before
every request on a kept-alive connection. On a gateway call those cost about as much as the rest
of the upstream exchange. Here a read waits on one future with one timer, and whether an idle
connection was closed by its server is known from what the event loop has already delivered.

httpcore's contract is kept: `read` returns b"" at the end of the stream, timeouts raise
httpcore's Connect/Read/WriteTimeout and socket failures its Connect/Read/WriteError.
"""

from __future__ import annotations

import asyncio
import ssl
import typing
from collections import deque
from typing import Any

import httpcore

PAUSE_ABOVE = 512 * 1024  # unread bytes held before the socket stops being read (flat memory)
RESUME_BELOW = 64 * 1024


class _Pipe(asyncio.Protocol):
    """What the event loop delivered and has not been read yet, and whether writes may go on."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.paused = False
        self.ended = False
        self.failure: BaseException | None = None
        self.can_write = True
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > PAUSE_ABOVE and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # the server is done: close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.failure = exc
        self.can_write = True
        self._wake()

    def pause_writing(self) -> None:
        self.can_write = False

    def resume_writing(self) -> None:
        self.can_write = True
        self._wake()

    def take(self, max_bytes: int) -> bytes:
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.paused and self.buffered < RESUME_BELOW and self.transport is not None:
            self.paused = False
            self.transport.resume_reading()
        return chunk

    async def wait(self, timeout: float | None) -> None:  # noqa: ASYNC109
        """Until something is delivered, the connection ends or writes may go on; TimeoutError
        after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        waiter = self.waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            self.waiter = None
            if timer is not None:
                timer.cancel()

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, pipe: _Pipe) -> None:
        self.transport = transport
        self.pipe = pipe

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        pipe = self.pipe
        if not pipe.chunks and not pipe.ended:
            try:
                await pipe.wait(timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the server") from None
        if pipe.chunks:
            return pipe.take(max_bytes)
        if pipe.failure is not None:
            raise httpcore.ReadError(str(pipe.failure) or "the connection failed")
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if not buffer:
            return
        if self.transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self.transport.write(buffer)
        while not self.pipe.can_write:
            try:
                await self.pipe.wait(timeout)
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out writing to the server") from None
            if self.transport.is_closing():
                raise httpcore.WriteError("the connection closed while writing")

    async def aclose(self) -> None:
        self.transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self.transport, self.pipe, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self.transport.close()
            raise httpcore.ConnectTimeout("the TLS handshake timed out") from None
        except (OSError, ssl.SSLError) as exc:
            self.transport.close()
            raise httpcore.ConnectError(f"the TLS handshake failed: {exc}") from exc
        if transport is None:
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self.pipe.transport = transport
        return AsyncioStream(self.pipe.transport, self.pipe)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle connection: has its server closed it?
            return self.pipe.ended or bool(self.pipe.chunks)
        name = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        if name in ("ssl_object", "sockname", "peername", "socket"):
            return self.transport.get_extra_info(name)
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        try:
            async with asyncio.timeout(timeout):
                transport, pipe = await loop.create_connection(_Pipe, host, port, local_addr=local)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot connect to {host}:{port}: {exc}") from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, pipe)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
