"""What one gateway call did, filled in as it goes (who, which route, which offering, what came
back, when the first byte came, what it cost) and handed to the recorder when it ends."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.usage.buckets import bucket_of

HOUR_MS = 3_600_000  # a call is counted in the epoch hour started_ms // HOUR_MS
HOURS_A_DAY = 24
DAY_MS = HOURS_A_DAY * HOUR_MS  # and in the UTC day of that hour
CALLER_LEFT = 499  # nginx's code for "the client closed the request": nothing was answered


@dataclass
class CallTrace:
    operation: str
    token_id: str = ""
    user_id: str = ""
    model: str = ""
    endpoint_id: str = ""
    workspace_id: str = ""
    connection_id: str = ""
    connection_name: str = ""
    provider: str = ""  # the serving connection's (its prices are looked up by it)
    upstream_model: str = ""
    attempts: int = 0
    status: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    cost_pusd: int | None = 0  # pico-dollars; None: tokens were used and no price was known
    first_token_ms: int | None = None
    started_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    started: float = field(default_factory=time.perf_counter)
    on_end: Callable[[CallTrace], Awaitable[None]] | None = None
    ended: bool = False
    latency_ms: int = 0
    usage_invalid: bool = False

    def elapsed_ms(self) -> int:
        return int((time.perf_counter() - self.started) * 1000)

    def tried(
        self, connection_id: Any, connection_name: str, provider: str, upstream_model: str
    ) -> None:
        self.attempts += 1
        self.connection_id, self.connection_name = str(connection_id), connection_name
        self.provider, self.upstream_model = provider, upstream_model

    def first_byte(self) -> None:
        if self.first_token_ms is None:
            self.first_token_ms = self.elapsed_ms()

    async def end(
        self,
        status: int,
        input_tokens: int = 0,
        output_tokens: int = 0,
        usage_invalid: bool = False,
        cached: tuple[int, int] = (0, 0),
    ) -> None:
        """Once per call, whatever way it ended. `usage_invalid`: the upstream reported counts
        that were not counts, so the call is recorded as reporting none. `cached`: of the
        input, the tokens read from the provider's cache and written to it."""
        if self.ended:
            return
        self.ended = True
        self.latency_ms = self.elapsed_ms()
        self.status = status
        self.input_tokens, self.output_tokens = input_tokens, output_tokens
        self.cached_input_tokens, self.cache_write_tokens = cached
        self.usage_invalid = usage_invalid
        if self.on_end is not None:
            await self.on_end(self)

    def row(self) -> dict[str, Any]:
        """The gateway_call row."""
        latency = self.latency_ms
        return {
            "id": str(
                uuid.uuid4()
            ),  # text, not a UUID object: a queued row is then not tracked by the GC
            "started_ms": self.started_ms,
            "hour": self.started_ms // HOUR_MS,
            "token_key": self.token_id,
            "user_key": self.user_id,
            "endpoint_key": self.endpoint_id,
            "workspace_key": self.workspace_id,
            "connection_key": self.connection_id,
            "operation": self.operation,
            "model": self.model[:300],
            "upstream_model": self.upstream_model[:300],
            "status": self.status,
            "attempts": self.attempts,
            "latency_ms": latency,
            "first_token_ms": self.first_token_ms,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_bucket": bucket_of(latency),
            "cached_input_tokens": self.cached_input_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cost_pusd": self.cost_pusd,
        }
