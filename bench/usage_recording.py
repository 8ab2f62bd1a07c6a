"""What recording gateway calls costs, and whether a burst is recorded whole.

make bench          (or: .venv/bin/python -m bench.usage_recording [calls])

1. The same completion through two `serve` processes on one loopback provider, one recording
   usage and one not (SWITCHBOARD_USAGE_RECORDING=false), interleaved call by call: the p50 of
   each and of the per-call difference.
2. A burst of 10,000 calls from 32 concurrent clients through a recording `serve`, on SQLite and
   on PostgreSQL (a scratch database, dropped after): how many records `usage` counts, how long
   after the last answer they were all written, and how many were dropped.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import asyncpg
import httpx

from bench.gateway import BODY, Upstream, _one, _setup
from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port

PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TOTAL = """{ usage(groupBy: []) { requests } }"""


@contextmanager
def serving(url: str, log: IO[str], **settings: str) -> Iterator[tuple[int, Any]]:
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
    )
    port = free_port()
    process = start_serve(url, port, log, SWITCHBOARD_LOG_LEVEL="WARNING", **settings)
    try:
        wait_healthy(port, process)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def recorded(port: int) -> int:
    answer = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": TOTAL},
        headers={"Authorization": f"Bearer {ADMIN}"},
    ).json()
    buckets = answer["data"]["usage"]
    return buckets[0]["requests"] if buckets else 0


async def interleaved(ports: tuple[int, int], tokens: tuple[str, str], calls: int) -> None:
    targets = [
        (f"http://127.0.0.1:{port}/v1/chat/completions", {"Authorization": f"Bearer {token}"})
        for port, token in zip(ports, tokens, strict=True)
    ]
    async with httpx.AsyncClient() as client:
        for url, headers in targets:
            for _ in range(20):
                await _one(client, url, headers)
        pairs = [
            (await _one(client, *targets[0]), await _one(client, *targets[1])) for _ in range(calls)
        ]
    on, off = [p[0] for p in pairs], [p[1] for p in pairs]
    added = statistics.median(a - b for a, b in pairs)
    print(f"recording on {statistics.median(on):.2f} ms p50, off {statistics.median(off):.2f}")
    print(f"  added by recording, median of {calls} per-call differences: {added:+.3f} ms")


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
        with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile(mode="w+") as log:
            on_url, off_url = f"sqlite:///{folder}/on.sqlite3", f"sqlite:///{folder}/off.sqlite3"
            with (
                serving(on_url, log) as (on, _),
                serving(off_url, log, SWITCHBOARD_USAGE_RECORDING="false") as (off, _),
            ):
                tokens = (_setup(on, fake), _setup(off, fake))
                asyncio.run(interleaved((on, off), tokens, 400))
            burst_on("SQLite", f"sqlite:///{folder}/burst.sqlite3", fake, calls)
        with scratch_postgres() as url:
            if url is None:
                print("PostgreSQL: skipped, no server at", PG_SERVER)
            else:
                burst_on("PostgreSQL", url, fake, calls)
    finally:
        fake.close()


@contextmanager
def scratch_postgres() -> Iterator[str | None]:
    name = f"switchboard_bench_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(PG_SERVER)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        asyncio.run(admin(f"CREATE DATABASE {name}"))
    except (OSError, asyncpg.PostgresError):
        yield None
        return
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(admin(f"DROP DATABASE {name} WITH (FORCE)"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
