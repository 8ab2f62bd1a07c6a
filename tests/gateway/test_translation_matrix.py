"""Every caller format against every upstream family: Chat Completions, Messages, Responses and
Gemini in; OpenAI-format, Anthropic and Gemini connections up. Each pair must carry what a
coding tool relies on: a system prompt of two parts kept apart, an image, temperature, the
maximum of tokens and stop sequences there; the text, a streamed tool call with its arguments,
usage in the final event and cached-token counts back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.gateway.sdks import (
    anthropic_connection,
    caller_token,
    gemini_connection,
    openai_connection,
)

SYSTEM = ["You are a coding agent.", "Answer briefly."]
IMAGE = "iVBORw0KGgoAAAANSUhEUg"  # the start of a PNG, base64
DATA_URL = f"data:image/png;base64,{IMAGE}"
PARAMETERS = {"type": "object", "properties": {"echo": {"type": "string"}}}


@dataclass(frozen=True)
class Caller:
    """How one format asks (a plain turn, a streamed tool turn) and how its answers read."""

    name: str
    stops: bool = True  # the format has stop sequences (Responses has none)

    def path(self, model: str, stream: bool) -> str:
        if self.name == "gemini":
            method = "streamGenerateContent?alt=sse" if stream else "generateContent"
            return f"/v1beta/models/{model}:{method}"
        return {"chat": "/v1/chat/completions", "messages": "/v1/messages"}.get(
            self.name, "/v1/responses"
        )

    def headers(self, token: str) -> dict[str, str]:
        name = {"messages": "x-api-key", "gemini": "x-goog-api-key"}.get(self.name)
        return {name: token} if name else {"Authorization": f"Bearer {token}"}

    def plain(self, model: str, text: str) -> dict[str, Any]:
        if self.name == "chat":
            system = [{"type": "text", "text": t} for t in SYSTEM]
            image = {"type": "image_url", "image_url": {"url": DATA_URL}}
            user = [{"type": "text", "text": text}, image]
            return {
                "model": model,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
                "max_tokens": 64,
                "temperature": 0.2,
                "stop": ["STOP"],
            }
        if self.name == "messages":
            source = {"type": "base64", "media_type": "image/png", "data": IMAGE}
            user = [{"type": "text", "text": text}, {"type": "image", "source": source}]
            return {
                "model": model,
                "system": [{"type": "text", "text": t} for t in SYSTEM],
                "messages": [{"role": "user", "content": user}],
                "max_tokens": 64,
                "temperature": 0.2,
                "stop_sequences": ["STOP"],
            }
        if self.name == "responses":
            user = [
                {"type": "input_text", "text": text},
                {"type": "input_image", "image_url": DATA_URL},
            ]
            return {
                "model": model,
                "instructions": SYSTEM[0],
                "input": [
                    {"role": "developer", "content": SYSTEM[1]},
                    {"role": "user", "content": user},
                ],
                "max_output_tokens": 64,
                "temperature": 0.2,
                "store": False,
            }
        return {
            "systemInstruction": {"parts": [{"text": t} for t in SYSTEM]},
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": text},
                        {"inlineData": {"mimeType": "image/png", "data": IMAGE}},
                    ],
                }
            ],
            "generationConfig": {
                "maxOutputTokens": 64,
                "temperature": 0.2,
                "stopSequences": ["STOP"],
            },
        }

    def tool_turn(self, model: str) -> dict[str, Any]:
        user = "look up tea"
        if self.name == "chat":
            tool = {"type": "function", "function": {"name": "lookup", "parameters": PARAMETERS}}
            return {
                "model": model,
                "messages": [{"role": "user", "content": user}],
                "tools": [tool],
                "stream": True,
                "stream_options": {"include_usage": True},
            }
        if self.name == "messages":
            return {
                "model": model,
                "messages": [{"role": "user", "content": user}],
                "tools": [{"name": "lookup", "input_schema": PARAMETERS}],
                "max_tokens": 64,
                "stream": True,
            }
        if self.name == "responses":
            tool = {"type": "function", "name": "lookup", "parameters": PARAMETERS}
            return {"model": model, "input": user, "tools": [tool], "stream": True}
        declaration = {"name": "lookup", "parameters": PARAMETERS}
        return {
            "contents": [{"role": "user", "parts": [{"text": user}]}],
            "tools": [{"functionDeclarations": [declaration]}],
        }

    def text_of(self, answer: dict[str, Any]) -> str:
        if self.name == "chat":
            return answer["choices"][0]["message"]["content"]
        if self.name == "messages":
            return answer["content"][0]["text"]
        if self.name == "responses":
            return answer["output"][0]["content"][0]["text"]
        return answer["candidates"][0]["content"]["parts"][0]["text"]

    def usage_of(self, answer: dict[str, Any]) -> tuple[int, int, int]:
        """(input, output, cached) as the format says them (Messages' input leaves the cached
        tokens out: they are added back, so every format's input counts them)."""
        if self.name == "chat":
            usage = answer["usage"]
            cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
            return usage["prompt_tokens"], usage["completion_tokens"], cached
        if self.name == "messages":
            usage = answer["usage"]
            cached = usage.get("cache_read_input_tokens") or 0
            return usage["input_tokens"] + cached, usage["output_tokens"], cached
        if self.name == "responses":
            usage = answer["usage"]
            cached = usage["input_tokens_details"]["cached_tokens"]
            return usage["input_tokens"], usage["output_tokens"], cached
        usage = answer["usageMetadata"]
        cached = usage.get("cachedContentTokenCount", 0)
        return usage["promptTokenCount"], usage["candidatesTokenCount"], cached

    def streamed_call(self, text: str) -> tuple[str, str, int]:
        """(tool name, its arguments as they arrived, output tokens in the final event)."""
        data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
        events = [json.loads(d) for d in data if d != "[DONE]"]
        if self.name == "chat":
            calls = [
                c
                for e in events
                for ch in e["choices"]
                for c in ch["delta"].get("tool_calls") or []
            ]
            name = "".join(c.get("function", {}).get("name") or "" for c in calls)
            arguments = "".join(c["function"].get("arguments") or "" for c in calls)
            return name, arguments, events[-1]["usage"]["completion_tokens"]
        if self.name == "messages":
            [block] = [e["content_block"] for e in events if e["type"] == "content_block_start"]
            deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
            arguments = "".join(d["partial_json"] for d in deltas)
            [end] = [e for e in events if e["type"] == "message_delta"]
            return block["name"], arguments, end["usage"]["output_tokens"]
        if self.name == "responses":
            [added] = [e["item"] for e in events if e["type"] == "response.output_item.added"]
            deltas = [e for e in events if e["type"] == "response.function_call_arguments.delta"]
            assert events[-1]["type"] == "response.completed"
            output = events[-1]["response"]["usage"]["output_tokens"]
            return added["name"], "".join(d["delta"] for d in deltas), output
        parts = [p for e in events for p in e["candidates"][0]["content"]["parts"]]
        [call] = [p["functionCall"] for p in parts if "functionCall" in p]
        return (
            call["name"],
            json.dumps(call["args"]),
            events[-1]["usageMetadata"]["candidatesTokenCount"],
        )


CALLERS = [Caller("chat"), Caller("messages"), Caller("responses", stops=False), Caller("gemini")]
UPSTREAMS = {
    "openai": (openai_connection, "/chat/completions"),
    "anthropic": (anthropic_connection, "/v1/messages"),
    "gemini": (gemini_connection, "/v1beta/"),
}


def _system_texts(sent: dict[str, Any]) -> list[str]:
    """The system prompt's parts as the upstream received them, in any of the three formats."""
    if "systemInstruction" in sent:
        return [p["text"] for p in sent["systemInstruction"]["parts"]]
    if "system" in sent:
        return [b["text"] for b in sent["system"]]
    texts: list[str] = []
    for message in sent["messages"]:
        if message["role"] == "system":
            content = message["content"]
            parts = (
                content.split("\n\n") if isinstance(content, str) else [p["text"] for p in content]
            )
            texts.extend(parts)
    return texts


def _limits(sent: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(max tokens, temperature, stop sequences) as the upstream received them."""
    if "generationConfig" in sent:
        config = sent["generationConfig"]
        return config["maxOutputTokens"], config["temperature"], config.get("stopSequences")
    most = sent.get("max_tokens") or sent.get("max_completion_tokens")
    stop = sent.get("stop_sequences", sent.get("stop"))
    return most, sent.get("temperature"), [stop] if isinstance(stop, str) else stop


@pytest.mark.parametrize("upstream", list(UPSTREAMS))
@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c.name)
async def test_each_caller_format_through_each_upstream_family(
    app, client, admin, fake, caller, upstream
):
    connect, inference_path = UPSTREAMS[upstream]
    conn = await connect(admin, fake, "up", ["the-model"])
    headers = caller.headers(await caller_token(admin))

    plain = await client.post(
        caller.path("the-model", False),
        json=caller.plain("the-model", "hello there cached"),
        headers=headers,
    )
    assert plain.status_code == 200, plain.text
    assert caller.text_of(plain.json()) == "echo: hello there cached"
    input_tokens, output_tokens, cached = caller.usage_of(plain.json())
    assert output_tokens == 4 and input_tokens > 0 and cached == 2
    seen = [r for r in conn["server"].requests if r.method == "POST" and inference_path in r.path]
    sent = json.loads(seen[-1].body)
    assert _system_texts(sent) == SYSTEM, "system parts kept apart"
    assert IMAGE in json.dumps(sent), "the image crossed"
    most, temperature, stop = _limits(sent)
    assert (most, temperature) == (64, 0.2)
    assert stop == (["STOP"] if caller.stops else None)

    streamed = await client.post(
        caller.path("the-model", True), json=caller.tool_turn("the-model"), headers=headers
    )
    assert streamed.status_code == 200, streamed.text
    assert streamed.headers["content-type"].startswith("text/event-stream")
    name, arguments, output_tokens = caller.streamed_call(streamed.text)
    assert name == "lookup" and json.loads(arguments) == {"echo": "echo: look up tea"}
    assert output_tokens == 5, "usage in the final event"
    sent = json.loads(
        [r for r in conn["server"].requests if r.method == "POST" and inference_path in r.path][
            -1
        ].body
    )
    if upstream == "anthropic":
        assert sent["max_tokens"] > 0, "Anthropic's required max_tokens filled in"
