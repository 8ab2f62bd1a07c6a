"""What the worst upstreams cost the process: /health/live's latency, sampled while hostile
upstreams answer gateway calls, against the same samples with the gateway idle (the floor,
measured in the same run), and the CPU each hostile call costs `serve`.

make bench          (or: .venv/bin/python -m bench.hostile_upstreams [calls])

The upstreams: one stream event of 8 MB (never ending: cut at the 4 MiB cap), a whole answer of
60 MB (read, its usage found, passed on), and a stream of 20,000 small events.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.gateway import _cpu_seconds
from bench.serving import serving
from tests.fakes.providers import FAKES
from tests.serving import ADMIN

CREATE = """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  userErrors { message } } }"""
SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"


def huge_event(out: Any) -> None:
    out.write(SSE_HEAD + b'data: {"choices": [], "pad": "')
    for _ in range(8 * 16):
        out.write(b"x" * 65536)


def huge_answer(out: Any) -> None:
    pad = b"x" * (60 * 1024 * 1024)
    tail = b'", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4}}'
    body = b'{"id": "c", "object": "chat.completion", "pad": "' + pad + tail
    out.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
    out.write(b"content-length: %d\r\n\r\n" % len(body) + body)


def many_events(out: Any) -> None:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"content": "x"}}],
    }
    event = b"data: " + json.dumps(chunk).encode() + b"\n\n"
    out.write(SSE_HEAD + event * 20_000 + b"data: [DONE]\n\n")


SCENARIOS: dict[str, tuple[Callable[[Any], None], bool]] = {
    "one 8 MB stream event": (huge_event, True),
    "a 60 MB whole answer": (huge_answer, False),
    "20,000 stream events": (many_events, True),
}


SAMPLER = """
import json, sys, time, httpx
samples, until = [], time.monotonic() + float(sys.argv[2])
with httpx.Client(base_url=sys.argv[1]) as client:
    while time.monotonic() < until:
        started = time.perf_counter()
        client.get("/health/live")
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
print(json.dumps(samples))
"""


def _sample_live(base: str, seconds: float) -> subprocess.Popen[str]:
    """/health/live sampled by a process of its own, so this one's work cannot delay it."""
    command = [sys.executable, "-c", SAMPLER, base, str(seconds)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


async def _calls(base: str, stream: bool, calls: int) -> None:
    body = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}], "stream": stream}
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def one() -> None:
            response = await client.post("/v1/chat/completions", json=body, headers=headers)
            assert response.status_code in (200, 502), response.status_code

        await asyncio.gather(*(one() for _ in range(calls)))


def _run(base: str, work: Callable[[], Any], seconds: float) -> list[float]:
    sampler = _sample_live(base, seconds)
    time.sleep(0.3)  # the sampler is up
    asyncio.run(work())
    output, _ = sampler.communicate(timeout=seconds + 30)
    samples: list[float] = json.loads(output)
    return samples


def _line(name: str, samples: list[float], floor: list[float], cpu: float | None = None) -> str:
    p50, worst = statistics.median(samples), max(samples)
    ratio = p50 / statistics.median(floor)
    cost = f", serve's CPU {cpu:.2f} s a call" if cpu is not None else ""
    return f"  {name:24} /health/live p50 {p50:5.2f} ms ({ratio:.1f}x the floor), max {worst:6.1f} ms{cost}"


def main(calls: int) -> None:
    fake = FAKES["OPENAI_COMPATIBLE"](key="sk-bench-hostile-0000", models=["gpt-fake"])
    with (
        tempfile.TemporaryDirectory() as folder,
        tempfile.TemporaryFile(mode="w+") as log,
        serving(f"sqlite:///{folder}/hostile.sqlite3", log) as (port, process),
    ):
        base = f"http://127.0.0.1:{port}"
        fields = {
            "name": "hostile",
            "provider": "OPENAI_COMPATIBLE",
            "baseUrl": fake.url,
            "apiKey": fake.key,
        }
        made = httpx.post(
            f"{base}/graphql",
            json={"query": CREATE, "variables": {"input": fields}},
            headers={"Authorization": f"Bearer {ADMIN}"},
        ).json()
        assert made["data"]["createConnection"]["userErrors"] == [], made
        print(f"{calls} concurrent hostile calls per scenario; floor: the gateway idle (same run)")
        for name, (script, stream) in SCENARIOS.items():
            floor = _run(base, lambda: asyncio.sleep(2), 2.5)
            fake.script = script
            cpu = _cpu_seconds(process.pid)
            samples = _run(base, lambda s=stream: _calls(base, s, calls), 4)
            used = (_cpu_seconds(process.pid) - cpu) / calls
            print(_line("idle (floor)", floor, floor))
            print(_line(name, samples, floor, used))
    fake.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
