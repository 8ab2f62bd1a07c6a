"""Connection health: a connection that fails cools down (the upstream's Retry-After, else a
backoff that doubles), then gets one trial call; GraphQL's LLMConnection.health and /metrics show
it; with Redis every instance sees what one learned; a stream that breaks before its first
content is tried on the next connection as if it had never begun."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from app.gateway import balancer as balancing
from app.gateway.balancer import Balancer, HealthState
from app.gateway.routing import Offering
from app.gateway.streams import payload_carries_content
from app.ids import parse_global_id
from tests.connections.records import connection
from tests.gateway.sdks import caller_token, openai_connection
from tests.instances import instance, require_redis

HEALTH = """query($id: ID!) { node(id: $id) { ... on LLMConnection {
  health { state consecutiveFailures cooldownUntil lastError lastErrorAt } } } }"""
SSE_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
CALL = {"model": "shared", "messages": [{"role": "user", "content": "one two"}]}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(balancing.time, "time", clock)
    return clock


def _offering(name: str) -> Offering:
    return Offering(connection(name=name), "model")


def test_backoff_doubles_then_one_trial_call_then_healthy(clock):
    balancer = Balancer(cool_down=10)
    a, b = _offering("a"), _offering("b")
    balancer.failed(a, why="HTTP 500")
    assert balancer.health_of(a.connection.id)[1].cooldown_until == clock.now + 10
    balancer.failed(a, why="HTTP 503")
    state, health = balancer.health_of(a.connection.id)
    assert state is HealthState.COOLING_DOWN and health.consecutive_failures == 2
    assert health.cooldown_until == clock.now + 20 and health.last_error == "HTTP 503"
    assert [o.connection.name for o in balancer.order((a, b))] == ["b", "a"]
    clock.now += 20
    assert balancer.health_of(a.connection.id)[0] is HealthState.TRIAL
    first = [o.connection.name for o in balancer.order((a, b))]
    second = [o.connection.name for o in balancer.order((a, b))]
    assert "a" in first[:2] and second[-1] == "a"  # one trial at a time; the rest go elsewhere
    balancer.succeeded(a)
    assert balancer.health_of(a.connection.id)[0] is HealthState.HEALTHY
    balancer.failed(a)
    assert balancer.health_of(a.connection.id)[1].cooldown_until == clock.now + 10  # anew


def test_a_wrong_key_is_recorded_but_not_cooled(clock):
    balancer = Balancer()
    a = _offering("a")
    balancer.failed(a, why="HTTP 401", refused=True)
    state, health = balancer.health_of(a.connection.id)
    assert state is HealthState.HEALTHY and health.last_error == "HTTP 401"


async def test_a_failing_connection_shows_its_cool_down_in_graphql_and_metrics(
    app, client, admin, fake
):
    a = await openai_connection(admin, fake, "a", ["shared"])
    await openai_connection(admin, fake, "b", ["shared"])
    a["server"].mode = "503"
    token = await caller_token(admin)
    auth = {"Authorization": f"Bearer {token}"}
    served = [
        (await client.post("/v1/chat/completions", json=CALL, headers=auth)).headers[
            "x-switchboard-connection"
        ]
        for _ in range(4)
    ]
    assert served == ["b"] * 4  # a failed once, then sat out while b served
    assert len([r for r in a["server"].requests if r.method == "POST"]) == 1
    health = (await admin(HEALTH, {"id": a["id"]}))["node"]["health"]
    assert health["state"] == "COOLING_DOWN" and health["consecutiveFailures"] == 1
    assert health["lastError"] == "HTTP 503" and health["cooldownUntil"] and health["lastErrorAt"]
    metrics = (
        await client.get("/metrics", headers={"Authorization": f"Bearer {admin.token}"})
    ).text
    assert 'switchboard_gateway_connection_cooling_down{connection="a"} 1.0' in metrics
    assert 'switchboard_gateway_connection_consecutive_failures{connection="a"} 1.0' in metrics


async def test_a_stream_that_breaks_before_its_content_fails_over(
    app, client, admin, fake, monkeypatch
):
    a = await openai_connection(admin, fake, "a", ["shared"])
    b = await openai_connection(admin, fake, "b", ["shared"])
    opening = {"id": "x", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
    a["server"].script = lambda out: out.write(
        SSE_HEAD + b"data: " + json.dumps(opening).encode() + b"\n\n"
    )  # the role, then the connection closes: no content ever came
    first = iter(range(0, 10**6, 2))  # a is tried first
    monkeypatch.setattr(app.state.services.gateway.balancer, "turns", first)
    answer = await client.post(
        "/v1/chat/completions",
        json={**CALL, "stream": True},
        headers={"Authorization": f"Bearer {await caller_token(admin)}"},
    )
    assert answer.status_code == 200
    assert answer.headers["x-switchboard-connection"] == "b"
    assert answer.headers["x-switchboard-attempts"] == "2"
    text = "".join(
        json.loads(line[5:])["choices"][0]["delta"].get("content") or ""
        for line in answer.text.splitlines()
        if line.startswith("data: {")
    )
    assert text == "echo: one two"  # b's whole stream, and nothing of a's opening twice
    assert answer.text.count('"role": "assistant"') == 1
    assert len([r for r in b["server"].requests if r.method == "POST"]) == 1


async def test_instances_share_what_they_learn_through_redis(
    app, clean_db, admin, fake, database_url
):
    redis_url = await require_redis()
    a = await openai_connection(admin, fake, "a", ["shared"])
    await openai_connection(admin, fake, "b", ["shared"])
    a["server"].mode = "429"  # retry-after: 7
    token = await caller_token(admin)
    settings = {"REDIS_URL": redis_url}
    namespace = "switchboard-test-health"
    async with (
        instance(database_url, settings, token=token, namespace=namespace) as first,
        instance(database_url, settings, token=token, namespace=namespace) as second,
    ):
        one, two = (
            first.app.state.services.gateway.balancer,
            second.app.state.services.gateway.balancer,
        )
        one.turns = iter(range(0, 10**6, 2))
        assert (await first.post("/v1/chat/completions", json=CALL)).headers[
            "x-switchboard-connection"
        ] == "b"
        await _settled()
        two.known.add(_id(a))
        await two.sync()
        state, health = two.health_of(_id(a))
        assert state is HealthState.COOLING_DOWN and health.last_error == "HTTP 429"
        assert 6 <= health.cooldown_until - balancing.time.time() <= 7  # the upstream's wait
        two.turns = iter(range(0, 10**6, 2))
        assert (await second.post("/v1/chat/completions", json=CALL)).headers[
            "x-switchboard-connection"
        ] == "b"
        assert len([r for r in a["server"].requests if r.method == "POST"]) == 1
        await first.app.state.rate_limit_store.delete(f"health:{_id(a)}")


def _id(made: dict) -> uuid.UUID:
    parsed = parse_global_id(made["id"])
    assert parsed is not None
    return uuid.UUID(parsed[1])


async def _settled() -> None:
    for _ in range(50):  # the write to the store is off the request path
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("event", "content"),
    [
        ({"choices": [{"delta": {"role": "assistant", "content": ""}}]}, False),
        ({"choices": [{"delta": {"content": "hi"}}]}, True),
        ({"choices": [{"delta": {"reasoning_content": "hmm"}}]}, True),  # a thinking model
        ({"choices": [{"delta": {}, "finish_reason": "stop"}]}, True),
        ({"type": "message_start", "message": {}}, False),
        ({"type": "ping"}, False),
        ({"type": "content_block_delta", "delta": {"type": "thinking_delta"}}, True),
        ({"type": "response.created", "response": {}}, False),
        ({"type": "response.reasoning_summary_text.delta", "delta": "hmm"}, True),
        ({"type": "response.output_text.delta", "delta": "hi"}, True),
        ({"candidates": [{"content": {"parts": [{"text": "hi"}]}}]}, True),
        ({"error": {"message": "overloaded"}}, True),
    ],
)
def test_a_stream_is_held_back_until_an_event_that_carries_content(event, content):
    """What ends the hold on a stream's opening frames: text, a tool call, thinking, the end
    or an error, in any of the four formats; never a role, a start or a ping."""
    assert payload_carries_content(event) is content
