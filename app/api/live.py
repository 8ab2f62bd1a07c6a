"""Subscriptions (graphql-transport-ws at /graphql): a signal to reload, never the data itself,
so each view reads what its viewer may see with its own query."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import strawberry

from app.api.context import Info


@strawberry.type
class LiveSubscriptions:
    @strawberry.subscription(
        description="The catalog's version now, then each time connections, their models or "
        "the model switches change, on any instance (within about a second): reload the list.",
    )
    async def connections_changed(self, info: Info) -> AsyncGenerator[int, None]:
        async for marks in info.context.services.live.changes():
            yield marks.catalog

    @strawberry.subscription(
        description="When the newest recorded gateway call started, now and each time a newer "
        "one is recorded (calls are recorded within about a second): reload usage.",
    )
    async def usage_changed(self, info: Info) -> AsyncGenerator[datetime | None, None]:
        async for marks in info.context.services.live.changes():
            yield datetime.fromtimestamp(marks.usage_ms / 1000, tz=UTC) if marks.usage_ms else None
