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


def cached(body: dict[str, Any]) -> int:
    """Tokens the provider says it read from its prompt cache: 2 when the request mentions
    "cached", so that tests can watch the count cross formats."""
    return 2 if "cached" in json.dumps(body) else 0


def cache_written(body: dict[str, Any]) -> int:
    """Tokens Anthropic says it wrote to its prompt cache: 3 when the request marks a block
    with cache_control (as a real request asks for caching)."""
    return 3 if "cache_control" in json.dumps(body) else 0


def sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    payload = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {payload}\n\n".encode()


# -- OpenAI --------------------------------------------------------------------------------------


def openai_chat(body: dict[str, Any], text: str | None = None) -> Answer:
    text = text if text is not None else reply_for(body.get("messages", []))
    words = [{"content": (" " if i else "") + word} for i, word in enumerate(_words(text))]
    message = {"role": "assistant", "content": text}
    opening = {"role": "assistant", "content": ""}
    return _chat_answer(body, message, "stop", len(_words(text)), [opening, *words])


def _chat_answer(
    body: dict[str, Any],
    message: dict[str, Any],
    finish: str,
    output_tokens: int,
    deltas: list[dict[str, Any]],
) -> Answer:
    """A chat completion whole, or streamed as `deltas` then the finish (and the usage chunk
    when the request asked for it)."""
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens(body),
        "completion_tokens": output_tokens,
        "total_tokens": prompt_tokens(body) + output_tokens,
    }
    if cached(body):
        usage["prompt_tokens_details"] = {"cached_tokens": cached(body)}
    base = {"id": "chatcmpl-fake", "created": 1_700_000_000, "model": body.get("model")}
    if not body.get("stream"):
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        return Answer(
            200, {**base, "object": "chat.completion", "choices": [choice], "usage": usage}
        )
    chunk = {**base, "object": "chat.completion.chunk"}

    def delta(content: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": content, "finish_reason": finish, "logprobs": None}
        return sse({**chunk, "choices": [choice]})

    events = [*(delta(d) for d in deltas), delta({}, finish)]
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
                "usage": {
                    "input_tokens": input_tokens,
                    "output_tokens": len(_words(text)),
                    "cache_read_input_tokens": cached(body),
                    "cache_creation_input_tokens": cache_written(body),
                },
            },
        )
    start_usage = {
        "input_tokens": input_tokens,
        "output_tokens": 1,
        "cache_read_input_tokens": cached(body),
        "cache_creation_input_tokens": cache_written(body),
    }
    start = {**message, "content": [], "usage": start_usage}
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


def _chat_tool_turn(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Chat Completions' side of _tool_turn: a call of the first tool, or what the tool said."""
    messages = body.get("messages") or [{}]
    if messages[-1].get("role") == "tool":
        return None, f"tool said: {_text_of(messages[-1].get('content'))}"
    if body.get("tools"):
        function = body["tools"][0]["function"]
        key = ((function.get("parameters") or {}).get("required") or ["echo"])[0]
        arguments = json.dumps({key: reply_for(messages)})
        return {"id": "call_fake", "name": function["name"], "arguments": arguments}, None
    return None, None


def openai_chat_with_tools(body: dict[str, Any]) -> Answer:
    call, said = _chat_tool_turn(body)
    if call is None and said is None:
        return openai_chat(body)
    if said is not None:
        return openai_chat(body, said)
    tool_call = {
        "id": call["id"],
        "type": "function",
        "function": {"name": call["name"], "arguments": call["arguments"]},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [tool_call]}
    half = len(call["arguments"]) // 2
    opening = {**tool_call, "index": 0, "function": {"name": call["name"], "arguments": ""}}
    deltas = [
        {"role": "assistant", "content": None, "tool_calls": [opening]},
        *(
            {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}
            for part in (call["arguments"][:half], call["arguments"][half:])
        ),
    ]
    return _chat_answer(body, message, "tool_calls", 5, deltas)


# -- OpenAI Responses ----------------------------------------------------------------------------


def _responses_turn(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str, int]:
    """(a function call or None, the reply text, input tokens) for a Responses request."""
    given = body.get("input")
    items = [{"role": "user", "content": given}] if isinstance(given, str) else given or []
    texts = [body.get("instructions") or ""]
    users = []
    for item in items:
        content = item.get("content")
        text = content if isinstance(content, str) else _text_of(content)
        texts.append(text)
        if item.get("role") == "user":
            users.append(text)
    tokens = sum(len(_words(t)) for t in texts)
    last = items[-1] if items else {}
    if last.get("type") == "function_call_output":
        return None, f"tool said: {last.get('output')}", tokens
    reply = f"{REPLY_PREFIX} {users[-1] if users else ''}".strip()
    tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
    if tools:
        call = {
            "id": "fc_fake",
            "type": "function_call",
            "status": "completed",
            "call_id": "call_fake",
            "name": tools[0]["name"],
            "arguments": json.dumps({"echo": reply}),
        }
        return call, "", tokens
    return None, reply, tokens


def openai_responses(body: dict[str, Any]) -> Answer:
    call, text, input_tokens = _responses_turn(body)
    output_tokens = 5 if call else len(_words(text))
    message = {
        "id": "msg_fake",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
    }
    output = [call] if call else [message]
    usage = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached(body)},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }
    response = {
        "id": "resp_fake",
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "model": body.get("model"),
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": body.get("tools") or [],
        "usage": usage,
    }
    if not body.get("stream"):
        return Answer(200, response)
    sequence = iter(range(1000))

    def event(kind: str, **payload: Any) -> bytes:
        return sse({"type": kind, "sequence_number": next(sequence), **payload}, kind)

    opening = {**response, "status": "in_progress", "output": [], "usage": None}
    events = [event("response.created", response=opening)]
    events.append(event("response.in_progress", response=opening))
    if call:
        added = {**call, "status": "in_progress", "arguments": ""}
        events.append(event("response.output_item.added", output_index=0, item=added))
        arguments = call["arguments"]
        for part in (arguments[: len(arguments) // 2], arguments[len(arguments) // 2 :]):
            events.append(
                event(
                    "response.function_call_arguments.delta",
                    item_id="fc_fake",
                    output_index=0,
                    delta=part,
                )
            )
        events.append(
            event(
                "response.function_call_arguments.done",
                item_id="fc_fake",
                output_index=0,
                arguments=arguments,
            )
        )
    else:
        at = {"item_id": "msg_fake", "output_index": 0, "content_index": 0}
        added = {**message, "status": "in_progress", "content": []}
        events.append(event("response.output_item.added", output_index=0, item=added))
        part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
        events.append(event("response.content_part.added", part=part, **at))
        for i, word in enumerate(_words(text)):
            piece = (" " if i else "") + word
            events.append(event("response.output_text.delta", delta=piece, logprobs=[], **at))
        events.append(event("response.output_text.done", text=text, logprobs=[], **at))
        events.append(event("response.content_part.done", part=message["content"][0], **at))
    events.append(event("response.output_item.done", output_index=0, item=output[0]))
    events.append(event("response.completed", response=response))
    return Answer(200, events=events, headers={"Content-Type": "text/event-stream"})


# -- Gemini --------------------------------------------------------------------------------------


def _gemini_turn(body: dict[str, Any]) -> tuple[dict[str, Any] | None, str, int]:
    contents = body.get("contents") or []
    texts = [p.get("text", "") for c in contents for p in c.get("parts", []) if "text" in p]
    system = body.get("systemInstruction") or body.get("system_instruction") or {}
    texts += [p.get("text", "") for p in system.get("parts", [])]
    tokens = sum(len(_words(t)) for t in texts)
    last = (contents or [{}])[-1].get("parts") or [{}]
    answered = [p["functionResponse"] for p in last if "functionResponse" in p]
    if answered:
        return None, f"tool said: {json.dumps(answered[-1].get('response'))}", tokens
    users = [c for c in contents if c.get("role", "user") == "user"]
    said = " ".join(p.get("text", "") for p in (users[-1]["parts"] if users else []))
    reply = f"{REPLY_PREFIX} {said}".strip()
    declared = [d for t in body.get("tools") or [] for d in t.get("functionDeclarations") or []]
    if declared:
        return {"name": declared[0]["name"], "args": {"echo": reply}}, "", tokens
    return None, reply, tokens


def gemini_generate(body: dict[str, Any], model: str, stream: bool) -> Answer:
    call, text, prompt = _gemini_turn(body)
    output_tokens = 5 if call else len(_words(text))
    usage = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": output_tokens,
        "totalTokenCount": prompt + output_tokens,
    }
    if cached(body):
        usage["cachedContentTokenCount"] = cached(body)
    if "think" in json.dumps(body):  # a thinking model: its thoughts are reported apart
        usage["thoughtsTokenCount"] = 4
        usage["totalTokenCount"] += 4
    base = {"modelVersion": model, "responseId": "fake-response"}

    def candidate(parts: list[dict[str, Any]], finish: str | None = None) -> dict[str, Any]:
        found: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish:
            found["finishReason"] = finish
        return found

    parts = [{"functionCall": call}] if call else [{"text": text}]
    if not stream:
        return Answer(
            200, {**base, "candidates": [candidate(parts, "STOP")], "usageMetadata": usage}
        )
    chunks = []
    if call:
        chunks.append({**base, "candidates": [candidate(parts, "STOP")], "usageMetadata": usage})
    else:
        words = _words(text)
        for i, word in enumerate(words):
            last = i == len(words) - 1
            piece = [{"text": (" " if i else "") + word}]
            chunk = {**base, "candidates": [candidate(piece, "STOP" if last else None)]}
            chunk["usageMetadata"] = usage if last else {"promptTokenCount": prompt}
            chunks.append(chunk)
    events = [f"data: {json.dumps(c)}\r\n\r\n".encode() for c in chunks]
    return Answer(200, events=events, headers={"Content-Type": "text/event-stream"})


def gemini_count_tokens(body: dict[str, Any]) -> Answer:
    request = body.get("generateContentRequest") or body
    return Answer(200, {"totalTokens": _gemini_turn(request)[2]})
