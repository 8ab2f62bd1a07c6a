"""A token's per-minute limits on gateway requests and tokens (input plus output). Counted per
calendar minute in the rate-limit store, each count one atomic step: Redis shares it between
instances, and without Redis each instance counts its own. A call over either limit answers 429
with Retry-After."""

from __future__ import annotations

from litestar.stores.base import Store

from app.auth.service import Viewer
from app.gateway.errors import GatewayError
from app.gateway.streams import Usage
from app.http.stores import WINDOW, add_to_counter, add_to_counters, minute_window


class CallerLimits:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def admit(self, viewer: Viewer) -> None:
        """Refuse a call over either limit; count it otherwise (one atomic step, one Redis
        round trip, for both). A call refused for its tokens still counts as a request."""
        limits = viewer.limits
        if limits.requests_per_minute is None and limits.tokens_per_minute is None:
            return
        minute, retry_after = minute_window()
        additions = []
        if limits.tokens_per_minute is not None:
            additions.append((self._key(viewer, minute, "tokens"), 0))
        if limits.requests_per_minute is not None:
            additions.append((self._key(viewer, minute, "requests"), 1))
        values = iter(await add_to_counters(self.store, additions, 2 * WINDOW))
        if limits.tokens_per_minute is not None and next(values) >= limits.tokens_per_minute:
            raise _over("tokens", limits.tokens_per_minute, retry_after)
        if limits.requests_per_minute is not None and next(values) > limits.requests_per_minute:
            raise _over("requests", limits.requests_per_minute, retry_after)

    async def used(self, viewer: Viewer, usage: Usage) -> None:
        """Count a finished call's tokens against this minute."""
        if viewer.limits.tokens_per_minute is None:
            return
        minute, _ = minute_window()
        tokens = usage.input_tokens + usage.output_tokens
        await add_to_counter(self.store, self._key(viewer, minute, "tokens"), tokens, 2 * WINDOW)

    @staticmethod
    def _key(viewer: Viewer, minute: int, what: str) -> str:
        return f"gateway:{viewer.token_id}:{minute}:{what}"


def _over(what: str, limit: int, retry_after: int) -> GatewayError:
    message = f"This token may make {limit} {what} a minute; retry in {retry_after} s."
    return GatewayError(429, "rate_limit_exceeded", message, {"Retry-After": str(retry_after)})
