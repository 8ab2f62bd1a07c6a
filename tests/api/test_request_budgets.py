"""Over HTTP as a MEMBER token would try it: every hostile document is refused quickly with the
budget it broke while /health keeps answering; big but fair requests are served, just as fast."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

import httpx
import pytest

from tests.hostile import BUDGETED, CYCLES, DEEP_INTROSPECTION, FAN_OUT, VARIABLES
from tests.support import insert_plain_connections

pytestmark = pytest.mark.db

ANSWER_SECONDS = 2.0  # what the issue allows a refusal; they take ~5-40 ms (`make bench`)
# /health latency while a hostile request is handled. The event loop is blocked only for the
# gate's few milliseconds; 100 ms is the target, this allows for a shared, noisy machine.
HEALTH_SECONDS = 0.25
# While the largest admitted answer is built (3,000 rows, ~0.5 s of work), /health waits for the
# event loop's pauses (~50 ms each, `make bench`); the bound is the issue's own: under 0.5 s.
HEALTH_SECONDS_SERVING = 0.5


@asynccontextmanager
async def health_watch(http: httpx.AsyncClient) -> AsyncIterator[list[float]]:
    """Polls /health all along; yields the latencies seen (every answer must be 200)."""
    latencies: list[float] = []
    done = asyncio.Event()

    async def poll() -> None:
        while not done.is_set():
            started = time.perf_counter()
            response = await http.get("/health")
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200
            await asyncio.sleep(0.002)

    task = asyncio.create_task(poll())
    await asyncio.sleep(0.01)  # let it take a first sample
    try:
        yield latencies
    finally:
        done.set()
        await task


async def watched(
    http: httpx.AsyncClient, send: Callable[[], Awaitable[httpx.Response]], bound: float
) -> tuple[httpx.Response, float, float]:
    """(response, seconds, worst /health latency) of `send()` while /health is polled. A run
    whose /health goes over `bound` is measured once more: one stall of this shared machine is
    not the service's, while a real regression fails both runs."""
    for attempt in range(2):
        async with health_watch(http) as latencies:
            started = time.perf_counter()
            response = await send()
            seconds = time.perf_counter() - started
        if max(latencies) < bound or attempt == 1:
            return response, seconds, max(latencies)
    raise AssertionError("unreachable")


async def timed(member, query: str, variables: dict | None = None) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await member.raw(query, variables)
    return response, time.perf_counter() - started


def _hostile() -> dict[str, tuple[str, str]]:
    cases = {name: (query, "max_fields") for name, query in FAN_OUT.items()}
    cases.update({name: (query, "cycle") for name, (query, _) in CYCLES.items()})
    cases["introspection nested 4 lists deep"] = (DEEP_INTROSPECTION, "introspection")
    cases.update(BUDGETED)
    return cases


HOSTILE = _hostile()


@pytest.mark.parametrize("name", HOSTILE)
async def test_hostile_documents_are_refused_fast_while_health_answers(member, name):
    query, budget = HOSTILE[name]
    send = partial(member.raw, query, VARIABLES)
    response, seconds, health = await watched(member.http, send, HEALTH_SECONDS)
    assert seconds < ANSWER_SECONDS
    assert health < HEALTH_SECONDS, f"/health took {health:.3f} s"
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    if budget == "cycle":
        assert "within itself" in error["message"]
    elif budget == "introspection":
        assert "introspection depth" in error["message"]
    else:
        assert error["extensions"]["budget"] == budget
        assert error["extensions"]["actual"] > error["extensions"]["limit"]
        assert f"{budget} budget" in error["message"] and "over by" in error["message"]
    assert (await member("{ viewer { name } }"))["viewer"]["name"] == "mia", "it serves on"


async def test_the_largest_admitted_answer_is_served_without_stalling(member, admin):
    await insert_plain_connections(500)
    query = (
        "{ "
        + " ".join(f"a{i}: connections(first: 500) {{ nodes {{ id name }} }}" for i in range(6))
        + " }"
    )
    send = partial(admin.raw, query)
    response, seconds, health = await watched(member.http, send, HEALTH_SECONDS_SERVING)
    body = response.json()
    assert "errors" not in body, body.get("errors")
    assert all(len(body["data"][f"a{i}"]["nodes"]) == 500 for i in range(6))
    assert seconds < ANSWER_SECONDS, f"{seconds:.2f} s for 3,000 rows"
    assert health < HEALTH_SECONDS_SERVING, f"/health took {health:.3f} s"


async def test_deep_or_huge_variables_are_refused_or_answered_cleanly(member, admin):
    deep: dict = {}
    inner = deep
    for _ in range(100):
        inner["a"] = {}
        inner = inner["a"]
    create = "mutation($input: CreateConnectionInput!) { createConnection(input: $input) { userErrors { field code } } }"
    response, seconds = await timed(member, create, {"input": deep})
    assert response.status_code == 400 and seconds < ANSWER_SECONDS
    assert "max_json_depth budget" in response.json()["errors"][0]["message"]

    within: dict = {"name": "x", "provider": "OLLAMA"}
    inner = within
    for _ in range(25):  # 50 deep: within max_json_depth; the schema has no such field
        inner["config"] = {"nested": {}}
        inner = inner["config"]["nested"]
    response, seconds = await timed(admin, create, {"input": within})
    assert response.status_code == 200 and seconds < ANSWER_SECONDS
    body = response.json()
    problems = body.get("errors") or body["data"]["createConnection"]["userErrors"]
    assert problems, "a clear answer about the input, not a crash"

    many = {
        "name": "many",
        "provider": "OPENAI_COMPATIBLE",
        "baseUrl": "http://127.0.0.1:9/v1",
        "modelIds": [f"m{i}" for i in range(20_000)],
    }
    response, seconds = await timed(admin, create, {"input": many})
    assert response.status_code == 200 and seconds < ANSWER_SECONDS
    errors = response.json()["data"]["createConnection"]["userErrors"]
    assert errors and errors[0]["field"][-1] == "modelIds"

    huge = {**many, "modelIds": ["m"] * 200_000}  # past the body budget
    response = await admin.http.post(
        "/graphql",
        json={"query": create, "variables": {"input": huge}},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert (
        response.status_code == 413
        and response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    )


ADMITTED = {
    "a 60 KB string literal": ('{ connection(name: "' + "x" * 60_000 + '") { id } }', None),
    "1,900 tags in a list literal": (
        'mutation { createConnection(input: {name: "t", provider: OLLAMA, tags: ['
        + ", ".join(['"a"'] * 1900)
        + "]}) { userErrors { field code } } }",
        None,
    ),
    "20 operations, one named": (
        "\n".join(f"query Q{i} {{ viewer {{ name }} }}" for i in range(20)),
        "Q7",
    ),
}


@pytest.mark.parametrize("name", ADMITTED)
async def test_big_documents_within_budget_are_answered_fast(admin, name):
    query, operation = ADMITTED[name]
    send = partial(
        admin.http.post,
        "/graphql",
        json={"query": query, "operationName": operation},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    response, seconds, health = await watched(admin.http, send, HEALTH_SECONDS)
    assert response.status_code == 200 and seconds < ANSWER_SECONDS
    assert health < HEALTH_SECONDS, f"/health took {health:.3f} s"
    body = response.json()
    assert not any(
        e["extensions"].get("budget") for e in body.get("errors", []) if "extensions" in e
    )
    assert body.get("data") is not None


async def test_one_request_runs_at_most_its_share_of_statements_at_once(admin):
    """Ten root fields that each query the database: without a per-request cap they would
    hold ten pooled connections at once, and every other request would wait behind them."""
    from app.db.engine import STATEMENTS_PER_REQUEST
    from app.db.tables import LLMConnection

    await insert_plain_connections(20)
    engine = LLMConnection._meta.db
    engine.peak_in_flight = 0
    query = (
        "{ "
        + " ".join(
            f"a{i}: connections(first: 20) {{ totalCount nodes {{ id }} }}" for i in range(10)
        )
        + " }"
    )
    data = await admin(query)
    assert all(data[f"a{i}"]["totalCount"] == 20 for i in range(10))
    assert 1 < engine.peak_in_flight <= STATEMENTS_PER_REQUEST
