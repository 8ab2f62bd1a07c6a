"""A token's per-minute limits on gateway requests and tokens (input plus output). Counted per
calendar minute in the rate-limit store: Redis shares it between instances, and without Redis
each instance counts its own. A call over either limit answers 429 with Retry-After."""

from __future__ import annotations

import json
import time
from typing import Any

from litestar.stores.base import Store

from app.auth.service import Viewer
from app.gateway.errors import GatewayError
from app.gateway.streams import Usage

WINDOW = 60


def _window() -> tuple[int, int]:
    """(this minute, seconds until the next one)."""
    now = time.time()
    minute = int(now // WINDOW)
    return minute, max(1, int((minute + 1) * WINDOW - now + 0.999))


class CallerLimits:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def admit(self, viewer: Viewer) -> None:
        limits = viewer.limits
        if limits.requests_per_minute is None and limits.tokens_per_minute is None:
            return
        key, spent, retry_after = await self._spent(viewer)
        if (
            limits.requests_per_minute is not None
            and spent["requests"] >= limits.requests_per_minute
        ):
            raise _over("requests", limits.requests_per_minute, retry_after)
        if limits.tokens_per_minute is not None and spent["tokens"] >= limits.tokens_per_minute:
            raise _over("tokens", limits.tokens_per_minute, retry_after)
        spent["requests"] += 1
        await self.store.set(key, json.dumps(spent), expires_in=2 * WINDOW)

    async def used(self, viewer: Viewer, usage: Usage) -> None:
        """Count a finished call's tokens against this minute."""
        if viewer.limits.tokens_per_minute is None:
            return
        key, spent, _ = await self._spent(viewer)
        spent["tokens"] += usage.input_tokens + usage.output_tokens
        await self.store.set(key, json.dumps(spent), expires_in=2 * WINDOW)

    async def _spent(self, viewer: Viewer) -> tuple[str, dict[str, Any], int]:
        minute, retry_after = _window()
        key = f"gateway:{viewer.token_id}:{minute}"
        raw = await self.store.get(key)
        spent = json.loads(raw) if raw else {"requests": 0, "tokens": 0}
        return key, spent, retry_after


def _over(what: str, limit: int, retry_after: int) -> GatewayError:
    message = f"This token may make {limit} {what} a minute; retry in {retry_after} s."
    return GatewayError(429, "rate_limit_exceeded", message, {"Retry-After": str(retry_after)})
