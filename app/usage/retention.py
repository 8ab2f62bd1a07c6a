"""Records older than SWITCHBOARD_USAGE_RETENTION_DAYS are pruned in the background: the calls
and their hourly counts together, so the counts stay equal to the calls kept (last-use times
stay). Runs during start-up (before the first request) and then every PRUNE_EVERY seconds."""

from __future__ import annotations

import asyncio
import logging
import time

from app.db.engine import write_transaction
from app.db.tables import GatewayCall, UsageHour

log = logging.getLogger("switchboard.usage")

PRUNE_EVERY = 15 * 60
HOUR_MS = 3_600_000


async def prune(retention_days: int, now_ms: int | None = None) -> None:
    """Drop whole hours older than the window: calls and counts of the same hours."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    first_kept_hour = (now_ms - retention_days * 24 * HOUR_MS) // HOUR_MS
    async with write_transaction(GatewayCall._meta.db, cached=False):
        await GatewayCall.delete().where(GatewayCall.hour < first_kept_hour)
        await UsageHour.delete().where(UsageHour.hour < first_kept_hour)


async def prune_now(retention_days: int) -> None:
    try:
        await prune(retention_days)
    except Exception as exc:  # the database may be away: try again next time
        log.warning("usage: pruning old records failed (%s)", type(exc).__name__)


async def prune_forever(retention_days: int) -> None:
    """After start-up's own pruning (app.asgi.start), every PRUNE_EVERY seconds."""
    while True:
        await asyncio.sleep(PRUNE_EVERY)
        await prune_now(retention_days)
