"""`usage(groupBy: [DAY])` with `costUsd` (and `[CONNECTION, DAY]`) over 30 days of 1,000,000
recorded calls on PostgreSQL.

make bench          (or: .venv/bin/python -m bench.usage_query [records])

A scratch database (dropped after) gets 1,000,000 gateway_call rows spread over 30 days (20
connections, 200 users each calling one or two models, half through endpoints) and the hourly
counts the recorder keeps for them. Interleaved, ten times each: the GraphQL query through the
app in-process, the same buckets from app.usage.queries directly, and, as the floor, one
hand-written GROUP BY over the raw rows. The answers are checked equal.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from typing import Any

from app.db.tables import GatewayCall
from app.usage.buckets import COUNT
from app.usage.queries import Dimension, UsageQuery, usage_buckets
from bench.common import bench_app, graphql
from bench.serving import scratch_postgres

DAY_MS = 24 * 3_600_000
GENERATE = """
INSERT INTO gateway_call (id, started_ms, hour, token_key, user_key, endpoint_key, workspace_key,
  connection_key, operation, model, upstream_model, status, attempts, latency_ms, first_token_ms,
  input_tokens, output_tokens, latency_bucket, cached_input_tokens, cache_write_tokens, cost_pusd)
SELECT gen_random_uuid(), ms, ms / 3600000, 't' || u, 'u' || u,
  CASE WHEN u % 2 = 0 THEN 'e' || (u % 50) ELSE '' END, '',
  '00000000-0000-0000-0000-0000000000' || lpad((u % 20)::text, 2, '0'),
  'chat/completions', 'model-' || ((u * 7 + i % 2) % 30), 'model',
  CASE WHEN i % 41 = 0 THEN 502 ELSE 200 END, 1, lat, lat / 3, 100 + i % 400, 50 + i % 300,
  width_bucket(lat, ARRAY[10, 25, 50, 100, 250, 500, 750, 1000, 1500, 2500, 5000, 7500, 10000,
    20000, 60000]), (i % 7) * 10, 0,
  CASE WHEN i % 17 = 0 THEN NULL ELSE (100 + i % 400) * 2500000::bigint + (50 + i % 300) * 10000000::bigint END
FROM (SELECT i, i % 200 AS u, {now} - (random() * 30 * {day})::bigint AS ms,
        (50 + random() * 4000)::int AS lat FROM generate_series(1, {n}) AS i) AS g
"""
SUMS = ", ".join(f"SUM(CASE WHEN latency_bucket = {i} THEN 1 ELSE 0 END)" for i in range(COUNT))
LATS = ", ".join(f"lat_{i}" for i in range(COUNT))
ROLL_UP = f"""
INSERT INTO usage_hour (hour, connection_key, endpoint_key, user_key, model, requests, errors,
  input_tokens, output_tokens, cached_input_tokens, cost_pusd, unpriced, {LATS})
SELECT hour, connection_key, endpoint_key, user_key, model, COUNT(*),
  SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(input_tokens), SUM(output_tokens),
  SUM(cached_input_tokens), COALESCE(SUM(cost_pusd), 0),
  SUM(CASE WHEN cost_pusd IS NULL THEN 1 ELSE 0 END), {SUMS}
FROM gateway_call GROUP BY hour, connection_key, endpoint_key, user_key, model
"""
FLOOR = """SELECT connection_key, started_ms / 86400000 AS day, COUNT(*) AS requests,
  SUM(input_tokens) AS input_tokens, SUM(cost_pusd) AS cost FROM gateway_call
  WHERE started_ms >= {} GROUP BY connection_key, started_ms / 86400000"""
QUERY = """query($from: DateTime) { usage(groupBy: [CONNECTION, DAY], filter: {from: $from}) {
  connectionId day requests errors inputTokens outputTokens latencyP50Ms latencyP95Ms
  costUsd unpricedRequests cachedInputTokens } }"""
BY_DAY = """query($from: DateTime) { usage(groupBy: [DAY], filter: {from: $from}) {
  day requests inputTokens outputTokens costUsd unpricedRequests cachedInputTokens } }"""


async def timed(work: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await work()
    return (time.perf_counter() - started) * 1000, result


async def measure(records: int) -> None:
    async with bench_app(SWITCHBOARD_DATABASE_TIMEOUT="300") as (_, client):  # loading 1M rows
        now = int(time.time() * 1000)
        started = time.perf_counter()
        await GatewayCall.raw(GENERATE.format(now=now, day=DAY_MS, n=records))
        await GatewayCall.raw(ROLL_UP)
        await GatewayCall.raw("ANALYZE")
        hourly = (await GatewayCall.raw("SELECT COUNT(*) AS n FROM usage_hour"))[0]["n"]
        print(
            f"{records:,} calls and {hourly:,} hourly rows written in "
            f"{time.perf_counter() - started:.0f} s"
        )
        since = now - 30 * DAY_MS
        query = UsageQuery(from_ms=since)
        variables = {"from": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(since / 1000))}
        kinds = {
            "GraphQL usage(groupBy: [DAY]) with costUsd": lambda: graphql(
                client, BY_DAY, variables
            ),
            "GraphQL usage(groupBy: [CONNECTION, DAY])": lambda: graphql(client, QUERY, variables),
            "app.usage.queries directly": lambda: usage_buckets(
                query, [Dimension.CONNECTION, Dimension.DAY]
            ),
            "floor: one GROUP BY over the raw rows": lambda: GatewayCall.raw(FLOOR, since),
        }
        times: dict[str, list[float]] = {k: [] for k in kinds}
        answers: dict[str, Any] = {}
        for _ in range(10):
            for name, work in kinds.items():
                elapsed, answers[name] = await timed(work)
                times[name].append(elapsed)
        floor = statistics.median(times["floor: one GROUP BY over the raw rows"])
        for name, values in times.items():
            p50 = statistics.median(values)
            print(f"  {name:45} p50 {p50:7.1f} ms  ({p50 / floor:.2f}x the floor)")
        print("  goal: GraphQL under 300 ms")
        _check(answers)


def _check(answers: dict[str, Any]) -> None:
    """The buckets equal the raw rows' counts, day by day (the edge hours included)."""
    raw = {
        (r["connection_key"], int(r["day"])): int(r["requests"])
        for r in answers["floor: one GROUP BY over the raw rows"]
    }
    ours = {
        (b.values[Dimension.CONNECTION], int(b.values[Dimension.DAY])): b.requests
        for b in answers["app.usage.queries directly"]
    }
    assert ours == raw, "the hourly counts and the raw rows disagree"
    raw_cost = sum(int(r["cost"] or 0) for r in answers["floor: one GROUP BY over the raw rows"])
    ours_cost = sum(b.cost_pusd for b in answers["app.usage.queries directly"])
    assert ours_cost == raw_cost, "the hourly costs and the raw rows disagree"
    served = answers["GraphQL usage(groupBy: [CONNECTION, DAY])"]["usage"]
    assert sum(b["requests"] for b in served) == sum(raw.values())
    print(f"  checked: {len(ours)} buckets, {sum(raw.values()):,} calls, equal to the raw rows")


def main(records: int) -> None:
    with scratch_postgres() as url:
        if url is None:
            print("usage_query: skipped, no PostgreSQL server")
            return
        os.environ["BENCH_DATABASE_URL"] = url
        asyncio.run(measure(records))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
