"""The inference half of the fakes: OpenAI Chat Completions and Embeddings, Anthropic Messages
and token counting, streamed or not, as the providers' API references describe them.

Answers are deterministic: the reply echoes the last user text ("echo: ..."), streamed a word
per event; tokens are counted as words, so tests can predict usage.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.server import Answer

REPLY_PREFIX = "echo:"


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _words(text: str) -> list[str]:
    return text.split()


def reply_for(messages: list[dict[str, Any]]) -> str:
    users = [m for m in messages if m.get("role") == "user"]
    return f"{REPLY_PREFIX} {_text_of(users[-1]['content']) if users else ''}".strip()


def prompt_tokens(body: dict[str, Any]) -> int:
    texts = [_text_of(m.get("content")) for m in body.get("messages", [])]
    system = body.get("system")
    texts.append(_text_of(system) if system else "")
    return sum(len(_words(t)) for t in texts)


def sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n".encode()


# -- OpenAI --------------------------------------------------------------------------------------


def openai_chat(body: dict[str, Any]) -> Answer:
    text = reply_for(body.get("messages", []))
    usage = {
        "prompt_tokens": prompt_tokens(body),
        "completion_tokens": len(_words(text)),
        "total_tokens": prompt_tokens(body) + len(_words(text)),
    }
    base = {"id": "chatcmpl-fake", "created": 1_700_000_000, "model": body.get("model")}
    if not body.get("stream"):
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": "stop",
            "logprobs": None,
        }
        return Answer(
            200, {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
        )
    chunk = {**base, "object": "chat.completion.chunk"}

    def delta(content: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": content, "finish_reason": finish, "logprobs": None}
        return sse({**chunk, "choices": [choice]})

    events = [delta({"role": "assistant", "content": ""})]
    events += [delta({"content": (" " if i else "") + word}) for i, word in enumerate(_words(text))]
    events.append(delta({}, "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        events.append(sse({**chunk, "choices": [], "usage": usage}))
    events.append(sse("[DONE]"))
    return Answer(200, events=events, headers={"Content-Type": "text/event-stream"})


def openai_embeddings(body: dict[str, Any]) -> Answer:
    inputs = body.get("input")
    items = inputs if isinstance(inputs, list) else [inputs]
    data = [
        {"object": "embedding", "index": i, "embedding": [float(len(str(item))), 0.5, -0.25]}
        for i, item in enumerate(items)
    ]
    tokens = sum(len(_words(str(item))) for item in items)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return Answer(200, {"object": "list", "data": data, "model": body.get("model"), "usage": usage})


# -- Anthropic -----------------------------------------------------------------------------------


def _tool_turn(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """With tools and no tool result yet: call the first tool (echoing the last user text as
    its input). With a tool result: say what the tool said."""
    last = (body.get("messages") or [{}])[-1]
    content = last.get("content") if isinstance(last.get("content"), list) else []
    results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
    if results:
        return None, f"tool said: {results[-1].get('content')}"
    if body.get("tools"):
        tool = body["tools"][0]
        call = {
            "type": "tool_use",
            "id": "toolu_fake",
            "name": tool["name"],
            "input": {"echo": reply_for(body["messages"])},
        }
        return call, None
    return None, None


def anthropic_messages(body: dict[str, Any]) -> Answer:
    call, said = _tool_turn(body)
    if call is not None:
        return _anthropic_tool_call(body, call)
    text = said or reply_for(body.get("messages", []))
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "stop_reason": None,
        "stop_sequence": None,
    }
    input_tokens = prompt_tokens(body)
    if not body.get("stream"):
        return Answer(
            200,
            {
                **message,
                "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": input_tokens, "output_tokens": len(_words(text))},
            },
        )
    start = {**message, "content": [], "usage": {"input_tokens": input_tokens, "output_tokens": 1}}
    events = [
        sse({"type": "message_start", "message": start}, "message_start"),
        sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        ),
        sse({"type": "ping"}, "ping"),
    ]
    for i, word in enumerate(_words(text)):
        piece = {"type": "text_delta", "text": (" " if i else "") + word}
        events.append(
            sse({"type": "content_block_delta", "index": 0, "delta": piece}, "content_block_delta")
        )
    events += [
        sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": len(_words(text))},
            },
            "message_delta",
        ),
        sse({"type": "message_stop"}, "message_stop"),
    ]
    return Answer(200, events=events, headers={"Content-Type": "text/event-stream"})


def anthropic_count_tokens(body: dict[str, Any]) -> Answer:
    return Answer(200, {"input_tokens": prompt_tokens(body)})


def _anthropic_tool_call(body: dict[str, Any], call: dict[str, Any]) -> Answer:
    message = {"id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model")}
    usage = {"input_tokens": prompt_tokens(body), "output_tokens": 5}
    if not body.get("stream"):
        content = [call]
        return Answer(
            200,
            {
                **message,
                "content": content,
                "stop_reason": "tool_use",
                "stop_sequence": None,
                "usage": usage,
            },
        )
    arguments = json.dumps(call["input"])
    half = len(arguments) // 2
    start = {
        **message,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {**usage, "output_tokens": 1},
    }
    block = {"type": "tool_use", "id": call["id"], "name": call["name"], "input": {}}
    events = [
        sse({"type": "message_start", "message": start}, "message_start"),
        sse(
            {"type": "content_block_start", "index": 0, "content_block": block},
            "content_block_start",
        ),
        *(
            sse(
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": part},
                },
                "content_block_delta",
            )
            for part in (arguments[:half], arguments[half:])
        ),
        sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
            "message_delta",
        ),
        sse({"type": "message_stop"}, "message_stop"),
    ]
    return Answer(200, events=events, headers={"Content-Type": "text/event-stream"})
