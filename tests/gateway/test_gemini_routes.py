"""Gemini's own routes (/v1beta/models/{model}:generateContent, :streamGenerateContent with
alt=sse, :countTokens) with the official google-genai SDK pointed at Switchboard, as Gemini CLI
does with GOOGLE_GEMINI_BASE_URL: passed through to Gemini connections, translated for the
others; the Switchboard token travels as x-goog-api-key or ?key=."""

from __future__ import annotations

import json

import pytest
from google.genai import errors, types

from tests.gateway.sdks import (
    anthropic_connection,
    caller_token,
    gemini_client,
    gemini_connection,
    openai_client,
    openai_connection,
)

LOOKUP = types.FunctionDeclaration(
    name="lookup",
    description="Look a word up.",
    parameters=types.Schema(
        type=types.Type.OBJECT, properties={"echo": types.Schema(type=types.Type.STRING)}
    ),
)


def _posted(server, part: str) -> list:
    return [r for r in server.requests if r.method == "POST" and part in r.path]


async def test_passed_through_to_gemini_with_the_connections_key(app, admin, fake):
    conn = await gemini_connection(admin, fake, "gemini", ["gemini-fake"])
    token = await caller_token(admin)
    client = gemini_client(app, token)
    config = types.GenerateContentConfig(system_instruction="Be brief.", temperature=0.3)
    answer = await client.aio.models.generate_content(
        model="gemini-fake", contents="hello there", config=config
    )
    assert answer.text == "echo: hello there"
    assert answer.usage_metadata.candidates_token_count == 3
    [seen] = _posted(conn["server"], ":generateContent")
    assert seen.path == "/v1beta/models/gemini-fake:generateContent"
    assert seen.headers["x-goog-api-key"] == conn["server"].key != token
    sent = json.loads(seen.body)
    assert "model" not in sent and sent["generationConfig"]["temperature"] == 0.3
    chunks = [
        chunk.text
        async for chunk in await client.aio.models.generate_content_stream(
            model="gemini-fake", contents="one two three"
        )
    ]
    assert "".join(chunks) == "echo: one two three" and len(chunks) == 4
    [streamed] = _posted(conn["server"], ":streamGenerateContent")
    assert streamed.query["alt"] == "sse" and "key" not in streamed.query
    counted = await client.aio.models.count_tokens(model="gemini-fake", contents="a b c")
    assert counted.total_tokens == 3  # the upstream's own count


@pytest.mark.parametrize("upstream", ["openai", "anthropic"])
async def test_translated_for_other_families_text_tools_and_stream(app, admin, fake, upstream):
    if upstream == "openai":
        conn = await openai_connection(admin, fake, "other", ["other-fake"])
        path = "/chat/completions"
    else:
        conn = await anthropic_connection(admin, fake, "other", ["other-fake"])
        path = "/v1/messages"
    client = gemini_client(app, await caller_token(admin))
    config = types.GenerateContentConfig(
        system_instruction=["You are a coding agent.", "Answer briefly."],
        max_output_tokens=64,
        stop_sequences=["STOP"],
    )
    answer = await client.aio.models.generate_content(
        model="other-fake", contents="hello there", config=config
    )
    assert answer.text == "echo: hello there"
    assert answer.candidates[0].finish_reason == types.FinishReason.STOP
    assert answer.usage_metadata.prompt_token_count > 0
    sent = json.loads(_posted(conn["server"], path)[0].body)
    if upstream == "anthropic":
        assert [b["text"] for b in sent["system"]] == ["You are a coding agent.", "Answer briefly."]
        assert sent["max_tokens"] == 64 and sent["stop_sequences"] == ["STOP"]
    else:
        system = sent["messages"][0]
        assert system["role"] == "system"
        assert [p["text"] for p in system["content"]] == [
            "You are a coding agent.",
            "Answer briefly.",
        ]
        assert sent["max_tokens"] == 64 and sent["stop"] == ["STOP"]
    tools = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[LOOKUP])])
    chunks = [
        chunk
        async for chunk in await client.aio.models.generate_content_stream(
            model="other-fake", contents="look up tea", config=tools
        )
    ]
    calls = [c for chunk in chunks for c in chunk.function_calls or []]
    assert [(c.name, c.args) for c in calls] == [("lookup", {"echo": "echo: look up tea"})]
    assert chunks[-1].usage_metadata.candidates_token_count == 5
    follow_up = [
        types.Content(role="user", parts=[types.Part(text="look up tea")]),
        types.Content(role="model", parts=[types.Part(function_call=calls[0])]),
        types.Content(
            role="user",
            parts=[
                types.Part.from_function_response(name="lookup", response={"output": "a drink"})
            ],
        ),
    ]
    answer = await client.aio.models.generate_content(
        model="other-fake", contents=follow_up, config=tools
    )
    assert answer.text.startswith("tool said: a drink")


async def test_count_tokens_is_an_estimate_where_the_upstream_cannot_count(app, admin, fake):
    conn = await openai_connection(admin, fake, "local", ["llama-fake"])
    client = gemini_client(app, await caller_token(admin))
    counted = await client.aio.models.count_tokens(model="llama-fake", contents="x" * 40)
    assert counted.total_tokens == 10  # about four characters a token
    assert _posted(conn["server"], "/") == []


async def test_the_token_may_travel_as_key_and_failures_speak_geminis_format(
    app, client, admin, fake
):
    await gemini_connection(admin, fake, "gemini", ["gemini-fake"])
    token = await caller_token(admin)
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    by_key = await client.post(f"/v1beta/models/gemini-fake:generateContent?key={token}", json=body)
    assert by_key.status_code == 200
    assert by_key.json()["candidates"][0]["content"]["parts"][0]["text"] == "echo: hi"
    nobody = await client.post("/v1beta/models/gemini-fake:generateContent", json=body)
    assert nobody.status_code == 401
    assert nobody.json()["error"]["status"] == "UNAUTHENTICATED"
    assert nobody.json()["error"]["code"] == 401
    auth = {"x-goog-api-key": token}
    unknown = await client.post("/v1beta/models/nope:generateContent", json=body, headers=auth)
    assert unknown.status_code == 404 and unknown.json()["error"]["status"] == "NOT_FOUND"
    method = await client.post("/v1beta/models/gemini-fake:embedAll", json=body, headers=auth)
    assert method.status_code == 404 and method.json()["error"]["status"] == "NOT_FOUND"
    for path in ("/v1beta/nothing/here", "/v1beta"):
        lost = await client.get(path, headers=auth)
        assert lost.status_code == 404 and lost.json()["error"]["status"] == "NOT_FOUND"
    bad = await client.post(
        "/v1beta/models/gemini-fake:generateContent", json={"contents": "x"}, headers=auth
    )
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


async def test_the_sdk_reads_a_refusal_as_an_api_error(app, admin, fake):
    await gemini_connection(admin, fake, "gemini", ["gemini-fake"])
    client = gemini_client(app, "not-a-token")
    with pytest.raises(errors.ClientError) as refused:
        await client.aio.models.generate_content(model="gemini-fake", contents="hi")
    assert refused.value.code == 401 and refused.value.status == "UNAUTHENTICATED"


async def test_a_system_instruction_of_one_part_is_one_string(app, client, admin, fake):
    """As Gemini CLI sends it: {"parts": [{"text": ...}], "role": "user"}."""
    conn = await anthropic_connection(admin, fake, "other", ["other-fake"])
    body = {
        "systemInstruction": {"parts": [{"text": "You are Gemini CLI."}], "role": "user"},
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "generationConfig": {"temperature": 1, "thinkingConfig": {"includeThoughts": True}},
    }
    answer = await client.post(
        "/v1beta/models/other-fake:streamGenerateContent?alt=sse",
        json=body,
        headers={"x-goog-api-key": await caller_token(admin)},
    )
    assert answer.status_code == 200, answer.text
    sent = json.loads(_posted(conn["server"], "/v1/messages")[-1].body)
    assert sent["system"] == [{"type": "text", "text": "You are Gemini CLI."}]


async def test_google_genai_lists_the_models_the_caller_may_use(app, admin, fake):
    await gemini_connection(admin, fake, "gemini", ["gemini-fake"])
    await openai_connection(admin, fake, "local", ["llama-fake"])
    client = gemini_client(app, await caller_token(admin))
    names = [model.name async for model in await client.aio.models.list()]
    assert sorted(names) == ["models/gemini-fake", "models/llama-fake"]
    openai = await openai_client(app, await caller_token(admin)).models.list()
    assert sorted(m.id for m in openai.data) == ["gemini-fake", "llama-fake"]  # still OpenAI's


async def test_one_model_is_read_in_either_format(app, client, admin, fake):
    await gemini_connection(admin, fake, "gemini", ["gemini-fake"])
    token = await caller_token(admin)
    one = await openai_client(app, token).models.retrieve("gemini-fake")
    assert one.id == "gemini-fake" and one.object == "model"
    gemini = await gemini_client(app, token).aio.models.get(model="gemini-fake")
    assert gemini.name == "models/gemini-fake"
    missing = await client.get("/v1/models/nope", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"
    wrong = await client.post(
        "/v1/models/gemini-fake", headers={"Authorization": f"Bearer {token}"}
    )
    assert wrong.status_code == 405 and wrong.json()["error"]["type"] == "invalid_request_error"
