"""POST /v1/responses with the official openai SDK (responses.create and its stream helper), as
Codex CLI and the Agents SDK call it: passed through to OpenAI and Azure OpenAI, translated to
Chat Completions for any other OpenAI-format server and on to Messages for Anthropic."""

from __future__ import annotations

import json

import openai
import pytest

from app.db.tables import GatewayCall
from tests.documents import create, provider_fields
from tests.gateway.sdks import (
    anthropic_connection,
    caller_token,
    openai_client,
    openai_connection,
)

TOOL = {
    "type": "function",
    "name": "lookup",
    "description": "Look a word up.",
    "parameters": {"type": "object", "properties": {"echo": {"type": "string"}}},
}


async def _recorded(app) -> list[dict]:
    await app.state.services.usage.recorder.flush()
    return await GatewayCall.select(
        GatewayCall.status, GatewayCall.input_tokens, GatewayCall.output_tokens
    ).order_by(GatewayCall.started_ms)


def _posted(server, path: str) -> list[dict]:
    return [json.loads(r.body) for r in server.requests if r.method == "POST" and r.path == path]


async def test_passed_through_to_openai_as_is(app, admin, fake):
    server = fake("OPENAI", key="sk-S3CR3T-openai", models=["gpt-fake"])
    await create(admin, name="openai", provider="OPENAI", baseUrl=server.url, apiKey=server.key)
    client = openai_client(app, await caller_token(admin))
    answer = await client.responses.create(
        model="gpt-fake", instructions="Be brief.", input="hello there", store=False
    )
    assert answer.output_text == "echo: hello there"
    assert answer.usage.input_tokens == 4 and answer.usage.output_tokens == 3
    [sent] = _posted(server, "/v1/responses")
    assert sent["instructions"] == "Be brief." and sent["store"] is False
    async with client.responses.stream(model="gpt-fake", input="one two") as stream:
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(deltas) == "echo: one two" == final.output_text
    assert [r["status"] for r in await _recorded(app)] == [200, 200]
    assert [r["output_tokens"] for r in await _recorded(app)] == [3, 3]


async def test_azure_serves_it_at_its_responses_path_with_a_version_that_has_it(app, admin, fake):
    server = fake("AZURE_OPENAI", key="azure-S3CR3T-key")
    await create(admin, **provider_fields("AZURE_OPENAI", server, server.key))
    client = openai_client(app, await caller_token(admin))
    answer = await client.responses.create(model="dep-model-a", input="hi azure")
    assert answer.output_text == "echo: hi azure"
    [seen] = [r for r in server.requests if r.path == "/openai/responses"]
    assert seen.query["api-version"] == "2025-04-01-preview"  # the connection says 2024-10-21
    assert json.loads(seen.body)["model"] == "dep-model-a"
    assert seen.headers["api-key"] == "azure-S3CR3T-key"


async def test_translated_to_chat_completions_text_and_stream(app, admin, fake):
    conn = await openai_connection(admin, fake, "local", ["llama-fake"])
    client = openai_client(app, await caller_token(admin))
    answer = await client.responses.create(
        model="llama-fake",
        instructions="Be brief.",
        input=[
            {"role": "developer", "content": "Use plain words."},
            {"role": "user", "content": [{"type": "input_text", "text": "hello there"}]},
        ],
        max_output_tokens=50,
        temperature=0.2,
    )
    assert answer.output_text == "echo: hello there" and answer.status == "completed"
    assert answer.usage.output_tokens == 3
    [sent] = _posted(conn["server"], "/v1/chat/completions")
    assert sent["messages"][:2] == [
        {"role": "system", "content": "Be brief."},
        {"role": "system", "content": "Use plain words."},
    ]
    assert sent["max_tokens"] == 50 and sent["temperature"] == 0.2
    async with client.responses.stream(model="llama-fake", input="one two three") as stream:
        kinds = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert final.output_text == "echo: one two three"
    assert kinds[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert kinds.count("response.output_text.delta") == 4
    assert kinds[-1] == "response.completed" and final.usage.output_tokens == 4
    assert [r["output_tokens"] for r in await _recorded(app)] == [3, 4]


async def test_a_tool_session_with_anthropic_streamed_and_whole(app, admin, fake):
    """Codex's loop: a function call, its output sent back in the next (stateless) request."""
    conn = await anthropic_connection(admin, fake, "claude", ["claude-fake"])
    client = openai_client(app, await caller_token(admin))
    asked = {"model": "claude-fake", "input": "look up tea", "tools": [TOOL], "store": False}
    async with client.responses.stream(**asked, tool_choice="required") as stream:
        argument_deltas = [
            e.delta async for e in stream if e.type == "response.function_call_arguments.delta"
        ]
        final = await stream.get_final_response()
    [call] = final.output
    assert call.type == "function_call" and call.name == "lookup"
    assert json.loads(call.arguments) == {"echo": "echo: look up tea"}
    assert "".join(argument_deltas) == call.arguments and len(argument_deltas) == 2
    [sent] = _posted(conn["server"], "/v1/messages")
    assert sent["tool_choice"] == {"type": "any"} and sent["max_tokens"] > 0
    assert sent["tools"][0]["input_schema"] == TOOL["parameters"]
    follow_up = [
        {"role": "user", "content": "look up tea"},
        {"type": "function_call", "call_id": call.call_id, "name": "lookup", "arguments": "{}"},
        {"type": "function_call_output", "call_id": call.call_id, "output": "a drink"},
    ]
    answer = await client.responses.create(model="claude-fake", input=follow_up, tools=[TOOL])
    assert answer.output_text == "tool said: a drink"
    sent = _posted(conn["server"], "/v1/messages")[-1]
    assert sent["messages"][1]["content"][0]["type"] == "tool_use"
    assert sent["messages"][2]["content"][0] == {
        "type": "tool_result",
        "tool_use_id": call.call_id,
        "content": "a drink",
    }


async def test_previous_response_id_is_refused_with_a_clear_400(app, admin, fake):
    await openai_connection(admin, fake, "local", ["llama-fake"])
    client = openai_client(app, await caller_token(admin))
    with pytest.raises(openai.BadRequestError) as refused:
        await client.responses.create(
            model="llama-fake", input="again", previous_response_id="resp_123"
        )
    assert refused.value.body["code"] == "previous_response_not_supported"
    assert "stateless" in refused.value.body["message"]


async def test_an_input_item_that_cannot_cross_is_a_400_naming_it(app, admin, fake):
    await openai_connection(admin, fake, "local", ["llama-fake"])
    client = openai_client(app, await caller_token(admin))
    with pytest.raises(openai.BadRequestError) as refused:
        await client.responses.create(
            model="llama-fake", input=[{"type": "item_reference", "id": "msg_1"}]
        )
    assert "'item_reference'" in refused.value.body["message"]


async def test_codex_s_custom_tool_crosses_as_a_function_and_comes_back_custom(app, admin, fake):
    """Codex's apply_patch is a custom (free-form) tool: for a model that has only functions it
    becomes a function of one string, `input`, and the call comes back as a custom tool call,
    whole and streamed; the call and its output in the next request cross back the same way."""
    conn = await openai_connection(admin, fake, "local", ["llama-fake"])
    client = openai_client(app, await caller_token(admin))
    patch = {"type": "custom", "name": "apply_patch", "description": "Apply a patch."}
    answer = await client.responses.create(model="llama-fake", input="fix it", tools=[patch])
    [call] = answer.output
    assert call.type == "custom_tool_call" and call.name == "apply_patch"
    assert call.input == "echo: fix it"  # the fake calls the tool with its own {"echo": ...}
    [sent] = _posted(conn["server"], "/v1/chat/completions")
    assert sent["tools"][0]["function"]["parameters"]["required"] == ["input"]
    async with client.responses.stream(model="llama-fake", input="fix it", tools=[patch]) as s:
        kinds = [event.type async for event in s]
        final = await s.get_final_response()
    assert "response.custom_tool_call_input.done" in kinds
    assert final.output[0].type == "custom_tool_call"
    history = [
        {"role": "user", "content": "fix it"},
        {"type": "custom_tool_call", "call_id": "c1", "name": "apply_patch", "input": "*** Begin"},
        {"type": "custom_tool_call_output", "call_id": "c1", "output": "Done!"},
    ]
    again = await client.responses.create(model="llama-fake", input=history, tools=[patch])
    assert again.output_text == "tool said: Done!"
    sent = _posted(conn["server"], "/v1/chat/completions")[-1]
    assert json.loads(sent["messages"][1]["tool_calls"][0]["function"]["arguments"]) == {
        "input": "*** Begin"
    }
