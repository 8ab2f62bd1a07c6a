"""Upstreams that misbehave on purpose (a member may point a personal connection at a server of
their own): one enormous event, a trickle, absurd token counts, a body cut short, garbage in a
translated stream. Each is a coded answer in the caller's format, the event loop keeps
answering, and the call is recorded as it ended."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from app.db.tables import GatewayCall
from tests.documents import create
from tests.gateway.sdks import caller_token, openai_connection
from tests.instances import instance

pytestmark = pytest.mark.db

HELLO = [{"role": "user", "content": "one two three"}]
SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"


def _json_head(length: int, status: int = 200) -> bytes:
    return (
        f"HTTP/1.1 {status} OK\r\ncontent-type: application/json\r\n"
        f"content-length: {length}\r\n\r\n"
    ).encode()


def _whole(body: dict) -> bytes:
    raw = json.dumps(body).encode()
    return _json_head(len(raw)) + raw


class LoopLag:
    """The longest the event loop went without running a 5 ms ticker: what /health/live and
    every other request would have waited."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task | None = None

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - before - 0.005)

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *exc) -> None:
        assert self._task is not None
        self._task.cancel()


async def _recorded(app) -> list[dict]:
    await app.state.services.usage.recorder.flush()
    return await GatewayCall.select(
        GatewayCall.status, GatewayCall.input_tokens, GatewayCall.output_tokens
    )


async def _chat(client, token: str, **body) -> object:
    payload = {"model": "gpt-fake", "messages": HELLO, **body}
    return await client.post(
        "/v1/chat/completions", json=payload, headers={"Authorization": f"Bearer {token}"}
    )


async def test_one_8_mb_event_is_cut_off_at_the_cap_and_the_loop_keeps_answering(
    app, client, admin, fake
):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])

    def one_huge_event(out) -> None:
        out.write(SSE_HEAD + b'data: {"choices": [], "pad": "')
        for _ in range(8 * 16):  # 8 MB in 64 KB writes, and never a blank line
            out.write(b"x" * 65536)
            out.flush()

    conn["server"].script = one_huge_event
    token = await caller_token(admin)
    with LoopLag() as lag:
        answer = await _chat(client, token, stream=True)
        live = await client.get("/health/live")
    # Nothing had reached the caller (the stream broke before its first content), so the call
    # fails as a whole, in the caller's format, the way another connection would have been tried.
    assert answer.status_code == 502 and live.status_code == 200
    error = answer.json()["error"]
    assert error["code"] == "upstream_error"
    assert "SWITCHBOARD_GATEWAY_MAX_EVENT_BYTES" in error["message"]
    # The old parser re-scanned the whole buffer for every chunk: 9.8 s for 8 MB, the loop held.
    assert lag.worst < 0.5, f"the event loop stalled for {lag.worst:.2f} s"
    assert [row["status"] for row in await _recorded(app)] == [502]


async def test_a_trickling_upstream_meets_the_calls_total_deadline(
    app, clean_db, admin, fake, database_url
):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])

    def trickle(out) -> None:
        out.write(_json_head(1000))
        out.flush()
        for _ in range(40):  # a byte every 0.3 s: each read is within the read timeout
            time.sleep(0.3)
            out.write(b" ")
            out.flush()

    conn["server"].script = trickle
    token = await caller_token(admin)
    async with instance(database_url, {"SWITCHBOARD_GATEWAY_TIMEOUT": "2"}) as other:
        started = time.monotonic()
        answer = await _chat(other, token)
        took = time.monotonic() - started
    assert answer.status_code == 504, answer.text
    assert answer.json()["error"]["code"] == "upstream_timeout"
    assert "SWITCHBOARD_GATEWAY_TIMEOUT" in answer.json()["error"]["message"]
    assert took < 6, f"held for {took:.1f} s past a 2 s deadline"


ABSURD = [-5, "7", {"n": 1}, 2**70, 1.5, True, [3]]


@pytest.mark.parametrize("stream", [False, True])
async def test_absurd_token_counts_are_recorded_as_no_usage(app, client, admin, fake, stream):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    token = await caller_token(admin)
    invalid_before = await _invalid_usage_count(client, admin)
    for value in ABSURD:
        usage = {"prompt_tokens": value, "completion_tokens": 4, "total_tokens": 9}
        base = {"id": "c1", "created": 1, "model": "gpt-fake"}
        if stream:
            chunk = {**base, "object": "chat.completion.chunk"}
            delta = {"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}
            raw = (
                SSE_HEAD
                + b"".join(
                    b"data: " + json.dumps(event).encode() + b"\n\n"
                    for event in (
                        {**chunk, "choices": [delta]},
                        {**chunk, "choices": [], "usage": usage},
                    )
                )
                + b"data: [DONE]\n\n"
            )
        else:
            message = {
                "index": 0,
                "message": {"role": "assistant", "content": "hi"},
                "finish_reason": "stop",
            }
            raw = _whole(
                {**base, "object": "chat.completion", "choices": [message], "usage": usage}
            )
        conn["server"].script = lambda out, raw=raw: out.write(raw)
        answer = await _chat(client, token, stream=stream)
        assert answer.status_code == 200, (value, answer.text)
        if stream:
            assert answer.text.rstrip().endswith("data: [DONE]"), value
    rows = await _recorded(app)
    assert len(rows) == len(ABSURD)
    assert all(r["status"] == 200 and r["input_tokens"] == r["output_tokens"] == 0 for r in rows)
    assert await _invalid_usage_count(client, admin) == invalid_before + len(ABSURD)


async def _invalid_usage_count(client, admin) -> float:
    metrics = await client.get("/metrics", headers={"Authorization": f"Bearer {admin.token}"})
    for line in metrics.text.splitlines():
        if line.startswith('switchboard_gateway_usage_invalid_total{connection="main"}'):
            return float(line.split()[-1])
    return 0.0


async def test_an_upstream_that_closes_mid_body_is_a_502_in_the_callers_format(
    app, client, admin, fake
):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    conn["server"].script = lambda out: out.write(_json_head(1000) + b'{"id": "half')
    token = await caller_token(admin)
    answer = await _chat(client, token)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "upstream_error"
    assert "broke off" in answer.json()["error"]["message"]
    messages = await client.post(
        "/v1/messages",
        json={"model": "gpt-fake", "max_tokens": 10, "messages": HELLO},
        headers={"x-api-key": token},
    )
    assert messages.status_code == 502 and messages.json()["type"] == "error"
    assert [row["status"] for row in await _recorded(app)] == [502, 502]


async def _anthropic(admin, fake):
    server = fake("ANTHROPIC", key="sk-ant-S3CR3T-hostile", models=["claude-fake"])
    await create(admin, name="claude", provider="ANTHROPIC", baseUrl=server.url, apiKey=server.key)
    return server


async def test_garbage_in_a_translated_stream_ends_it_with_a_coded_error(app, client, admin, fake):
    server = await _anthropic(admin, fake)
    events = [
        b'event: message_start\ndata: {"type": "message_start", "message": {"id": "m1", "usage": {"input_tokens": 3}}}\n\n',
        b'event: content_block_delta\ndata: {"type": "content_block_delta", "delta": "not an object"}\n\n',
    ]
    server.script = lambda out: out.write(SSE_HEAD + b"".join(events))
    token = await caller_token(admin)
    answer = await client.post(
        "/v1/chat/completions",
        json={"model": "claude-fake", "messages": HELLO, "stream": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    # It broke before anything reached the caller: a coded 502 in the caller's format.
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "upstream_error"


async def test_a_translated_answer_that_is_not_json_is_a_502_not_a_200(app, client, admin, fake):
    server = await _anthropic(admin, fake)
    server.script = lambda out: out.write(_json_head(6) + b"[1, 2]")
    token = await caller_token(admin)
    answer = await client.post(
        "/v1/chat/completions",
        json={"model": "claude-fake", "messages": HELLO},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "upstream_error"


MALFORMED = [
    ("/v1/chat/completions", {"stream_options": "x", "stream": True}, "stream_options"),
    ("/v1/chat/completions", {"messages": [1]}, "messages[0]"),
    ("/v1/chat/completions", {"messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
    ("/v1/chat/completions", {"tools": "x"}, "tools"),
    ("/v1/chat/completions", {"stop": 5}, "stop"),
    ("/v1/chat/completions", {"stream": "yes"}, "stream"),
    ("/v1/messages", {"messages": [{"role": "user", "content": {"a": 1}}]}, "messages[0].content"),
    ("/v1/messages", {"system": 5}, "system"),
    ("/v1/messages", {"tools": [1]}, "tools[0]"),
]


@pytest.mark.parametrize(("path", "fields", "named"), MALFORMED)
async def test_the_callers_malformed_fields_are_a_400_before_anything_goes_upstream(
    app, client, admin, fake, path, fields, named
):
    claude = await _anthropic(admin, fake)
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    token = await caller_token(admin)
    for model in ("gpt-fake", "claude-fake"):  # as it is and translated
        body = {"model": model, "max_tokens": 10, "messages": HELLO, **fields}
        answer = await client.post(path, json=body, headers={"x-api-key": token})
        assert answer.status_code == 400, answer.text
        text = answer.json()["error"]["message"]
        assert f"'{named}'" in text, text
    posts = [r for r in conn["server"].requests + claude.requests if r.method == "POST"]
    assert posts == []


async def test_a_token_that_expires_during_traffic_is_refused_at_once(app, client, admin, fake):
    from datetime import UTC, datetime, timedelta

    await openai_connection(admin, fake, "main", ["gpt-fake"])
    expires = datetime.now(UTC) + timedelta(seconds=1.5)
    token = await caller_token(admin, expiresAt=expires.isoformat())
    assert (await _chat(client, token)).status_code == 200
    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds() - 0.3))
    assert (await _chat(client, token)).status_code == 200  # remembered from here on
    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds() + 0.05))
    refused = await _chat(client, token)
    assert refused.status_code == 401
