"""Spreading calls across the offerings that serve a model: least in flight first, ties taken in
turn; an offering that just failed sits out a cool-down (tried last, not never): as long as its
provider's Retry-After asked, else 30 s."""

from __future__ import annotations

import itertools
import time
import uuid
from collections import Counter

from app.gateway.routing import Offering

COOL_DOWN_SECONDS = 30.0


class Balancer:
    def __init__(self, cool_down: float = COOL_DOWN_SECONDS) -> None:
        self.cool_down = cool_down
        self.in_flight: Counter[uuid.UUID] = Counter()
        self.cooling_until: dict[uuid.UUID, float] = {}
        self.turns = itertools.count()

    def order(self, offerings: tuple[Offering, ...]) -> list[Offering]:
        """The order to try them in."""
        now = time.monotonic()
        turn = next(self.turns) % len(offerings) if offerings else 0
        rotated = [*offerings[turn:], *offerings[:turn]]
        ready = [o for o in rotated if self.cooling_until.get(o.connection.id, 0.0) <= now]
        cooling = [o for o in rotated if o not in ready]
        ready.sort(key=lambda o: self.in_flight[o.connection.id])  # stable: ties keep their turn
        cooling.sort(key=lambda o: self.cooling_until[o.connection.id])
        return ready + cooling

    def started(self, offering: Offering) -> None:
        self.in_flight[offering.connection.id] += 1

    def finished(self, offering: Offering) -> None:
        """When its answer has been passed on whole (a stream's last event), or failed."""
        key = offering.connection.id
        self.in_flight[key] -= 1
        if self.in_flight[key] <= 0:
            del self.in_flight[key]

    def failed(self, offering: Offering, retry_after: float = 0.0) -> None:
        """`retry_after`: how long the provider asked callers to wait (a 429's Retry-After)."""
        wait = retry_after if retry_after > 0 else self.cool_down
        self.cooling_until[offering.connection.id] = time.monotonic() + wait

    def succeeded(self, offering: Offering) -> None:
        self.cooling_until.pop(offering.connection.id, None)
