"""The one outbound HTTP client: policy-checked connections, timeouts, size caps, no redirects."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import typing
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from app.providers import http11
from app.providers.network import AsyncioBackend, AsyncioStream
from app.security.outbound import (
    BlockedByPolicy,
    OutboundPolicy,
    Resolver,
    system_resolver,
    vetted_addresses,
)


class PolicyNetworkBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy allows, and to exactly the address it checked."""

    def __init__(self, policy: OutboundPolicy, resolve: Resolver) -> None:
        self.policy = policy
        self.resolve = resolve
        self.inner = AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(
                vetted_addresses(self.policy, self.resolve, host, port), timeout
            )
        except (socket.gaierror, OSError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _OriginTransport(httpx.AsyncHTTPTransport):
    """httpx's transport for one origin, connecting through the policy backend."""

    def __init__(self, backend: PolicyNetworkBackend, ssl_context: ssl.SSLContext) -> None:
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx has no public hook for the network backend; swap in a pool that uses ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=MAX_CONNECTIONS_PER_ORIGIN,
            keepalive_expiry=KEEPALIVE_SECONDS,
            network_backend=backend,
        )


class PolicyTransport(httpx.AsyncBaseTransport):
    """One connection pool per origin. httpcore's pool scans every connection it holds for each
    request, so a single pool shared by hundreds of providers turns quadratic; per-origin pools
    keep each scan to the few connections of one host."""

    def __init__(self, policy: OutboundPolicy, resolve: Resolver) -> None:
        self.backend = PolicyNetworkBackend(policy, resolve)
        self.ssl_context = httpx.create_ssl_context()  # loading CA certificates once is enough
        self.origins: OrderedDict[tuple[bytes, bytes, int | None], _OriginTransport] = OrderedDict()
        self.lean: OrderedDict[tuple[bytes, bytes, int | None], http11.Pool] = OrderedDict()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = await self._origin(request.url.raw_scheme, request.url.raw_host, request.url.port)
        return await origin.handle_async_request(request)

    def http11_pool(self, scheme: bytes, host: bytes, port: int | None) -> http11.Pool:
        """The gateway's lean HTTP/1.1 pool for an origin (app.providers.http11), connecting
        through the same policy backend."""
        key = (scheme, host, port)
        pool = self.lean.pop(key, None) or http11.Pool(self._connector(*key), KEEPALIVE_SECONDS)
        self.lean[key] = pool  # most recently used last
        if len(self.lean) > MAX_ORIGINS:
            self.lean.popitem(last=False)[1].close()
        return pool

    def _connector(self, scheme: bytes, host: bytes, port: int | None) -> http11.Connect:
        name, tls = host.decode("ascii"), scheme == b"https"
        number = port or (443 if tls else 80)

        async def connect(timeout: float) -> AsyncioStream:  # noqa: ASYNC109
            stream = await self.backend.connect_tcp(name, number, timeout)
            if tls:
                stream = await stream.start_tls(self.ssl_context, name, timeout)
            return typing.cast(AsyncioStream, stream)

        return connect

    async def _origin(self, scheme: bytes, host: bytes, port: int | None) -> _OriginTransport:
        key = (scheme, host, port)
        transport = self.origins.pop(key, None) or _OriginTransport(self.backend, self.ssl_context)
        self.origins[key] = transport  # most recently used last
        if len(self.origins) > MAX_ORIGINS:
            _, oldest = self.origins.popitem(last=False)
            await oldest.aclose()
        return transport

    async def aclose(self) -> None:
        for transport in self.origins.values():
            await transport.aclose()
        self.origins.clear()
        for pool in self.lean.values():
            pool.close()
        self.lean.clear()


MAX_ORIGINS = 1024
MAX_CONNECTIONS_PER_ORIGIN = 20
KEEPALIVE_SECONDS = 30.0


@dataclass(frozen=True)
class HttpLimits:
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_response_bytes: int = 8 * 1024 * 1024


def build_client(
    policy: OutboundPolicy,
    limits: HttpLimits,
    resolve: Resolver | None = None,
    transport: PolicyTransport | None = None,
) -> httpx.AsyncClient:
    """The app-wide client: no redirects followed, no proxies from the environment."""
    timeout = httpx.Timeout(
        connect=limits.connect_timeout, read=limits.read_timeout, write=10.0, pool=10.0
    )
    transport = transport or PolicyTransport(policy, resolve or system_resolver)
    return httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
    )


class ResponseTooLarge(Exception):
    pass


class Redirected(Exception):
    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class HttpStatusError(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


class InvalidResponse(Exception):
    """The provider answered, but not with what its API promises."""


@dataclass(frozen=True)
class Outbound:
    """What the provider families use to call providers: the shared client, its limits, policy."""

    client: httpx.AsyncClient
    limits: HttpLimits
    policy: OutboundPolicy
    resolve: Resolver
    transport: PolicyTransport | None = None  # the client's, for the gateway's direct use

    async def get_json(
        self, url: str, headers: dict[str, str], params: dict[str, str] | None = None
    ) -> Any:
        async with self.client.stream("GET", url, headers=headers, params=params) as response:
            if response.is_redirect:
                raise Redirected(response.headers.get("location", ""))
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.limits.max_response_bytes:
                    raise ResponseTooLarge(
                        f"the response is larger than {self.limits.max_response_bytes} bytes"
                    )
        if response.status_code >= 400:
            raise HttpStatusError(response.status_code, bytes(body))
        try:
            return json.loads(body)
        except ValueError:
            raise InvalidResponse("the response is not JSON") from None


__all__ = ["BlockedByPolicy", "Outbound", "build_client"]
