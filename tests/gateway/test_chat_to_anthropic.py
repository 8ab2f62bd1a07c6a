"""Chat Completions to an Anthropic model, through the official openai SDK: the request becomes
Messages (system, images, tools and tool results), the answer becomes a Chat Completion again
(text, tool calls, finish reasons, usage), streamed or not."""

from __future__ import annotations

import json

import pytest

from tests.documents import create
from tests.gateway.sdks import caller_token, openai_client

pytestmark = pytest.mark.db

KEY = "sk-ant-S3CR3T-translate-0001"
WEATHER = {
    "type": "function",
    "function": {
        "name": "weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}
PIXEL = "data:image/png;base64,iVBORw0KGgo="


async def _client(app, admin, fake):
    server = fake("ANTHROPIC", key=KEY, models=["claude-fake"])
    await create(admin, name="claude", provider="ANTHROPIC", baseUrl=server.url, apiKey=KEY)
    return server, openai_client(app, await caller_token(admin))


def _sent(server) -> dict:
    return json.loads([r for r in server.requests if r.path == "/v1/messages"][-1].body)


async def test_a_chat_completion_from_an_anthropic_model(app, admin, fake):
    server, client = await _client(app, admin, fake)
    answer = await client.chat.completions.create(
        model="claude-fake",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Answer in English."}]},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this"},
                    {"type": "image_url", "image_url": {"url": PIXEL}},
                    {"type": "image_url", "image_url": {"url": "https://img.example/cat.png"}},
                ],
            },
        ],
        max_tokens=50,
        stop="END",
    )
    assert answer.choices[0].message.content == "echo: what is this"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.model == "claude-fake"
    assert answer.usage.prompt_tokens == 8 and answer.usage.completion_tokens == 4
    sent = _sent(server)
    assert sent["system"] == [  # kept apart, not glued together
        {"type": "text", "text": "Be brief."},
        {"type": "text", "text": "Answer in English."},
    ]
    assert sent["max_tokens"] == 50
    assert sent["stop_sequences"] == ["END"]
    assert [b["type"] for b in sent["messages"][0]["content"]] == ["text", "image", "image"]
    assert sent["messages"][0]["content"][1]["source"] == {
        "type": "base64",
        "media_type": "image/png",
        "data": "iVBORw0KGgo=",
    }
    assert sent["messages"][0]["content"][2]["source"]["type"] == "url"


async def test_tools_round_trip_through_an_anthropic_model(app, admin, fake):
    server, client = await _client(app, admin, fake)
    ask = [{"role": "user", "content": "weather in Oslo"}]
    first = await client.chat.completions.create(
        model="claude-fake", messages=ask, tools=[WEATHER], tool_choice="required"
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    assert call.function.name == "weather"
    assert json.loads(call.function.arguments) == {"echo": "echo: weather in Oslo"}
    sent = _sent(server)
    assert sent["tools"][0]["input_schema"]["properties"] == {"city": {"type": "string"}}
    assert sent["tool_choice"] == {"type": "any"}
    follow_up = [
        *ask,
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    second = await client.chat.completions.create(model="claude-fake", messages=follow_up)
    assert second.choices[0].message.content == "tool said: sunny"
    turns = _sent(server)["messages"]
    assert [t["role"] for t in turns] == ["user", "assistant", "user"]
    assert turns[1]["content"][0]["type"] == "tool_use"
    assert turns[2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": call.id,
        "content": "sunny",
    }


async def test_a_streamed_chat_completion_from_an_anthropic_model(app, admin, fake):
    _, client = await _client(app, admin, fake)
    stream = await client.chat.completions.create(
        model="claude-fake",
        messages=[{"role": "user", "content": "stream this"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "echo: stream this"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage.prompt_tokens == 2 and chunks[-1].usage.completion_tokens == 3


async def test_streamed_tool_calls_from_an_anthropic_model(app, admin, fake):
    _, client = await _client(app, admin, fake)
    stream = await client.chat.completions.create(
        model="claude-fake",
        messages=[{"role": "user", "content": "weather"}],
        tools=[WEATHER],
        stream=True,
    )
    chunks = [chunk async for chunk in stream]
    assert all(c.usage is None for c in chunks), "usage was not asked for"
    calls = [d for c in chunks if c.choices for d in (c.choices[0].delta.tool_calls or [])]
    assert calls[0].function.name == "weather" and calls[0].id == "toolu_fake"
    arguments = "".join(d.function.arguments or "" for d in calls)
    assert json.loads(arguments) == {"echo": "echo: weather"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


async def test_parallel_tool_calls_off_reaches_anthropic_as_disable_parallel_tool_use(
    app, admin, fake
):
    server, client = await _client(app, admin, fake)
    tool = {"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}
    hi = [{"role": "user", "content": "weather in Paris and Rome?"}]
    await client.chat.completions.create(
        model="claude-fake", messages=hi, tools=[tool], parallel_tool_calls=False
    )
    assert _sent(server)["tool_choice"] == {"type": "auto", "disable_parallel_tool_use": True}
    await client.chat.completions.create(
        model="claude-fake",
        messages=hi,
        tools=[tool],
        tool_choice="required",
        parallel_tool_calls=False,
    )
    assert _sent(server)["tool_choice"] == {"type": "any", "disable_parallel_tool_use": True}
