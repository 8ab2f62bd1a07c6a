"""Over a real socket: a stream reaches the caller event by event as the provider sends it,
and a caller that goes away closes the upstream call."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time

import httpx
import pytest

from tests.serving import post_graphql, start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

CREATE = """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  connection { id } userErrors { message } } }"""
TOKEN = """mutation { createApiToken(input: {name: "app", role: CALLER}) { token } }"""


def _setup(port: int, fake) -> str:
    fields = {
        "name": "main",
        "provider": "OPENAI_COMPATIBLE",
        "baseUrl": fake.url,
        "apiKey": fake.key,
    }
    made = post_graphql(port, CREATE, {"input": fields}).json()["data"]["createConnection"]
    assert made["userErrors"] == []
    return post_graphql(port, TOKEN, {}).json()["data"]["createApiToken"]["token"]


def _stream_request(words: int) -> dict:
    text = " ".join(f"w{i}" for i in range(words))
    return {"model": "gpt-fake", "stream": True, "messages": [{"role": "user", "content": text}]}


@pytest.fixture
def served(database_url, clean_db, fake):
    provider = fake("OPENAI_COMPATIBLE", key="sk-S3CR3T-socket-upstream", models=["gpt-fake"])
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(database_url, port, log)
        try:
            wait_healthy(port, process)
            token = _setup(port, provider)
            yield port, token, provider
        finally:
            process.kill()
            process.wait(timeout=10)


async def test_a_stream_arrives_event_by_event(served):
    port, token, provider = served
    provider.event_delay = 0.25
    arrivals: list[float] = []
    started = time.monotonic()
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream(
            "POST",
            f"http://127.0.0.1:{port}/v1/chat/completions",
            json=_stream_request(4),
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                arrivals.append(time.monotonic() - started)
    # 8 events (role, "echo:", 4 words, finish, [DONE]) sent 0.25 s apart: a buffered answer
    # would arrive all at once at the end.
    assert len(arrivals) == 8
    assert arrivals[0] < 1.0, arrivals
    assert arrivals[-1] - arrivals[0] > 1.0, arrivals


async def test_a_caller_that_goes_away_closes_the_upstream_call(served):
    port, token, provider = served
    provider.event_delay = 0.2
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream(
            "POST",
            f"http://127.0.0.1:{port}/v1/chat/completions",
            json=_stream_request(200),  # about 40 s of events
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                json.loads(line[5:])
                break  # leave after the first event
    deadline = time.monotonic() + 10
    while provider.streams_cut == 0 and time.monotonic() < deadline:  # noqa: ASYNC110 (a thread)
        await asyncio.sleep(0.1)
    assert provider.streams_cut == 1, "the provider was still streaming to nobody"
