"""What the gateway reads on every call (the token, the route to a model, prices, budgets),
kept for a moment.

An entry is good while this process has committed no write since it was read (every write goes
through write_transaction, so a rotation, a revocation or a new connection here reaches the
very next call) and for at most TTL seconds, which bounds how long another instance's write
takes to arrive.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from app.db.engine import write_generation

V = TypeVar("V")
TTL_SECONDS = 1.0
MAX_ENTRIES = 10_000


class Recent(Generic[V]):
    def __init__(self, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.entries: dict[Hashable, tuple[int, float, V]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        generation, now = write_generation(), time.monotonic()
        found = self.entries.get(key)
        if found is not None and found[0] == generation and now - found[1] < self.ttl:
            return found[2]
        value = await load()  # read after noting the generation: a write meanwhile outdates it
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        self.entries[key] = (generation, now, value)
        return value
