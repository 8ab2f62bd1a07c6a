"""POST /v1/messages and /v1/messages/count_tokens through the official anthropic SDK: an
Anthropic connection's Messages, plain and streamed, with x-api-key as the Switchboard token."""

from __future__ import annotations

import json

import anthropic
import pytest

from tests.documents import create
from tests.gateway.sdks import anthropic_client, caller_token, openai_client

pytestmark = pytest.mark.db

KEY = "sk-ant-S3CR3T-upstream-0001"
HELLO = [{"role": "user", "content": "hello claude"}]


async def _anthropic_connection(admin, fake) -> dict:
    server = fake("ANTHROPIC", key=KEY, models=["claude-fake"])
    conn = await create(admin, name="claude", provider="ANTHROPIC", baseUrl=server.url, apiKey=KEY)
    return {"server": server, **conn}


async def test_messages_with_the_anthropic_sdk(app, admin, fake):
    conn = await _anthropic_connection(admin, fake)
    token = await caller_token(admin)
    client = anthropic_client(app, token)
    raw = await client.messages.with_raw_response.create(
        model="claude-fake", max_tokens=50, messages=HELLO
    )
    message = await raw.parse()
    assert message.content[0].text == "echo: hello claude"
    assert message.usage.input_tokens == 2 and message.stop_reason == "end_turn"
    assert raw.headers["x-switchboard-connection"] == "claude"
    [seen] = [r for r in conn["server"].requests if r.path == "/v1/messages"]
    assert seen.headers["x-api-key"] == KEY
    sent = raw.http_request.headers["anthropic-version"]
    assert seen.headers["anthropic-version"] == sent, "the caller's API version is kept"
    assert token not in json.dumps(seen.headers)


async def test_streamed_messages_arrive_as_the_real_event_sequence(app, admin, fake):
    await _anthropic_connection(admin, fake)
    client = anthropic_client(app, await caller_token(admin))
    async with client.messages.stream(model="claude-fake", max_tokens=50, messages=HELLO) as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert "content_block_delta" in kinds
    assert final.content[0].text == "echo: hello claude" and final.usage.output_tokens == 3


async def test_count_tokens(app, admin, fake):
    await _anthropic_connection(admin, fake)
    client = anthropic_client(app, await caller_token(admin))
    counted = await client.messages.count_tokens(model="claude-fake", messages=HELLO)
    assert counted.input_tokens == 2


async def test_a_bad_token_is_an_anthropic_authentication_error(app, admin, fake):
    await _anthropic_connection(admin, fake)
    client = anthropic_client(app, "swb_not-a-real-token-0000000000")
    with pytest.raises(anthropic.AuthenticationError) as refused:
        await client.messages.create(model="claude-fake", max_tokens=5, messages=HELLO)
    assert refused.value.body["error"]["type"] == "authentication_error"


async def test_the_connections_anthropic_version_is_every_requests_version(app, admin, fake):
    """Listing and the gateway read one setting: a connection that pins anthropicVersion sends
    it on every call, whatever the caller sent, translated calls included."""
    server = fake("ANTHROPIC", key=KEY, models=["claude-fake"])
    pinned = "2024-10-22"
    await create(
        admin,
        name="claude",
        provider="ANTHROPIC",
        baseUrl=server.url,
        apiKey=KEY,
        config={"anthropicVersion": pinned},
    )
    token = await caller_token(admin)
    await anthropic_client(app, token).messages.create(
        model="claude-fake", max_tokens=50, messages=HELLO
    )
    await openai_client(app, token).chat.completions.create(model="claude-fake", messages=HELLO)
    sent = {(r.path, r.headers["anthropic-version"]) for r in server.requests}
    assert sent == {("/v1/models", pinned), ("/v1/messages", pinned)}
