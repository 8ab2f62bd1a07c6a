"""What the gateway adds to a call: the same non-streaming chat completion sent to a loopback
provider directly and through Switchboard (a real `serve` on a socket), interleaved in one run.
The provider is bench/upstream.py under uvicorn: keep-alive and fast, as a real one is.

make bench          (or: .venv/bin/python -m bench.gateway [requests])

Prints p50/p99 of each at 1 client, the overhead (through minus direct, request by request),
throughput at 16 clients as a ratio to direct, and time to first byte of a stream; then the
same added p50 for the Responses API and Gemini's generateContent, passed through to a provider
that speaks them and translated to Chat Completions for one that does not.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.serving import serving
from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port

KEY = "sk-bench-upstream-key-0000"
ROUNDS = 3
BODY = {"model": "gpt-bench", "messages": [{"role": "user", "content": "hello there"}]}
CREATE = """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  userErrors { message } } }"""
TOKEN = """mutation { createApiToken(input: {name: "bench", role: CALLER}) { token } }"""


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def _one(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], body: dict[str, Any] = BODY
) -> float:
    started = time.perf_counter()
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return (time.perf_counter() - started) * 1000


async def _first_byte(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    async with client.stream("POST", url, json={**BODY, "stream": True}, headers=headers) as r:
        async for _ in r.aiter_raw():
            return (time.perf_counter() - started) * 1000
    raise AssertionError("no bytes")


async def _throughput(url: str, headers: dict[str, str], clients: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=clients)) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                await _one(client, url, headers)
                done += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return done / seconds


def _rss_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):  # noqa: SIM115 (Linux, one read)
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def stream_memory(port: int, token: str, pid: int) -> None:
    """Switchboard's resident memory before and after passing 50 MB of stream through."""
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    before = _rss_mb(pid)
    received = 0
    async with httpx.AsyncClient(timeout=120) as client:
        body = {**BODY, "stream": True, "big": True}
        headers = {"Authorization": f"Bearer {token}"}
        async with client.stream("POST", url, json=body, headers=headers) as response:
            assert response.status_code == 200, (await response.aread())[:300]
            async for chunk in response.aiter_raw():
                received += len(chunk)
    after = _rss_mb(pid)
    print(
        f"streamed {received / 1e6:.0f} MB through: Switchboard's memory {before:.0f} MB -> "
        f"{after:.0f} MB   (goal: flat)"
    )


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(port: int, token: str, fake: Upstream, requests: int, pid: int) -> None:
    direct = (f"{fake.url}/chat/completions", {"Authorization": f"Bearer {KEY}"})
    pinned = {"Authorization": f"Bearer {token}", "X-Switchboard-Connection": "bench"}
    through = (f"http://127.0.0.1:{port}/v1/chat/completions", pinned)
    async with httpx.AsyncClient() as client:
        for url, headers in (direct, through):  # warm both paths
            for _ in range(20):
                await _one(client, url, headers)
        cpu = _cpu_seconds(pid), _cpu_seconds(fake.process.pid)
        pairs = [
            (await _one(client, *direct), await _one(client, *through)) for _ in range(requests)
        ]
        ours = (_cpu_seconds(pid) - cpu[0]) / requests * 1000
        provider = (_cpu_seconds(fake.process.pid) - cpu[1]) / (2 * requests) * 1000
        firsts = [
            (await _first_byte(client, *direct), await _first_byte(client, *through))
            for _ in range(requests // 4)
        ]
    d, t = [p[0] for p in pairs], [p[1] for p in pairs]
    added = [b - a for a, b in pairs]
    print(f"1 client, {requests} interleaved calls (ms):")
    print(f"  direct   p50 {statistics.median(d):6.2f}  p99 {_percentile(d, 0.99):6.2f}")
    print(f"  through  p50 {statistics.median(t):6.2f}  p99 {_percentile(t, 0.99):6.2f}")
    p99_added = _percentile(t, 0.99) - _percentile(d, 0.99)
    print(
        f"  added    p50 {statistics.median(added):6.2f}  p99 {p99_added:6.2f}"
        "   (goal: p50 <= 1, p99 <= 3; p50: median of the per-call differences, p99: the two"
        " p99s' difference)"
    )
    print(f"  per-call differences at p99: {_percentile(added, 0.99):6.2f} (both sides' noise)")
    print(
        f"  CPU per call: Switchboard {ours:.2f} ms, the provider (a bare uvicorn app) "
        f"{provider:.2f} ms = {ours / provider:.1f}x"
    )
    ttfb = [b - a for a, b in firsts]
    print(f"  stream first byte added: p50 {statistics.median(ttfb):6.2f} ms   (goal: <= 1)")
    direct_rate = await _throughput(*direct, clients=16, seconds=3)
    through_rate = await _throughput(*through, clients=16, seconds=3)
    print(
        f"16 clients: direct {direct_rate:7.0f}/s, through {through_rate:7.0f}/s = "
        f"{through_rate / direct_rate:.0%} of direct   (goal: >= 70%)"
    )


RESPONSES_BODY = {"model": "gpt-bench", "input": "hello there", "store": False}
GEMINI_BODY = {"contents": [{"role": "user", "parts": [{"text": "hello there"}]}]}


async def other_routes(port: int, token: str, fake: Upstream, requests: int) -> None:
    """Added p50 of the Responses and Gemini routes, each against its own direct call: as is
    (to a provider that speaks it) and translated (to the Chat Completions provider, whose
    direct call is the floor then)."""
    here = f"http://127.0.0.1:{port}"
    bearer = {"Authorization": f"Bearer {token}"}
    chat = (f"{fake.url}/chat/completions", {"Authorization": f"Bearer {KEY}"}, BODY)
    gemini_url = "/v1beta/models/gpt-bench:generateContent"
    routes = {
        "responses, as is (OpenAI)": (
            (f"{fake.url}/responses", {"Authorization": f"Bearer {KEY}"}, RESPONSES_BODY),
            (
                f"{here}/v1/responses",
                {**bearer, "X-Switchboard-Connection": "bench-openai"},
                RESPONSES_BODY,
            ),
        ),
        "responses, translated to chat": (
            chat,
            (
                f"{here}/v1/responses",
                {**bearer, "X-Switchboard-Connection": "bench"},
                RESPONSES_BODY,
            ),
        ),
        "gemini, as is (Gemini)": (
            (f"{fake.origin}{gemini_url}", {"x-goog-api-key": KEY}, GEMINI_BODY),
            (
                f"{here}{gemini_url}",
                {"x-goog-api-key": token, "X-Switchboard-Connection": "bench-gemini"},
                GEMINI_BODY,
            ),
        ),
        "gemini, translated to chat": (
            chat,
            (
                f"{here}{gemini_url}",
                {"x-goog-api-key": token, "X-Switchboard-Connection": "bench"},
                GEMINI_BODY,
            ),
        ),
    }
    async with httpx.AsyncClient() as client:
        for direct, through in routes.values():  # warm every path
            for _ in range(20):
                await _one(client, *direct)
                await _one(client, *through)
        print(
            f"other routes, 1 client, {requests} interleaved calls each (ms; goal: added p50 <= 1):"
        )
        for label, (direct, through) in routes.items():
            pairs = [
                (await _one(client, *direct), await _one(client, *through)) for _ in range(requests)
            ]
            added = [b - a for a, b in pairs]
            floor = statistics.median(a for a, _ in pairs)
            print(
                f"  {label:32} direct p50 {floor:6.2f}  added p50 {statistics.median(added):6.2f}"
                f"  p99 {_percentile(added, 0.99):6.2f}"
            )


async def recording_cost(ports: tuple[int, int], tokens: tuple[str, str], calls: int) -> None:
    targets = [  # recording on, recording off
        (f"http://127.0.0.1:{port}/v1/chat/completions", {"Authorization": f"Bearer {token}"})
        for port, token in zip(ports, tokens, strict=True)
    ]
    async with httpx.AsyncClient() as client:
        for url, headers in targets:
            for _ in range(20):
                await _one(client, url, headers)
        pairs = []
        for n in range(calls):  # which goes first alternates, so order favours neither
            if n % 2:
                off_ms = await _one(client, *targets[1])
                pairs.append((await _one(client, *targets[0]), off_ms))
            else:
                pairs.append((await _one(client, *targets[0]), await _one(client, *targets[1])))
    on, off = [p[0] for p in pairs], [p[1] for p in pairs]
    added = statistics.median(a - b for a, b in pairs)
    print(
        f"recording on {statistics.median(on):.2f} ms p50, {_percentile(on, 0.99):.2f} p99;"
        f" off {statistics.median(off):.2f} p50, {_percentile(off, 0.99):.2f} p99"
    )
    print(f"  added by recording, median of {calls} per-call differences: {added:+.3f} ms")


def journal_cost(calls: int) -> None:
    """What journaling adds to a call: Recorder.add (the step on the answer's path) with the
    journal and without it, interleaved, on a real call's record."""
    from app.usage.journal import Journal
    from app.usage.recorder import Recorder
    from app.usage.trace import CallTrace

    row = CallTrace("chat/completions", token_id="t", model="gpt-bench").row()
    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(Path(folder))
        journal.open()
        plain, journaled = Recorder(capacity=10**9), Recorder(capacity=10**9, journal=journal)
        with_journal, without = [], []
        for _ in range(calls):
            for recorder, times in ((journaled, with_journal), (plain, without)):
                started = time.perf_counter()
                recorder.add(row)
                times.append((time.perf_counter() - started) * 1e6)
        journal.close()
    added = statistics.median(with_journal) - statistics.median(without)
    print(
        f"journal: Recorder.add p50 {statistics.median(with_journal):.1f} us with it,"
        f" {statistics.median(without):.1f} us without: {added:+.1f} us a call"
        f" ({added / 1000:.4f} ms; goal: <= 0.05 ms)"
    )


class Upstream:
    """bench/upstream.py in its own process; `url` and `key` as a fake's."""

    key = KEY

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.origin}/v1"
        self.process = subprocess.Popen([sys.executable, "-m", "bench.upstream", str(self.port)])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{self.url}/chat/completions", json=BODY, timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the bench upstream did not start")

    def close(self) -> None:
        self.process.kill()


def main(requests: int) -> None:
    fake = Upstream()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile(mode="w+") as log:
        url = f"sqlite:///{folder}/bench.sqlite3"
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"], check=True, env=env, capture_output=True
        )
        process = start_serve(
            url, port, log, SWITCHBOARD_LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "INFO")
        )
        try:
            wait_healthy(port, process)
            token = _setup(port, fake)
            for round_ in range(1, ROUNDS + 1):  # this machine is shared: show the spread
                print(f"-- round {round_} of {ROUNDS}")
                asyncio.run(measure(port, token, fake, requests, process.pid))
                asyncio.run(other_routes(port, token, fake, requests // 2))
            asyncio.run(stream_memory(port, token, process.pid))
            process.kill()
            print("-- what recording usage costs a call: two fresh serves, recording and not")
            on, off = f"sqlite:///{folder}/on.sqlite3", f"sqlite:///{folder}/off.sqlite3"
            with (
                serving(on, log) as (on_port, _),
                serving(off, log, SWITCHBOARD_USAGE_RECORDING="false") as (off_port, _),
            ):
                tokens = (_setup(on_port, fake), _setup(off_port, fake))
                asyncio.run(recording_cost((on_port, off_port), tokens, requests))
            journal_cost(20 * requests)
        finally:
            process.kill()
            fake.close()


def admin_gql(port: int, query: str, variables: dict[str, Any] | None = None) -> Any:
    """A GraphQL answer's data from a serve on `port`, as the admin."""
    response = httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    return response.json()["data"]


def _setup(port: int, fake: Upstream) -> str:
    def gql(query: str, variables: dict[str, Any] | None = None) -> Any:
        return admin_gql(port, query, variables)

    for fields in (
        {"name": "bench", "provider": "OPENAI_COMPATIBLE", "baseUrl": fake.url, "apiKey": KEY},
        {"name": "bench-openai", "provider": "OPENAI", "baseUrl": fake.url, "apiKey": KEY},
        {"name": "bench-gemini", "provider": "GEMINI", "baseUrl": fake.origin, "apiKey": KEY},
    ):
        assert gql(CREATE, {"input": fields})["createConnection"]["userErrors"] == []
    return gql(TOKEN)["createApiToken"]["token"]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
