"""Model refresh across many slow providers, and the merged catalog over 20,000 models.

    .venv/bin/python -m bench.refresh_and_catalog [connections] [delay_seconds]

Prints the wall time of refreshing N connections (each fake answers after the delay) against
refreshing one, the most requests ever in flight (must stay within the configured bound), and
the latency of `models` queries over a catalog of 20,000 offerings.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from typing import Any

from app.connections.inputs import ConnectionInput
from app.db.tables import ConnectionModel
from app.graphql.node import to_global_id
from app.providers.catalog import Provider
from bench.common import admin_caller, bench_app, graphql


def serve_fakes(count: int, delay: float, peak: Any, ports: Any, stop: Any) -> None:
    """Slow Ollama servers (GET /api/tags answers after `delay`) in their own process and event
    loop, so what is measured is Switchboard, not the fakes competing with it for the GIL."""
    asyncio.run(_serve_fakes(count, delay, peak, ports, stop))


async def _serve_fakes(count: int, delay: float, peak: Any, ports: Any, stop: Any) -> None:
    in_flight = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal in_flight
        while True:  # keep-alive: one request after another on this connection
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
                break
            in_flight += 1
            peak.value = max(peak.value, in_flight)
            await asyncio.sleep(delay)
            in_flight -= 1
            body = json.dumps(
                {"models": [{"name": "llama3", "model": "llama3", "size": 1}]}
            ).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0) for _ in range(count)]
    ports.send([server.sockets[0].getsockname()[1] for server in servers])
    await asyncio.to_thread(stop.wait)
    for server in servers:
        server.close()


REFRESH = "mutation($id: ID) { refreshModels(connectionId: $id) { results { ok } } }"


async def refresh_benchmark(app: Any, client: Any, count: int, delay: float, bound: int) -> None:
    peak, stop = multiprocessing.Value("i", 0), multiprocessing.Event()
    receive, send = multiprocessing.Pipe(duplex=False)
    farm = multiprocessing.Process(target=serve_fakes, args=(count, delay, peak, send, stop))
    farm.start()
    try:
        ids = await _connections_to(app, receive.recv())
        await graphql(client, "{ viewer { name } }")  # warm up: the first request parses the schema
        singles = []
        for connection_id in ids[:5]:
            started = time.perf_counter()
            await graphql(client, REFRESH, {"id": to_global_id("LLMConnection", connection_id)})
            singles.append(time.perf_counter() - started)
        single = statistics.median(singles)
        peak.value = 0
        runs = []
        for _ in range(3):  # the first opens every connection; later ones reuse them
            started = time.perf_counter()
            data = await graphql(client, REFRESH)
            runs.append(time.perf_counter() - started)
    finally:
        stop.set()
        farm.join()
    assert all(r["ok"] for r in data["refreshModels"]["results"])
    verdict = "respected" if peak.value <= bound else "EXCEEDED"
    print(
        f"refresh 1 connection:     {single * 1000:6.0f} ms  median of 5 (each fake answers after {delay * 1000:.0f} ms)"
    )
    cold, warm = runs[0], statistics.median(runs[1:])
    print(
        f"refresh {count} connections: {cold * 1000:6.0f} ms  = {cold / single:.2f}x one, opening every connection"
    )
    print(
        f"refresh {count} connections: {warm * 1000:6.0f} ms  = {warm / single:.2f}x one, connections kept alive (goal: under 1.5x)"
    )
    print(f"peak requests in flight:  {peak.value} (bound {bound}: {verdict})")


async def _connections_to(app: Any, ports: list[int]) -> list[Any]:
    service = app.state.services.connections
    ids = []
    for i, port in enumerate(ports):
        data = ConnectionInput(
            provider=Provider.OLLAMA, name=f"slow-{i:03d}", base_url=f"http://127.0.0.1:{port}"
        )
        ids.append((await service.create(admin_caller(), data, verify=False)).connection.id)
    return ids


CATALOG = """query($first: Int, $after: String, $filter: ModelFilter) {
  models(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { endCursor } nodes { modelId enabled offerings { upstreamId connection { name } } } } }"""


async def catalog_benchmark(
    app: Any, client: Any, total: int = 20_000, connections: int = 40
) -> None:
    service = app.state.services.connections
    per = total // connections
    for c in range(connections):
        # Discovery against a closed loopback port fails at once; the rows come below.
        data = ConnectionInput(
            provider=Provider.OLLAMA, name=f"cat-{c:02d}", base_url="http://127.0.0.1:9"
        )
        outcome = await service.create(admin_caller(), data, verify=False)
        cid = outcome.connection.id
        # Half the ids are shared by every connection (merged offerings), half are unique.
        rows = [
            ConnectionModel(
                connection=cid,
                upstream_id=(f"shared-{i:05d}" if i % 2 else f"own-{c:02d}-{i:05d}"),
                exposed_id=(f"shared-{i:05d}" if i % 2 else f"own-{c:02d}-{i:05d}"),
                source="DISCOVERED",
            )
            for i in range(per)
        ]
        for start in range(0, len(rows), 500):
            await ConnectionModel.insert(*rows[start : start + 500])
    print(f"catalog: {total} offerings on {connections} connections")
    for label, variables in (
        ("first page of 50", {"first": 50}),
        ("page of 500", {"first": 500}),
        ("search 'shared-0012'", {"first": 50, "filter": {"search": "shared-0012"}}),
    ):
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            data = await graphql(client, CATALOG, variables)
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"  models({label}): median {statistics.median(timings):6.1f} ms, "
            f"totalCount {data['models']['totalCount']}"
        )
    cursor = None
    started = time.perf_counter()
    pages = 0
    while True:
        data = await graphql(client, CATALOG, {"first": 500, "after": cursor})
        pages += 1
        cursor = data["models"]["pageInfo"]["endCursor"]
        if len(data["models"]["nodes"]) < 500:
            break
    print(
        f"  walking the whole catalog in pages of 500: {pages} pages in {time.perf_counter() - started:.2f} s"
    )


async def main(count: int, delay: float) -> None:
    for bound in (128, 16):  # the default bound, then a tight one to show it holds
        print(f"-- SWITCHBOARD_REFRESH_CONCURRENCY={bound}")
        settings = {
            "SWITCHBOARD_REFRESH_CONCURRENCY": str(bound),
            "SWITCHBOARD_PROVIDER_READ_TIMEOUT": "10",
        }
        async with bench_app(**settings) as (app, client):
            await refresh_benchmark(app, client, count, delay, bound)
    # Pages of 500 with their offerings are over the default result budget (10,000): an
    # operator serving such pages raises it, as here. The gate prices every model of a page at
    # the most offerings any model has (41 here), about 105,000 values a page of 500.
    async with bench_app(SWITCHBOARD_QUERY_MAX_RESULT_SIZE="250000") as (app, client):
        await catalog_benchmark(app, client)


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 100,
            float(sys.argv[2]) if len(sys.argv) > 2 else 0.2,
        )
    )
