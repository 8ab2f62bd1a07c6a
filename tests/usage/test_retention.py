"""Records older than the retention window are pruned with their hourly counts, so usage over
the kept window still equals the calls kept; last-use times stay."""

from __future__ import annotations

import time

import pytest

from app.db.tables import GatewayCall, LastUse, UsageHour
from app.usage.queries import UsageQuery, usage_buckets
from app.usage.retention import prune
from app.usage.store import write_batch
from app.usage.trace import CallTrace

pytestmark = pytest.mark.db

DAY_MS = 24 * 3_600_000


def call_at(started_ms: int, connection: str = "c1") -> dict:
    trace = CallTrace("chat/completions", "t1", "u1", model="m", connection_id=connection)
    trace.started_ms = started_ms
    trace.status, trace.input_tokens, trace.output_tokens = 200, 5, 7
    return trace.row()


async def test_old_records_and_their_counts_go_together(app, clean_db):
    now = int(time.time() * 1000)
    await write_batch([call_at(now - 100 * DAY_MS), call_at(now - 95 * DAY_MS)])
    await write_batch([call_at(now - 10 * DAY_MS), call_at(now - DAY_MS), call_at(now)])
    await prune(90, now_ms=now)

    assert await GatewayCall.count() == 3
    [total] = await usage_buckets(UsageQuery(), [])
    assert (total.requests, total.input_tokens, total.output_tokens) == (3, 15, 21)
    hours = await UsageHour.select(UsageHour.hour)
    assert min(row["hour"] for row in hours) >= (now - 90 * DAY_MS) // 3_600_000
    assert await LastUse.exists().where(LastUse.subject == "connection:c1")
