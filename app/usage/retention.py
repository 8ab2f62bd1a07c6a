"""Records older than SWITCHBOARD_USAGE_RETENTION_DAYS are pruned in the background: the calls
and their hourly and daily counts, so the counts stay equal to the calls kept (last-use times
stay). Runs during start-up (before the first request) and then every PRUNE_EVERY seconds.

The counts go first, in one short transaction; then the calls, CALLS_PER_STEP to a transaction,
so pruning ten million calls never holds the database (SQLite's one writer, or a statement's
deadline) for longer than one step, and a prune cut short resumes where it stopped."""

from __future__ import annotations

import asyncio
import logging
import time

from app.db.engine import write_transaction
from app.db.tables import GatewayCall, UsageDay, UsageHour
from app.usage.store import DAYS, days_from_hours
from app.usage.trace import HOUR_MS

log = logging.getLogger("switchboard.usage")

PRUNE_EVERY = 15 * 60
CALLS_PER_STEP = 5_000
START_STEPS = 20  # what start-up prunes before serving; the rest is pruned in the background
DROP_CALLS = (
    "DELETE FROM gateway_call WHERE id IN"
    " (SELECT id FROM gateway_call WHERE started_ms < {} LIMIT {})"
)
# A day cut by the window is counted again from the hours it keeps.
RECOUNT_DAY = days_from_hours("hour >= {} AND hour < {}")


async def prune(retention_days: int, now_ms: int | None = None, steps: int | None = None) -> bool:
    """Drop whole hours older than the window: calls and counts of the same hours. At most
    `steps` steps of calls (None: all); whether nothing older is left."""
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    first_kept_hour = (now_ms - retention_days * DAYS.hours * HOUR_MS) // HOUR_MS
    await _drop_counts(first_kept_hour)
    taken = 0
    while steps is None or taken < steps:
        taken += 1
        async with write_transaction(GatewayCall._meta.db, cached=False):
            await GatewayCall.raw(DROP_CALLS, first_kept_hour * HOUR_MS, CALLS_PER_STEP)
        if not await GatewayCall.exists().where(GatewayCall.started_ms < first_kept_hour * HOUR_MS):
            return True
        await asyncio.sleep(0)  # let waiting writers in between steps
    return False


async def _drop_counts(first_kept_hour: int) -> None:
    cut_day, cut_hours = divmod(first_kept_hour, DAYS.hours)
    async with write_transaction(GatewayCall._meta.db, cached=False):
        await UsageHour.delete().where(UsageHour.hour < first_kept_hour)
        await UsageDay.delete().where(UsageDay.day < cut_day + (1 if cut_hours else 0))
        if cut_hours:
            await UsageDay.raw(RECOUNT_DAY, first_kept_hour, (cut_day + 1) * DAYS.hours)


async def prune_now(retention_days: int, steps: int | None = None) -> bool:
    """Whether it is done for now: False only when `steps` cut it short."""
    try:
        return await prune(retention_days, steps=steps)
    except Exception as exc:  # the database may be away: try again next time
        log.warning("usage: pruning old records failed (%s)", type(exc).__name__)
        return True


async def prune_forever(retention_days: int, done: bool) -> None:
    """After start-up's own pruning (app.asgi.start): at once if that left some, then every
    PRUNE_EVERY seconds."""
    while True:
        if done:
            await asyncio.sleep(PRUNE_EVERY)
        done = await prune_now(retention_days)
