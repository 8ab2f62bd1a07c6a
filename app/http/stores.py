"""Where rate-limit counters live: in memory, or in Redis shared by every instance.

A counter is added to in one atomic step (`add_to_counter`: Redis INCRBY, or this process's
memory with no await between the read and the write), never read and then written: with many
clients at once, exactly the limit gets through.

When Redis does not answer, counting falls back to this instance's memory (a warning is logged
when that starts and when Redis is back) instead of failing every request: a limit per instance
is weaker than a shared one, but an outage of the cache must not become an outage of the API.
`/health` reports the state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

log = logging.getLogger("switchboard.rate_limits")

T = TypeVar("T")
REDIS_TIMEOUT = 0.5  # seconds: a limiter that waits longer than this is worse than none
RETRY_AFTER = 5.0  # seconds before a Redis that failed is tried again
MAX_LOCAL_COUNTERS = 100_000  # past this, expired counters are swept


class RedisFallback:
    """Runs a step on Redis, or on this instance's memory while Redis does not answer (within
    REDIS_TIMEOUT), trying Redis again every RETRY_AFTER seconds; logs when that starts and
    ends. `what` names what counts there ("rate limits", "budgets")."""

    def __init__(self, where: str, what: str) -> None:
        self.where = where
        self.what = what
        self.degraded = False
        self._retry_at = 0.0

    async def run(self, shared: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]) -> T:
        if self.degraded and time.monotonic() < self._retry_at:
            return await local()
        try:
            result = await asyncio.wait_for(shared(), REDIS_TIMEOUT)
        except Exception as exc:  # redis-py raises its own errors, OSError and timeouts
            self._retry_at = time.monotonic() + RETRY_AFTER
            if not self.degraded:
                self.degraded = True
                log.warning(
                    "Redis at %s does not answer (%s): %s count in this instance's memory "
                    "until it does",
                    self.where,
                    type(exc).__name__,
                    self.what,
                )
            return await local()
        if self.degraded:
            self.degraded = False
            log.warning("Redis at %s answers again: %s are shared again", self.where, self.what)
        return result


class FallbackStore(Store):
    def __init__(
        self,
        primary: Store,
        ping: Callable[[], Awaitable[Any]],
        where: str,
        fallback: Store | None = None,
    ) -> None:
        self.primary = primary
        self.ping = ping
        self.fallback = fallback or LocalStore()
        self.where = where
        self.redis = RedisFallback(where, "rate limits")

    @property
    def degraded(self) -> bool:
        return self.redis.degraded

    async def _call(self, operation: Callable[[Store], Awaitable[T]]) -> T:
        return await self.redis.run(
            lambda: operation(self.primary), lambda: operation(self.fallback)
        )

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        await self._call(lambda store: store.set(key, value, expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await self._call(lambda store: store.get(key, renew_for))

    async def delete(self, key: str) -> None:
        await self._call(lambda store: store.delete(key))

    async def delete_all(self) -> None:
        await self._call(lambda store: store.delete_all())

    async def exists(self, key: str) -> bool:
        return await self._call(lambda store: store.exists(key))

    async def expires_in(self, key: str) -> int | None:
        return await self._call(lambda store: store.expires_in(key))

    async def reachable(self) -> bool:
        """For /health: does Redis answer now (never raises, never waits long)?"""
        try:
            await asyncio.wait_for(self.ping(), REDIS_TIMEOUT)
        except Exception:
            return False
        return True


def rate_limit_store(redis_url: str | None, namespace: str) -> Store:
    if not redis_url:
        return LocalStore()
    from litestar.stores.redis import RedisStore
    from redis.asyncio import Redis

    client = Redis.from_url(
        redis_url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
    )
    return FallbackStore(
        RedisStore(client, namespace=namespace, handle_client_shutdown=True),
        ping=client.ping,
        where=_without_password(redis_url),
    )


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"


WINDOW = 60  # rate limits count per calendar minute


def minute_window() -> tuple[int, int]:
    """(this minute, seconds until the next one)."""
    now = time.time()
    minute = int(now // WINDOW)
    return minute, max(1, int((minute + 1) * WINDOW - now + 0.999))


class LocalStore(MemoryStore):
    """This process's memory, with counters beside the stored values."""

    def __init__(self) -> None:
        super().__init__()
        self.counters: dict[str, tuple[int, float]] = {}


async def add_to_counter(store: Store, key: str, amount: int, expires_in: int) -> int:
    """Add `amount` to the counter `key` (created at 0, gone `expires_in` seconds after it was
    created) and return its new value, atomically; adding 0 reads it."""
    (value,) = await add_to_counters(store, [(key, amount)], expires_in)
    return value


async def add_to_counters(
    store: Store, additions: list[tuple[str, int]], expires_in: int
) -> list[int]:
    """add_to_counter for several counters at once: one atomic step (one Redis round trip)."""
    if isinstance(store, FallbackStore):
        return await store._call(lambda inner: add_to_counters(inner, additions, expires_in))
    redis = getattr(store, "_redis", None)
    if redis is not None:
        async with redis.pipeline(transaction=True) as pipe:  # MULTI ... EXEC
            for key, amount in additions:
                name = store._make_key(key)  # type: ignore[attr-defined]
                pipe.incrby(name, amount)
                pipe.expire(name, expires_in, nx=True)
            answers = await pipe.execute()
        return [int(value) for value in answers[::2]]
    assert isinstance(store, LocalStore), "rate limits count in Redis or in a LocalStore"
    return [_add_locally(store, key, amount, expires_in) for key, amount in additions]


def _add_locally(store: LocalStore, key: str, amount: int, expires_in: int) -> int:
    counters = store.counters
    now = time.monotonic()
    value, until = counters.get(key, (0, now + expires_in))
    if until <= now:
        value, until = 0, now + expires_in
    counters[key] = (value + amount, until)
    if len(counters) > MAX_LOCAL_COUNTERS:
        for stale in [k for k, (_, ends) in counters.items() if ends <= now]:
            del counters[stale]
    return value + amount
