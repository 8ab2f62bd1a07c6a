"""Usage over whole days is read from the daily counts, whole hours from the hourly ones and the
partial hours at either end from the calls themselves; whichever mix a range needs, the answer
equals the calls inside it. Pruning keeps all three equal to the calls kept, even when the
window cuts a day in two, and prunes in steps that resume where they stopped."""

from __future__ import annotations

import importlib
from collections import Counter

import pytest

from app.db.tables import GatewayCall, UsageDay, UsageHour
from app.usage.queries import Dimension, UsageQuery, _parts, usage_buckets
from app.usage.retention import prune
from app.usage.store import write_batch
from app.usage.trace import CallTrace

pytestmark = pytest.mark.db

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
MONDAY = 20_000 * DAY_MS  # a UTC midnight


def call(started_ms: int, connection: str, tokens: int) -> dict:
    trace = CallTrace("chat/completions", "t1", "u1", model="m", connection_id=connection)
    trace.started_ms = started_ms
    trace.status, trace.input_tokens, trace.output_tokens = 200, tokens, 1
    return trace.row()


# Six days of calls at uneven times: every hour edge, mid-hour and near-midnight.
CALLS = [call(MONDAY + i * 5_437_000 + (i % 3) * 1_000, f"c{i % 3}", 1 + i % 7) for i in range(100)]


def expected(low: int, high: int, by: tuple[str, ...]) -> Counter:
    found: Counter = Counter()
    for row in CALLS:
        if low <= row["started_ms"] < high:
            key = tuple(
                {
                    "c": row["connection_key"],
                    "d": row["started_ms"] // DAY_MS,
                    "h": row["started_ms"] // HOUR_MS,
                }[k]
                for k in by
            )
            found[key] += row["input_tokens"]
    return found


DIMS = {"c": Dimension.CONNECTION, "d": Dimension.DAY, "h": Dimension.HOUR}
EDGES = [
    MONDAY,  # midnight
    MONDAY + 90 * 60_000,  # mid-hour
    MONDAY + 5 * HOUR_MS,  # an hour edge
    MONDAY + DAY_MS + 17 * 60_000,
    MONDAY + 3 * DAY_MS,
    MONDAY + 4 * DAY_MS + 23 * HOUR_MS + 59 * 60_000,
    MONDAY + 7 * DAY_MS,
]


async def answer(low: int | None, high: int | None, by: tuple[str, ...]) -> Counter:
    buckets = await usage_buckets(UsageQuery(from_ms=low, to_ms=high), [DIMS[k] for k in by])
    found: Counter = Counter()
    for bucket in buckets:
        found[tuple(bucket.values[DIMS[k]] for k in by)] += bucket.input_tokens
    return found


async def test_any_range_counts_exactly_the_calls_inside_it(app, clean_db):
    await write_batch(CALLS[:60])
    await write_batch(CALLS[60:])
    for by in [(), ("c",), ("d",), ("c", "d"), ("h",)]:
        for i, low in enumerate(EDGES):
            for high in EDGES[i + 1 :]:
                assert await answer(low, high, by) == expected(low, high, by), (low, high, by)
        assert await answer(None, None, by) == expected(0, 2**62, by)


async def test_whole_days_are_read_from_the_daily_counts(app, clean_db):
    week = UsageQuery(from_ms=MONDAY + 90 * 60_000, to_ms=MONDAY + 6 * DAY_MS + 1)
    parts, _ = _parts(week, by_hour=False)
    tables = [part.split(" FROM ")[1].split()[0] for part in parts]
    assert tables.count("usage_day") == 1 and "gateway_call" in tables
    parts, _ = _parts(week, by_hour=True)  # an hour of a day cannot be read from the day
    assert "usage_day" not in " ".join(parts)

    await write_batch(CALLS)
    counted: Counter = Counter()
    for row in await UsageDay.select(UsageDay.day, UsageDay.requests):
        counted[row["day"]] += row["requests"]
    assert counted == Counter(row["started_ms"] // DAY_MS for row in CALLS)


async def test_the_migration_counts_the_days_of_hours_already_counted(app, clean_db):
    await write_batch(CALLS)
    before = sorted(tuple(row.values()) for row in await UsageDay.select(exclude_secrets=True))
    await UsageDay.delete(force=True)
    migration = importlib.import_module("piccolo_migrations.switchboard_2026_12_07t21_03_28_000001")
    await UsageDay.raw(migration.STATEMENTS[1])
    after = await UsageDay.select(exclude_secrets=True)
    strip = [tuple(v for k, v in row.items() if k != "id") for row in after]
    assert sorted(strip) == sorted(tuple(v for v in b[1:]) for b in before)


async def test_pruning_a_window_that_cuts_a_day_keeps_every_count_equal(app, clean_db):
    await write_batch(CALLS)
    now = MONDAY + 33 * DAY_MS + 13 * HOUR_MS  # a 30-day window starts at 13:00 of day 3
    kept_from = MONDAY + 3 * DAY_MS + 13 * HOUR_MS
    assert not await prune(30, now_ms=now, steps=0)  # counts dropped, calls left for later
    assert await prune(30, now_ms=now)

    assert await GatewayCall.count() == sum(1 for r in CALLS if r["started_ms"] >= kept_from)
    for by in [(), ("d",), ("c", "d")]:
        assert await answer(None, None, by) == expected(kept_from, 2**62, by)
        assert await answer(MONDAY, None, by) == expected(kept_from, 2**62, by)
    hours = await UsageHour.select(UsageHour.hour)
    assert min(row["hour"] for row in hours) >= kept_from // HOUR_MS


async def test_pruning_goes_in_steps_that_resume(app, clean_db, monkeypatch):
    monkeypatch.setattr("app.usage.retention.CALLS_PER_STEP", 7)
    await write_batch(CALLS)
    now = MONDAY + 35 * DAY_MS  # everything but the last day is older than 30 days
    old = sum(1 for r in CALLS if r["started_ms"] < now - 30 * DAY_MS)
    assert not await prune(30, now_ms=now, steps=2)
    assert await GatewayCall.count() == len(CALLS) - 14
    assert await prune(30, now_ms=now)
    assert await GatewayCall.count() == len(CALLS) - old
