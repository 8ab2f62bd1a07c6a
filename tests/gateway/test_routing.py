"""Which connection serves: spread across offerings, failover before the first byte, never
retrying the caller's own mistakes, header pins, and rotation reaching the very next call."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from tests.documents import UPDATE, create
from tests.gateway.sdks import anthropic_client, caller_token, openai_client, openai_connection

pytestmark = pytest.mark.db

HELLO = [{"role": "user", "content": "hi"}]
WORKSPACE = """mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) {
  workspace { id } userErrors { message } } }"""
ROTATE = """mutation($id: ID!, $key: String!) { rotateConnectionCredentials(id: $id,
  input: {apiKey: $key, verify: false}) { userErrors { message } } }"""


def _posts(server) -> int:
    return sum(1 for r in server.requests if r.method == "POST")


async def test_calls_spread_across_connections_serving_one_model(app, admin, fake):
    a = await openai_connection(admin, fake, "a", ["shared"])
    b = await openai_connection(admin, fake, "b", ["shared"])
    client = openai_client(app, await caller_token(admin))
    served = []
    for _ in range(6):
        raw = await client.chat.completions.with_raw_response.create(model="shared", messages=HELLO)
        served.append(raw.headers["x-switchboard-connection"])
    assert sorted(set(served)) == ["a", "b"] and _posts(a["server"]) == _posts(b["server"]) == 3


@pytest.mark.parametrize("mode", ["500", "503", "429", "not_http"])
async def test_a_failing_connection_fails_over_and_cools_down(app, admin, fake, mode):
    a = await openai_connection(admin, fake, "a", ["shared"])
    b = await openai_connection(admin, fake, "b", ["shared"])
    a["server"].mode = mode
    client = openai_client(app, await caller_token(admin))
    for _ in range(3):
        raw = await client.chat.completions.with_raw_response.create(model="shared", messages=HELLO)
        assert raw.headers["x-switchboard-connection"] == "b"
    assert _posts(a["server"]) == 1, "after failing, a sits out its cool-down"
    assert _posts(b["server"]) == 3


@pytest.mark.parametrize(
    ("mode", "raised"),
    [("400", openai.BadRequestError), ("401", openai.InternalServerError)],
)
async def test_the_callers_mistakes_are_not_retried(app, admin, fake, mode, raised):
    """A 400 is the caller's; a 401 the connection's (a 502 naming it): neither is retried."""
    a = await openai_connection(admin, fake, "a", ["shared"])
    b = await openai_connection(admin, fake, "b", ["shared"])
    for conn in (a, b):
        conn["server"].mode = mode
    client = openai_client(app, await caller_token(admin))
    with pytest.raises(raised) as refused:
        await client.chat.completions.create(model="shared", messages=HELLO)
    if mode == "400":
        assert refused.value.response.headers["x-switchboard-attempts"] == "1"
    assert _posts(a["server"]) + _posts(b["server"]) == 1


async def test_when_every_connection_fails_the_answer_names_them(app, admin, fake):
    for name in ("a", "b"):
        (await openai_connection(admin, fake, name, ["shared"]))["server"].mode = "500"
    client = openai_client(app, await caller_token(admin))
    with pytest.raises(openai.InternalServerError) as failed:
        await client.chat.completions.create(model="shared", messages=HELLO)
    assert failed.value.status_code == 502
    error = failed.value.body
    assert error["code"] == "upstream_error"
    assert "a (HTTP 500)" in error["message"] and "b (HTTP 500)" in error["message"]


async def test_rate_limited_everywhere_is_a_429_with_the_upstreams_wait(app, admin, fake):
    """The SDKs then back off as the provider asked (RateLimitError), on either route."""
    for name in ("a", "b"):
        (await openai_connection(admin, fake, name, ["shared"]))["server"].mode = "429"
    token = await caller_token(admin)
    with pytest.raises(openai.RateLimitError) as limited:
        await openai_client(app, token).chat.completions.create(model="shared", messages=HELLO)
    assert limited.value.status_code == 429
    assert limited.value.response.headers["retry-after"] == "7"
    assert limited.value.body["code"] == "rate_limit_exceeded"
    assert "a (HTTP 429)" in limited.value.body["message"]
    with pytest.raises(anthropic.RateLimitError) as messages_limited:
        await anthropic_client(app, token).messages.create(
            model="shared", max_tokens=10, messages=HELLO
        )
    assert messages_limited.value.response.headers["retry-after"] == "7"
    assert messages_limited.value.body["error"]["type"] == "rate_limit_error"


async def test_a_header_pins_the_connection_or_the_workspace(app, admin, fake):
    await openai_connection(admin, fake, "a", ["shared"])
    b = await openai_connection(admin, fake, "b", ["shared", "only-b"])
    token = await caller_token(admin)
    pinned = openai_client(app, token, **{"X-Switchboard-Connection": "b"})
    for _ in range(3):
        raw = await pinned.chat.completions.with_raw_response.create(model="shared", messages=HELLO)
        assert raw.headers["x-switchboard-connection"] == "b"
    other = await admin(WORKSPACE, {"input": {"name": "team", "defaultConnectionId": b["id"]}})
    assert other["createWorkspace"]["userErrors"] == []
    workspace = openai_client(app, token, **{"X-Switchboard-Workspace": "team"})
    raw = await workspace.chat.completions.with_raw_response.create(model="shared", messages=HELLO)
    assert raw.headers["x-switchboard-connection"] == "b"
    wrong = openai_client(app, token, **{"X-Switchboard-Connection": "a"})
    with pytest.raises(openai.NotFoundError) as missing:
        await wrong.chat.completions.create(model="only-b", messages=HELLO)
    assert missing.value.body["code"] == "model_not_found"
    assert "connection 'a' does not serve 'only-b'" in missing.value.body["message"]


async def test_rotation_reaches_the_very_next_call(app, admin, fake):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    new_key = "sk-S3CR3T-rotated-upstream-key"
    conn["server"].key = new_key
    rotated = await admin(ROTATE, {"id": conn["id"], "key": new_key})
    assert rotated["rotateConnectionCredentials"]["userErrors"] == []
    await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    last = [r for r in conn["server"].requests if r.method == "POST"][-1]
    assert last.headers["authorization"] == f"Bearer {new_key}"


async def test_disabled_connections_and_other_peoples_personal_ones_serve_nobody(
    app, admin, member, fake
):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    server = fake("OPENAI_COMPATIBLE", models=["mine-only"])
    await create(
        member,
        name="mine",
        provider="OPENAI_COMPATIBLE",
        baseUrl=server.url,
        modelIds=["mine-only"],
    )
    client = openai_client(app, await caller_token(admin))
    with pytest.raises(openai.NotFoundError) as hidden:
        await client.chat.completions.create(model="mine-only", messages=HELLO)
    assert (
        "mine-only" in hidden.value.body["message"] and "mine'" not in hidden.value.body["message"]
    )
    # Its owner reaches it, under a personal connection's stricter outbound policy (no loopback).
    owner = openai_client(app, member.token)
    with pytest.raises(openai.InternalServerError) as blocked:
        await owner.chat.completions.create(model="mine-only", messages=HELLO)
    assert "mine (blocked by the outbound policy)" in blocked.value.body["message"]
    assert _posts(server) == 0
    await admin(UPDATE, {"id": conn["id"], "input": {"enabled": False}})
    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    assert json.dumps([m.id async for m in client.models.list()]) == "[]"


async def test_a_provider_that_times_out_everywhere_is_a_504_naming_the_connections(
    app, admin, fake
):
    for name in ("a", "b"):
        server = (await openai_connection(admin, fake, name, ["shared"]))["server"]
        server.mode, server.delay = "slow", 3.0  # past the suite's 1 s provider read timeout
    client = openai_client(app, await caller_token(admin))
    with pytest.raises(openai.APIStatusError) as failed:
        await client.chat.completions.create(model="shared", messages=HELLO)
    assert failed.value.status_code == 504
    assert failed.value.body["code"] == "upstream_timeout"
    assert "a (timed out)" in failed.value.body["message"]
    assert "b (timed out)" in failed.value.body["message"]


async def test_the_connections_custom_headers_go_upstream_and_the_callers_do_not(app, admin, fake):
    conn = await openai_connection(
        admin, fake, "main", ["gpt-fake"], customHeaders=[{"name": "X-Team", "value": "blue"}]
    )
    token = await caller_token(admin)
    client = openai_client(app, token, **{"X-Caller-Secret": "do-not-forward", "Cookie": "c=1"})
    await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    [seen] = [r for r in conn["server"].requests if r.method == "POST"]
    assert seen.headers["x-team"] == "blue"
    assert "x-caller-secret" not in seen.headers and "cookie" not in seen.headers
    assert seen.headers["authorization"] == f"Bearer {conn['server'].key}"
