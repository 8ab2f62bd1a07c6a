"""POST /v1/chat/completions through the official openai SDK: by endpoint name and by model
id, streamed or not, with the connection's key and never the caller's token upstream."""

from __future__ import annotations

import json

import openai
import pytest

from tests.gateway.sdks import caller_token, openai_client, openai_connection

pytestmark = pytest.mark.db

ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  endpoint { id } userErrors { message } } }"""
HELLO = [{"role": "user", "content": "hello there"}]


async def test_chat_by_model_id_uses_the_connections_key(app, admin, fake):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    token = await caller_token(admin)
    client = openai_client(app, token)
    raw = await client.chat.completions.with_raw_response.create(model="gpt-fake", messages=HELLO)
    completion = raw.parse()
    assert completion.choices[0].message.content == "echo: hello there"
    assert completion.usage.prompt_tokens == 2 and completion.usage.completion_tokens == 3
    assert raw.headers["x-switchboard-connection"] == "main"
    assert raw.headers["x-switchboard-attempts"] == "1"
    assert raw.headers["x-request-id"]
    [seen] = [r for r in conn["server"].requests if r.path.endswith("/chat/completions")]
    assert seen.headers["authorization"] == f"Bearer {conn['server'].key}"
    assert token not in json.dumps(seen.headers)
    assert json.loads(seen.body)["model"] == "gpt-fake"


async def test_chat_by_endpoint_name_and_with_a_prefix(app, admin, fake):
    conn = await openai_connection(admin, fake, "lab", ["small"], prefixId="lab")
    made = await admin(
        ENDPOINT, {"input": {"name": "assistant", "connectionId": conn["id"], "model": "lab.small"}}
    )
    assert made["createEndpoint"]["userErrors"] == []
    client = openai_client(app, await caller_token(admin))
    by_name = await client.chat.completions.create(model="assistant", messages=HELLO)
    by_id = await client.chat.completions.create(model="lab.small", messages=HELLO)
    assert by_name.choices[0].message.content == by_id.choices[0].message.content
    upstream = [json.loads(r.body)["model"] for r in conn["server"].requests if r.method == "POST"]
    assert upstream == ["small", "small"], "the provider gets its own model id"


async def test_streamed_chat_arrives_as_chunks_and_ends_with_what_was_asked(app, admin, fake):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    client = openai_client(app, await caller_token(admin))
    stream = await client.chat.completions.create(model="gpt-fake", messages=HELLO, stream=True)
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: hello there"
    assert all(c.usage is None for c in chunks), "usage was not asked for, so none is passed on"
    body = json.loads([r for r in conn["server"].requests if r.method == "POST"][0].body)
    assert body["stream_options"] == {"include_usage": True}, "the gateway asks for usage"


async def test_streamed_chat_passes_usage_when_the_caller_asks(app, admin, fake):
    await openai_connection(admin, fake, "main", ["gpt-fake"])
    client = openai_client(app, await caller_token(admin))
    stream = await client.chat.completions.create(
        model="gpt-fake", messages=HELLO, stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[-1].usage.total_tokens == 5


async def test_embeddings(app, admin, fake):
    await openai_connection(admin, fake, "main", ["embed-fake"])
    client = openai_client(app, await caller_token(admin))
    result = await client.embeddings.create(model="embed-fake", input=["a b", "c"])
    assert [len(item.embedding) for item in result.data] == [3, 3]
    assert result.usage.prompt_tokens == 3


async def test_models_lists_endpoints_and_model_ids_the_token_may_use(app, admin, fake):
    conn = await openai_connection(admin, fake, "main", ["gpt-fake", "embed-fake"])
    await admin(
        ENDPOINT, {"input": {"name": "assistant", "connectionId": conn["id"], "model": "gpt-fake"}}
    )
    everything = openai_client(app, await caller_token(admin))
    assert [m.id async for m in everything.models.list()] == ["assistant", "embed-fake", "gpt-fake"]
    narrow = openai_client(app, await caller_token(admin, allowedModels=["gpt-fake"]))
    assert [m.id async for m in narrow.models.list()] == ["gpt-fake"]
    with pytest.raises(openai.PermissionDeniedError):
        await narrow.chat.completions.create(model="assistant", messages=HELLO)
