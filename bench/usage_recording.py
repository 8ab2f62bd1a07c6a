"""Whether a burst of gateway calls is recorded whole (what recording costs a call is measured
in bench.gateway).

make bench          (or: .venv/bin/python -m bench.usage_recording [calls])

A burst of 10,000 calls from 32 concurrent clients through a recording `serve`, on SQLite and on
PostgreSQL (a scratch database, dropped after): how many records `usage` counts, how long after
the last answer they were all written, and whether the log reports drops.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time

import httpx

from bench.gateway import BODY, Upstream, _setup
from bench.serving import PG_SERVER, scratch_postgres, serving
from tests.serving import ADMIN

TOTAL = """{ usage(groupBy: []) { requests } }"""


def recorded(port: int) -> int:
    answer = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": TOTAL},
        headers={"Authorization": f"Bearer {ADMIN}"},
    ).json()
    buckets = answer["data"]["usage"]
    return buckets[0]["requests"] if buckets else 0


async def burst(port: int, token: str, calls: int, clients: int = 32) -> float:
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    headers = {"Authorization": f"Bearer {token}"}
    remaining = calls
    started = time.perf_counter()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients)) as client:

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                response = await client.post(url, json=BODY, headers=headers)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - started


def burst_on(label: str, url: str, fake: Upstream, calls: int) -> None:
    with tempfile.TemporaryFile(mode="w+") as log, serving(url, log) as (port, _process):
        token = _setup(port, fake)
        seconds = asyncio.run(burst(port, token, calls))
        answered = time.perf_counter()
        count = recorded(port)
        while count < calls and time.perf_counter() - answered < 60:
            time.sleep(0.1)
            count = recorded(port)
        lag = time.perf_counter() - answered
        log.seek(0)
        dropped = "dropped" in log.read()
    print(
        f"{label}: {calls} calls in {seconds:.1f} s ({calls / seconds:.0f}/s); usage counts "
        f"{count} ({count / calls:.0%}), all written {lag:.2f} s after the last answer; "
        f"drops logged: {'yes' if dropped else 'none'}"
    )


def main(calls: int) -> None:
    fake = Upstream()
    try:
        with tempfile.TemporaryDirectory() as folder:
            burst_on("SQLite", f"sqlite:///{folder}/burst.sqlite3", fake, calls)
        with scratch_postgres() as url:
            if url is None:
                print("PostgreSQL: skipped, no server at", PG_SERVER)
            else:
                burst_on("PostgreSQL", url, fake, calls)
    finally:
        fake.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
