"""The hot read and the create, each against floors measured in the same run, interleaved, on
SQLite and on PostgreSQL (skipped when no server answers).

    make bench          (or: .venv/bin/python -m bench.hot_read [rounds])

- Page of 50 of 1,000 connections (~700 fields) over HTTP, against (a) graphql-core's `execute`
  of the same document in this process over the same answer as plain dicts, and (b) the
  hand-written JSON endpoint of bench/floor_serve.py on the same server (same auth, same SQL).
  Goals: at most 1.5x (a) and 3x (b). Also Switchboard's own `schema.execute` of the document
  in this process (no HTTP, no token check; its SQL included) against (a).
- `models(first: 50)` over 20,000 offerings (goal: under 20 ms), against graphql-core's execute
  of the same document over its answer.
- createConnection p50 and p99 (goal: p50 at most 3x /health's), interleaved with /health and
  the floor read; then
  16 clients creating at once: creates per second and p99 (goal: p99 at most 100 ms on SQLite).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import graphql
import httpx

from app.api.context import Context
from app.asgi import create_app, start, stop
from app.auth.service import authenticate
from app.db.tables import ConnectionModel
from app.db.versions import read_versions
from app.ids import uuid_of
from app.settings import load_settings
from bench.serving import scratch_postgres, serving
from tests.conftest import TEST_KEYRING
from tests.serving import ADMIN

ROOT = Path(__file__).resolve().parents[1]
PAGE = """query($first: Int) { connections(first: $first) {
  totalCount pageInfo { endCursor hasNextPage }
  nodes { id name description provider authMethod baseUrl apiKeyHint prefixId tags enabled
          isDefault createdAt updatedAt version } } }"""
CREATE = """mutation($input: CreateConnectionInput!) {
  createConnection(input: $input) { connection { id version } userErrors { code message } } }"""
CATALOG = """query($first: Int) { models(first: $first) {
  totalCount pageInfo { endCursor } nodes { modelId enabled offerings { upstreamId connection { name } } } } }"""
CLOSED_PORT = "http://127.0.0.1:9"  # discovery is refused at once: no network beyond loopback
HEADERS = {"Authorization": f"Bearer {ADMIN}"}
CLIENTS = 16


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def _create_input(n: int, tag: str) -> dict[str, Any]:
    return {
        "name": f"{tag}-{n:05d}",
        "provider": "OPENAI_COMPATIBLE",
        "baseUrl": CLOSED_PORT,
        "apiKey": f"sk-bench-{n:012d}",
        "tags": ["bench"],
    }


def _create(http: httpx.Client, n: int, tag: str) -> None:
    body = {"query": CREATE, "variables": {"input": _create_input(n, tag)}}
    answer = http.post("/graphql", json=body).json()
    assert answer["data"]["createConnection"]["userErrors"] == [], answer


class InProcess:
    """Switchboard's app in this process on the server's database: its schema executes a
    document as /graphql does after the token check, without HTTP."""

    def __init__(self, url: str) -> None:
        self.runner = asyncio.Runner()
        self.app = create_app(load_settings({"DATABASE_URL": url}), TEST_KEYRING)
        self.runner.run(start(self.app))

    def execute(self, document: str, variables: dict[str, Any]) -> Any:
        return self.runner.run(self._execute(document, variables))

    async def _execute(self, document: str, variables: dict[str, Any]) -> Any:
        versions = await read_versions()
        viewer = await authenticate(ADMIN, versions.auth)
        assert viewer is not None
        context = Context(
            viewer=viewer,
            services=self.app.state.services,
            cache_version=versions.auth,
            catalog_version=versions.catalog,
        )
        result = await self.app.state.schema.execute(
            document, variable_values=variables, context_value=context
        )
        assert not result.errors, result.errors
        return result.data

    def seed_catalog(self, connection_ids: list[str], per: int) -> None:
        async def insert() -> None:
            for c, global_id in enumerate(connection_ids):
                rows = [
                    ConnectionModel(
                        connection=uuid_of(global_id, "LLMConnection"),
                        upstream_id=(f"shared-{i:05d}" if i % 2 else f"own-{c:02d}-{i:05d}"),
                        exposed_id=(f"shared-{i:05d}" if i % 2 else f"own-{c:02d}-{i:05d}"),
                        source="DISCOVERED",
                    )
                    for i in range(per)
                ]
                await ConnectionModel.insert(*rows)

        self.runner.run(insert())

    def close(self) -> None:
        self.runner.run(stop(self.app))
        self.runner.close()


def _against_core(
    http: httpx.Client, document: str, variables: dict[str, Any], rounds: int
) -> tuple[list[float], list[float], Any]:
    """Interleaved: the document over HTTP, and graphql-core executing it over its answer."""
    body = {"query": document, "variables": variables}
    answer = http.post("/graphql", json=body).json()
    assert "errors" not in answer, answer
    schema = graphql.build_schema((ROOT / "schema.graphql").read_text())
    parsed = graphql.parse(document)
    data = answer["data"]
    again = graphql.execute(schema, parsed, root_value=data, variable_values=variables)
    assert again.errors is None and again.data == data, again.errors  # type: ignore[union-attr]
    ours, core = [], []
    for _ in range(rounds):
        ours.append(_timed(lambda: http.post("/graphql", json=body))[0])
        core.append(
            _timed(lambda: graphql.execute(schema, parsed, root_value=data, variable_values={}))[0]
        )
    return ours, core, data


def page_read(http: httpx.Client, here: InProcess, rounds: int) -> None:
    body = {"query": PAGE, "variables": {"first": 50}}
    answer = http.post("/graphql", json=body).json()
    assert "errors" not in answer, answer
    floor_answer = http.get("/floor/connections", params={"first": 50}).json()
    answer.pop("extensions")  # the cost gate's figures (issue 24): the floor has no gate
    assert floor_answer == answer, "the floor must answer exactly what GraphQL answers"
    schema = graphql.build_schema((ROOT / "schema.graphql").read_text())
    document = graphql.parse(PAGE)
    data = answer["data"]
    in_process = graphql.execute(schema, document, root_value=data, variable_values={"first": 50})
    assert in_process.errors is None and in_process.data == data, in_process.errors  # type: ignore[union-attr]
    ours, floor, core, inside = [], [], [], []
    for _ in range(rounds):
        ours.append(_timed(lambda: http.post("/graphql", json=body))[0])
        floor.append(_timed(lambda: http.get("/floor/connections", params={"first": 50}))[0])
        core.append(
            _timed(lambda: graphql.execute(schema, document, root_value=data, variable_values={}))[
                0
            ]
        )
        inside.append(_timed(lambda: here.execute(PAGE, {"first": 50}))[0])
    p50 = statistics.median
    print(
        f"  page of 50 of 1,000: GraphQL p50 {p50(ours):.2f} ms | "
        f"graphql-core execute in-process {p50(core):.2f} ms -> {p50(ours) / p50(core):.2f}x "
        f"(goal <= 1.5x) | hand-written endpoint {p50(floor):.2f} ms -> "
        f"{p50(ours) / p50(floor):.2f}x (goal <= 3x)"
    )
    print(
        f"    in-process: Switchboard's schema.execute (its SQL included) {p50(inside):.2f} ms"
        f" -> {p50(inside) / p50(core):.2f}x graphql-core's over the finished answer; the"
        f" hand-written endpoint alone is {p50(floor) / p50(core):.2f}x it"
    )


def catalog(http: httpx.Client, here: InProcess, rounds: int) -> None:
    ids = []
    for c in range(25):  # 50 models of 25 offerings each: within the cost gate's budget
        body = {"query": CREATE, "variables": {"input": {**_create_input(c, "cat"), "tags": []}}}
        answer = http.post("/graphql", json=body).json()
        ids.append(answer["data"]["createConnection"]["connection"]["id"])
    here.seed_catalog(ids, 800)
    ours, core, data = _against_core(http, CATALOG, {"first": 50}, rounds)
    p50 = statistics.median
    print(
        f"  models(first: 50) over 20,000 offerings ({data['models']['totalCount']} models):"
        f" p50 {p50(ours):.2f} ms (goal < 20 ms), p99 {_pct(ours, 0.99):.2f} ms;"
        f" graphql-core execute over its answer {p50(core):.2f} ms -> {p50(ours) / p50(core):.2f}x"
    )


def creates(http: httpx.Client, rounds: int) -> None:
    made, floor, health = [], [], []
    for n in range(rounds):
        made.append(_timed(lambda n=n: _create(http, n, "one"))[0])
        floor.append(_timed(lambda: http.get("/floor/connections", params={"first": 1}))[0])
        health.append(_timed(lambda: http.get("/health"))[0])
    p50 = statistics.median(made)
    print(
        f"  createConnection: p50 {p50:.2f} ms, p99 {_pct(made, 0.99):.2f} ms; "
        f"{p50 / statistics.median(health):.1f}x /health's p50 (goal <= 3x), "
        f"{p50 / statistics.median(floor):.1f}x the floor read (auth + one small page)"
    )


async def _many(port: int, seconds: float, creating: bool) -> tuple[int, list[float]]:
    """CLIENTS clients at once for `seconds`: each creating connections, or asking /health."""
    timings: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=CLIENTS)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, headers=HEADERS, limits=limits) as http:

        async def client(c: int) -> None:
            n = 0
            while time.perf_counter() < deadline:
                body = {"query": CREATE, "variables": {"input": _create_input(n, f"c{c}")}}
                started = time.perf_counter()
                if creating:
                    answer = (await http.post("/graphql", json=body, timeout=60)).json()
                    assert answer["data"]["createConnection"]["userErrors"] == [], answer
                else:
                    (await http.get("/health", timeout=60)).raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
                n += 1

        began = time.perf_counter()
        await asyncio.gather(*(client(c) for c in range(CLIENTS)))
        return int(len(timings) / (time.perf_counter() - began)), timings


def concurrent_creates(port: int, seconds: float = 4) -> None:
    """Against the floor of the same clients asking /health at once, just before."""
    health_rate, health = asyncio.run(_many(port, seconds / 2, creating=False))
    rate, timings = asyncio.run(_many(port, seconds, creating=True))
    p99 = _pct(timings, 0.99)
    print(
        f"  {CLIENTS} clients creating for {seconds:g} s: {rate} creates/s, "
        f"p50 {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms "
        f"(goal on SQLite: p99 <= 100 ms); {p99 / _pct(health, 0.99):.1f}x the p99 of "
        f"{CLIENTS} clients asking /health at once ({_pct(health, 0.99):.1f} ms, "
        f"{health_rate} answers/s)"
    )


def on(label: str, url: str, rounds: int) -> None:
    print(f"-- {label}")
    unlimited = {"SWITCHBOARD_RATE_LIMIT_MUTATIONS": "1000000"}  # a benchmark, not abuse
    with (
        tempfile.TemporaryFile(mode="w+") as log,
        serving(url, log, ("bench.floor_serve",), **unlimited) as (port, _),
    ):
        here = InProcess(url)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS) as http:
                for n in range(1000):
                    _create(http, n, "conn")
                for _ in range(20):  # warm-up: caches, pools, allocator
                    http.post("/graphql", json={"query": PAGE, "variables": {"first": 50}})
                    here.execute(PAGE, {"first": 50})
                page_read(http, here, rounds)
                creates(http, rounds)
                concurrent_creates(port)
                catalog(http, here, rounds)
        finally:
            here.close()


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        on("SQLite", f"sqlite:///{folder}/bench.sqlite3", rounds)
    with scratch_postgres() as url:
        if url is None:
            print("-- PostgreSQL: no server answered; skipped")
        else:
            on("PostgreSQL", url, rounds)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
