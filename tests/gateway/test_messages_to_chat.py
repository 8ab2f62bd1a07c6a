"""Messages to a model that speaks Chat Completions, through the official anthropic SDK (what
Claude Code does when pointed at Switchboard): the request becomes Chat Completions, the answer
a Message again, streamed or not, tools included."""

from __future__ import annotations

import json

import anthropic
import pytest

from tests.gateway.sdks import anthropic_client, caller_token, openai_connection

pytestmark = pytest.mark.db

WEATHER = {
    "name": "weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}


async def _setup(app, admin, fake):
    conn = await openai_connection(admin, fake, "gpt", ["gpt-fake"])
    return conn["server"], anthropic_client(app, await caller_token(admin))


def _sent(server) -> dict:
    return json.loads([r for r in server.requests if r.method == "POST"][-1].body)


async def test_a_message_from_an_openai_format_model(app, admin, fake):
    server, client = await _setup(app, admin, fake)
    message = await client.messages.create(
        model="gpt-fake",
        max_tokens=64,
        system="Be brief.",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "look at this"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"},
                    },
                ],
            }
        ],
    )
    assert message.content[0].text == "echo: look at this"
    assert message.stop_reason == "end_turn" and message.model == "gpt-fake"
    assert message.usage.input_tokens == 5 and message.usage.output_tokens == 4
    sent = _sent(server)
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert sent["max_tokens"] == 64
    assert sent["messages"][1]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBO"},
    }


async def test_a_streamed_message_from_an_openai_format_model(app, admin, fake):
    server, client = await _setup(app, admin, fake)
    async with client.messages.stream(
        model="gpt-fake", max_tokens=64, messages=[{"role": "user", "content": "stream it"}]
    ) as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_message()
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert final.content[0].text == "echo: stream it"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == 3 and final.usage.input_tokens == 2
    assert _sent(server)["stream_options"] == {"include_usage": True}


async def test_tools_and_tool_results_cross_over(app, admin, fake):
    server, client = await _setup(app, admin, fake)
    await client.messages.create(
        model="gpt-fake",
        max_tokens=64,
        tools=[WEATHER],
        tool_choice={"type": "any"},
        messages=[
            {"role": "user", "content": "weather in Oslo"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "call_1",
                        "name": "weather",
                        "input": {"city": "Oslo"},
                    }
                ],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "sunny"}],
            },
        ],
    )
    sent = _sent(server)
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "parameters": WEATHER["input_schema"],
                "description": WEATHER["description"],
            },
        }
    ]
    assert sent["tool_choice"] == "required"
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "tool"]
    assert sent["messages"][1]["tool_calls"][0]["function"] == {
        "name": "weather",
        "arguments": '{"city": "Oslo"}',
    }
    assert sent["messages"][2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}


async def test_system_blocks_tool_results_and_parallel_calls_keep_their_meaning(app, admin, fake):
    """Claude Code's two system blocks stay apart, a tool result's parts too, its error flag
    is said, and disable_parallel_tool_use becomes parallel_tool_calls: false."""
    server, client = await _setup(app, admin, fake)
    await client.messages.create(
        model="gpt-fake",
        max_tokens=64,
        system=[
            {"type": "text", "text": "You are a coding agent."},
            {"type": "text", "text": "Answer briefly."},
        ],
        tools=[WEATHER],
        tool_choice={"type": "auto", "disable_parallel_tool_use": True},
        messages=[
            {"role": "user", "content": "weather?"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "weather", "input": {}}],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "is_error": True,
                        "content": [
                            {"type": "text", "text": "city missing"},
                            {"type": "text", "text": "try again"},
                        ],
                    }
                ],
            },
        ],
    )
    sent = _sent(server)
    assert sent["messages"][0] == {
        "role": "system",
        "content": "You are a coding agent.\n\nAnswer briefly.",
    }
    [result] = [m for m in sent["messages"] if m["role"] == "tool"]
    assert result["content"] == "Error: city missing\n\ntry again"
    assert sent["parallel_tool_calls"] is False


async def test_a_translated_400_keeps_its_type(app, admin, fake):
    """An OpenAI-format 400 reaches a Messages caller as Anthropic's invalid_request_error."""
    server, client = await _setup(app, admin, fake)
    server.mode = "400"
    with pytest.raises(anthropic.BadRequestError) as refused:
        await client.messages.create(
            model="gpt-fake", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    assert refused.value.body["error"]["type"] == "invalid_request_error"
