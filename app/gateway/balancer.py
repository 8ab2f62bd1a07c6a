"""Spreading calls across the offerings that serve a model, and each connection's health.

Least in flight first, ties taken in turn. A connection that fails (connect error, timeout, 5xx,
429) cools down and is tried last, not never: for as long as its provider's Retry-After asked,
otherwise for a backoff that doubles with each failure in a row (10 s, 20 s, ... at most
10 min). When the cool-down is over, one call is let through as a trial while the others still
go elsewhere; its success makes the connection healthy again, its failure cools it down longer.

With REDIS_URL every instance shares what it learns: a change is written to the store, and
each instance reads the connections it routes to every SYNC_SECONDS, so one instance's 429
spares the others a try. The store's own fallback (app.http.stores) keeps this working, per
instance, when Redis does not answer."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from enum import Enum

from litestar.stores.base import Store

from app.gateway.routing import Offering

log = logging.getLogger(__name__)

COOL_DOWN_SECONDS = 10.0  # the first failure's; each one in a row doubles it
MAX_COOL_DOWN_SECONDS = 600.0
TRIAL_SECONDS = 60.0  # a trial call that never reported back frees the way after this
SYNC_SECONDS = 1.0
MAX_ERROR_CHARS = 300


class HealthState(Enum):
    HEALTHY = "HEALTHY"
    COOLING_DOWN = "COOLING_DOWN"  # skipped while another connection can serve
    TRIAL = "TRIAL"  # its cool-down is over: the next call tries it


@dataclass
class Health:
    """One connection's, in wall-clock seconds so that instances can share it."""

    consecutive_failures: int = 0
    cooldown_until: float = 0.0
    last_error: str | None = None
    last_error_at: float | None = None
    trial_since: float = 0.0  # when the current trial call started (0: none)
    connection: str = ""  # its name, for /metrics

    def state(self, now: float) -> HealthState:
        if self.consecutive_failures == 0:
            return HealthState.HEALTHY
        return HealthState.COOLING_DOWN if now < self.cooldown_until else HealthState.TRIAL


class Balancer:
    def __init__(self, cool_down: float = COOL_DOWN_SECONDS) -> None:
        self.cool_down = cool_down
        self.in_flight: Counter[uuid.UUID] = Counter()
        self.health: dict[uuid.UUID, Health] = {}
        self.turns = itertools.count()
        self.store: Store | None = None
        self.known: set[uuid.UUID] = set()  # connections routed to, read back from the store
        self.writing: set[asyncio.Task[None]] = set()

    def order(self, offerings: tuple[Offering, ...]) -> list[Offering]:
        """The order to try them in: the ready ones (one of them a trial at most), then the
        cooling ones, soonest back first."""
        now = time.time()
        turn = next(self.turns) % len(offerings) if offerings else 0
        rotated = [*offerings[turn:], *offerings[:turn]]
        ready, cooling = [], []
        for offering in rotated:
            key = offering.connection.id
            self.known.add(key)
            health = self.health.get(key)
            if health is None or self._admits(health, now):
                ready.append(offering)
            else:
                cooling.append(offering)
        ready.sort(key=lambda o: self.in_flight[o.connection.id])  # stable: ties keep their turn
        cooling.sort(key=lambda o: self.health[o.connection.id].cooldown_until)
        return ready + cooling

    def _admits(self, health: Health, now: float) -> bool:
        state = health.state(now)
        if state is HealthState.TRIAL and now - health.trial_since > TRIAL_SECONDS:
            health.trial_since = now  # this call is the trial; the next ones wait for it
            return True
        return state is HealthState.HEALTHY

    def started(self, offering: Offering) -> None:
        self.in_flight[offering.connection.id] += 1

    def finished(self, offering: Offering) -> None:
        """When its answer has been passed on whole (a stream's last event), or failed."""
        key = offering.connection.id
        self.in_flight[key] -= 1
        if self.in_flight[key] <= 0:
            del self.in_flight[key]

    def failed(
        self, offering: Offering, retry_after: float = 0.0, why: str = "", refused: bool = False
    ) -> None:
        """`retry_after`: how long the provider asked callers to wait (a 429's Retry-After).
        `refused`: the provider refused the connection's credentials, which no wait mends: it
        is recorded, not cooled down (the caller is told so, and no other call is spared)."""
        now = time.time()
        health = self.health.setdefault(offering.connection.id, Health())
        health.connection = offering.connection.name
        health.last_error, health.last_error_at = why[:MAX_ERROR_CHARS] or None, now
        if not refused:
            health.consecutive_failures += 1
            backoff = self.cool_down * 2 ** min(health.consecutive_failures - 1, 16)
            wait = retry_after if retry_after > 0 else min(backoff, MAX_COOL_DOWN_SECONDS)
            health.cooldown_until = now + wait
            health.trial_since = 0.0
        self._publish(offering.connection.id, health)

    def succeeded(self, offering: Offering) -> None:
        health = self.health.get(offering.connection.id)
        if health is not None and health.consecutive_failures:
            health.consecutive_failures, health.cooldown_until, health.trial_since = 0, 0.0, 0.0
            self._publish(offering.connection.id, health)

    def health_of(self, connection_id: uuid.UUID) -> tuple[HealthState, Health]:
        health = self.health.get(connection_id) or Health()
        return health.state(time.time()), health

    def snapshot(self) -> list[tuple[str, bool, int]]:
        """(name, cooling down, failures in a row) of each connection that has failed here."""
        now = time.time()
        cooling = HealthState.COOLING_DOWN
        return [
            (h.connection, h.state(now) is cooling, h.consecutive_failures)
            for h in self.health.values()
        ]

    # -- shared between instances ----------------------------------------------------------------

    def share(self, store: Store) -> None:
        self.store = store

    def _publish(self, key: uuid.UUID, health: Health) -> None:
        if self.store is None:
            return
        value = json.dumps(asdict(health))
        expires = max(1, int(health.cooldown_until - time.time()) + 86_400)
        task = asyncio.get_running_loop().create_task(
            self.store.set(f"health:{key}", value, expires_in=expires)
        )
        self.writing.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[None]) -> None:
        self.writing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("Could not share connection health: %s", task.exception())

    async def sync_forever(self) -> None:
        """Read back what the other instances learned about the connections this one uses."""
        while True:
            await asyncio.sleep(SYNC_SECONDS)
            try:
                await self.sync()
            except Exception as exc:  # the store falls back on its own; this must not die
                log.warning("Could not read connection health from the store: %s", exc)

    async def sync(self) -> None:
        if self.store is None:
            return
        for key in list(self.known):
            raw = await self.store.get(f"health:{key}")
            if raw is None:
                continue
            try:
                shared = Health(**json.loads(raw))
            except (ValueError, TypeError):
                continue
            mine = self.health.get(key)
            if mine is None or (shared.last_error_at or 0) >= (mine.last_error_at or 0):
                trial = mine.trial_since if mine is not None else 0.0
                shared.trial_since = max(shared.trial_since, trial)
                self.health[key] = shared
