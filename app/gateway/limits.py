"""A token's per-minute limits on gateway requests and tokens (input plus output). Counted per
calendar minute in the rate-limit store, each count one atomic step: Redis shares it between
instances, and without Redis each instance counts its own. A call over either limit answers 429
with Retry-After.

One Redis round trip a call: a finished call's tokens are not sent on their own but ride with
the next admission this instance makes (in the same MULTI, before that admission reads its
counts), or after TOKENS_WAIT seconds when no call comes. So this instance always counts every
token it has seen, and other instances see them within TOKENS_WAIT."""

from __future__ import annotations

import asyncio
import logging

from litestar.stores.base import Store

from app.auth.service import Viewer
from app.gateway.errors import GatewayError
from app.gateway.streams import Usage
from app.http.stores import WINDOW, add_to_counters, minute_window

log = logging.getLogger("switchboard.gateway")

TOKENS_WAIT = 0.05  # seconds a finished call's tokens may wait for the next admission


class CallerLimits:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._unsent: dict[str, int] = {}  # counter key: tokens not yet added to the store
        self._sending: asyncio.Task[None] | None = None

    async def admit(self, viewer: Viewer) -> None:
        """Refuse a call over either limit; count it otherwise (one atomic step, one Redis
        round trip, for both and for the tokens not yet sent). A call refused for its tokens
        still counts as a request."""
        limits = viewer.limits
        if limits.requests_per_minute is None and limits.tokens_per_minute is None:
            return
        minute, retry_after = minute_window()
        additions = self._take_unsent()
        carried = len(additions)
        if limits.tokens_per_minute is not None:
            additions.append((self._key(viewer, minute, "tokens"), 0))
        if limits.requests_per_minute is not None:
            additions.append((self._key(viewer, minute, "requests"), 1))
        counted = await add_to_counters(self.store, additions, 2 * WINDOW)
        values = iter(counted[carried:])
        if limits.tokens_per_minute is not None and next(values) >= limits.tokens_per_minute:
            raise _over("tokens", limits.tokens_per_minute, retry_after)
        if limits.requests_per_minute is not None and next(values) > limits.requests_per_minute:
            raise _over("requests", limits.requests_per_minute, retry_after)

    async def used(self, viewer: Viewer, usage: Usage) -> None:
        """Count a finished call's tokens against this minute: with the next admission, or
        within TOKENS_WAIT seconds."""
        tokens = usage.input_tokens + usage.output_tokens
        if viewer.limits.tokens_per_minute is None or tokens <= 0:
            return
        minute, _ = minute_window()
        key = self._key(viewer, minute, "tokens")
        self._unsent[key] = self._unsent.get(key, 0) + tokens
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self._send_soon())

    async def flush(self) -> None:
        """Send what waits now (at shutdown, and for tests)."""
        additions = self._take_unsent()
        if additions:
            try:
                await add_to_counters(self.store, additions, 2 * WINDOW)
            except Exception as exc:  # the store's own fallback failed too: the minute passes
                log.warning("rate limits: %d token counts not sent (%s)", len(additions), exc)

    async def _send_soon(self) -> None:
        await asyncio.sleep(TOKENS_WAIT)
        await self.flush()

    def _take_unsent(self) -> list[tuple[str, int]]:
        taken, self._unsent = list(self._unsent.items()), {}
        return taken

    @staticmethod
    def _key(viewer: Viewer, minute: int, what: str) -> str:
        return f"gateway:{viewer.token_id}:{minute}:{what}"


def _over(what: str, limit: int, retry_after: int) -> GatewayError:
    message = f"This token may make {limit} {what} a minute; retry in {retry_after} s."
    return GatewayError(429, "rate_limit_exceeded", message, {"Retry-After": str(retry_after)})
