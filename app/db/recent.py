"""What the gateway reads on every call (the token, the route to a model, prices, budgets),
kept for a moment.

An entry is good while this process has committed no write since it was read (every write goes
through write_transaction, so a rotation, a revocation or a new connection here reaches the
very next call) and for at most TTL seconds, which bounds how long another instance's write
takes to arrive.

Busy keys never expire under load: once an entry is past half its TTL, the next call is served
from it while one background load refreshes it. And however many calls miss the same key at
once, one load runs and they all wait for it (a load begun before a write of this process is
never shared with a call that comes after it). Without both, every in-flight request reloaded
an expired entry at once, each second, and the gateway's slowest calls came in clusters.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from app.db.engine import write_generation

V = TypeVar("V")
TTL_SECONDS = 1.0
REFRESH_AFTER = 0.5  # of the TTL: from then on, a call that uses the entry refreshes it
MAX_ENTRIES = 10_000


class Recent(Generic[V]):
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.entries: dict[Hashable, tuple[int, float, V]] = {}  # generation, read at, value
        self.loading: dict[Hashable, tuple[int, asyncio.Task[V]]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        generation, now = write_generation(), time.monotonic()
        found = self.entries.get(key)
        if found is not None and found[0] == generation and now - found[1] < self.ttl:
            if now - found[1] >= self.ttl * REFRESH_AFTER and key not in self.loading:
                self._load(key, load, generation)  # this call is served from the entry
            return found[2]
        flight = self.loading.get(key)
        task = flight[1] if flight is not None and flight[0] == generation else None
        if task is None:
            task = self._load(key, load, generation)
        return await asyncio.shield(task)  # a caller that leaves does not cancel the others'

    def _load(
        self, key: Hashable, load: Callable[[], Awaitable[V]], generation: int
    ) -> asyncio.Task[V]:
        started = time.monotonic()  # the value is read after this: it is at least this old

        async def run() -> V:
            value = await load()
            if len(self.entries) >= self.max_entries:
                self.entries.clear()
            current = self.entries.get(key)
            if current is None or current[0] <= generation:  # never over a newer write's value
                self.entries[key] = (generation, started, value)
            return value

        task = asyncio.get_running_loop().create_task(run())
        self.loading[key] = (generation, task)
        task.add_done_callback(lambda done: self._landed(key, done))
        return task

    def _landed(self, key: Hashable, task: asyncio.Task[V]) -> None:
        if self.loading.get(key, (0, None))[1] is task:
            del self.loading[key]
        if not task.cancelled():
            task.exception()  # retrieved: a refresh nobody waits for must not warn when it fails
