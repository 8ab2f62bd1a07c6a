"""What one request may cost: the gate's verdicts, /health under attack, the largest answer.

make bench          (or: .venv/bin/python -m bench.request_budgets)

Every figure is a ratio to a floor measured in the same run, interleaved with it:
- the gate (parse with budgets + measure) on each hostile document, against graphql-core's own
  parse of GraphiQL's introspection query (what every client sends first);
- /health while hostile documents arrive back to back, against /health alone;
- the largest answer the budgets admit (6 pages of 500 rows), against one default page.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from graphql import get_introspection_query, parse

from app.api.schema import build_schema
from app.budgets import Budgets
from app.graphql.cost import measure, parse_document
from bench.common import bench_app
from tests.hostile import BUDGETED, CYCLES, FAN_OUT, VARIABLES
from tests.support import insert_plain_connections

ROUNDS = 7
INTROSPECTION = get_introspection_query(descriptions=True)


def _hostile() -> dict[str, str]:
    documents = dict(FAN_OUT)
    documents.update({name: query for name, (query, _) in CYCLES.items()})
    documents.update({name: query for name, (query, _) in BUDGETED.items()})
    return documents


def _timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    with contextlib.suppress(Exception):  # a refusal is the expected outcome
        run()
    return time.perf_counter() - started


def gate_verdicts() -> None:
    schema = build_schema()._schema
    budgets = Budgets()

    def gate(query: str) -> None:
        parse_document.cache_clear()
        measure(parse_document(query, budgets), schema, VARIABLES, budgets)

    floors: list[float] = []
    costs: dict[str, list[float]] = {name: [] for name in _hostile()}
    for _ in range(ROUNDS):
        for name, query in _hostile().items():
            floors.append(_timed(lambda: parse(INTROSPECTION)))
            costs[name].append(_timed(lambda q=query: gate(q)))  # type: ignore[misc]
    floor = statistics.median(floors)
    print(
        f"gate verdicts (floor: graphql-core parses GraphiQL's introspection query, {floor * 1000:.1f} ms)"
    )
    ranked = sorted(costs.items(), key=lambda item: -statistics.median(item[1]))
    for name, times in ranked:
        median = statistics.median(times)
        print(f"  {median / floor:5.1f}x floor  ({median * 1000:5.1f} ms)  {name}")
    worst, times = ranked[0]
    print(f"  worst: {worst!r} at {statistics.median(times) / floor:.1f}x the floor")


async def _health_latencies(client: httpx.AsyncClient, until: asyncio.Event) -> list[float]:
    latencies = []
    while not until.is_set():
        started = time.perf_counter()
        await client.get("/health")
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.002)
    return latencies


async def health_under_attack(client: httpx.AsyncClient) -> None:
    idle_done = asyncio.Event()
    idle = asyncio.create_task(_health_latencies(client, idle_done))
    await asyncio.sleep(1.0)
    idle_done.set()
    idle_latencies = await idle
    attack_done = asyncio.Event()
    watched = asyncio.create_task(_health_latencies(client, attack_done))
    answers = []
    for _ in range(3):
        for query in _hostile().values():
            started = time.perf_counter()
            await client.post("/graphql", json={"query": query, "variables": VARIABLES})
            answers.append(time.perf_counter() - started)
    attack_done.set()
    attacked = await watched
    floor = statistics.median(idle_latencies)
    print(
        f"/health while {len(answers)} hostile documents arrive (floor: idle /health, {floor * 1000:.1f} ms)"
    )
    print(
        f"  median {statistics.median(attacked) / floor:.1f}x, max {max(attacked) / floor:.1f}x "
        f"({max(attacked) * 1000:.0f} ms); slowest refusal {max(answers) / floor:.0f}x "
        f"({max(answers) * 1000:.0f} ms)"
    )


async def largest_answer(client: httpx.AsyncClient) -> None:
    await insert_plain_connections(500)
    page = "{ connections { nodes { id name } } }"
    pages = (
        "{ "
        + " ".join(f"a{i}: connections(first: 500) {{ nodes {{ id name }} }}" for i in range(6))
        + " }"
    )
    floors, largest, gaps = [], [], []
    for _ in range(ROUNDS):
        floors.append(await _answer_time(client, page))
        gap = _LoopGap()
        ticker = asyncio.create_task(gap.run())
        largest.append(await _answer_time(client, pages))
        gap.done = True
        await ticker
        gaps.append(gap.worst)
    floor = statistics.median(floors)
    print(
        f"the largest admitted answer, 6 x 500 rows (floor: one page of 50, {floor * 1000:.1f} ms)"
    )
    print(
        f"  {statistics.median(largest) / floor:.1f}x the floor; the event loop's longest pause "
        f"{statistics.median(gaps) / floor:.1f}x ({statistics.median(gaps) * 1000:.0f} ms)"
    )


async def _answer_time(client: httpx.AsyncClient, query: str) -> float:
    started = time.perf_counter()
    response = await client.post("/graphql", json={"query": query})
    assert "errors" not in response.json(), response.text[:300]
    return time.perf_counter() - started


class _LoopGap:
    def __init__(self) -> None:
        self.done = False
        self.worst = 0.0

    async def run(self) -> None:
        last = time.perf_counter()
        while not self.done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.worst, last = max(self.worst, now - last), now


async def main() -> None:
    gate_verdicts()
    async with bench_app() as (_, client):
        await health_under_attack(client)
        await largest_answer(client)


if __name__ == "__main__":
    asyncio.run(main())
