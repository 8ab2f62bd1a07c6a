"""Anthropic Messages sent to a model that speaks Chat Completions (so a coding tool that speaks
Messages can use any model): the request becomes a Chat Completions request, and the answer,
whole or streamed, becomes a Message again."""

from __future__ import annotations

import json
from typing import Any

from app.gateway.chat_to_messages import Untranslatable, plain_text
from app.gateway.errors import TYPES
from app.gateway.streams import messages_usage, reported_usage

FINISH_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}


def chat_request(body: dict[str, Any], model: str) -> dict[str, Any]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise Untranslatable("'messages' must be a non-empty list")
    chat: list[dict[str, Any]] = []
    system = plain_text(body.get("system"))
    if system:
        chat.append({"role": "system", "content": system})
    for message in messages:
        chat.extend(_chat_messages(message))
    request: dict[str, Any] = {"model": model, "messages": chat}
    for key, value in (
        ("max_tokens", body.get("max_tokens")),
        ("temperature", body.get("temperature")),
        ("top_p", body.get("top_p")),
        ("stop", body.get("stop_sequences")),
    ):
        if value is not None:
            request[key] = value
    if body.get("stream"):
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}  # a Message always reports usage
    if body.get("tools"):
        request["tools"] = [_function(t) for t in body["tools"]]
    if body.get("tool_choice"):
        request["tool_choice"] = _tool_choice(body["tool_choice"])
        if body["tool_choice"].get("disable_parallel_tool_use"):
            request["parallel_tool_calls"] = False
    return request


def _chat_messages(message: dict[str, Any]) -> list[dict[str, Any]]:
    role, content = message.get("role"), message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    blocks = content if isinstance(content, list) else []
    results = [
        {
            "role": "tool",
            "tool_call_id": b.get("tool_use_id", ""),
            # Chat has no error flag: the tool's failure is said in its text.
            "content": ("Error: " if b.get("is_error") else "") + plain_text(b.get("content")),
        }
        for b in blocks
        if b.get("type") == "tool_result"
    ]
    parts = [_part(b) for b in blocks if b.get("type") in ("text", "image")]
    calls = [_call(b) for b in blocks if b.get("type") == "tool_use"]
    out = list(results)
    if role == "assistant":
        text = "".join(p["text"] for p in parts if p["type"] == "text")
        turn: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            turn["tool_calls"] = calls
        out.append(turn)
    elif parts:
        out.append({"role": "user", "content": parts})
    return out


def _part(block: dict[str, Any]) -> dict[str, Any]:
    if block.get("type") == "text":
        return {"type": "text", "text": block.get("text", "")}
    source = block.get("source") or {}
    if source.get("type") == "base64":
        url = f"data:{source.get('media_type', '')};base64,{source.get('data', '')}"
    else:
        url = source.get("url", "")
    return {"type": "image_url", "image_url": {"url": url}}


def _call(block: dict[str, Any]) -> dict[str, Any]:
    arguments = json.dumps(block.get("input") or {})
    function = {"name": block.get("name", ""), "arguments": arguments}
    return {"id": block.get("id", ""), "type": "function", "function": function}


def _function(tool: dict[str, Any]) -> dict[str, Any]:
    function = {"name": tool.get("name", ""), "parameters": tool.get("input_schema") or {}}
    if tool.get("description"):
        function["description"] = tool["description"]
    return {"type": "function", "function": function}


def _tool_choice(choice: dict[str, Any]) -> Any:
    kind = choice.get("type")
    if kind == "tool":
        return {"type": "function", "function": {"name": choice.get("name", "")}}
    return {"any": "required", "none": "none"}.get(kind or "", "auto")


def message(answer: dict[str, Any], model: str) -> dict[str, Any]:
    choice = (answer.get("choices") or [{}])[0]
    reply = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if reply.get("content"):
        content.append({"type": "text", "text": reply["content"]})
    for call in reply.get("tool_calls") or []:
        function = call.get("function") or {}
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except ValueError:
            arguments = {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": function.get("name", ""),
                "input": arguments,
            }
        )
    return {
        "id": f"msg_{answer.get('id', '')}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": FINISH_REASONS.get(choice.get("finish_reason") or "", "end_turn"),
        "stop_sequence": None,
        "usage": messages_usage(reported_usage(answer.get("usage"))),
    }


def message_error(answer: Any, status: int) -> dict[str, Any]:
    error = answer.get("error") if isinstance(answer, dict) else None
    text = (error or {}).get("message") if isinstance(error, dict) else None
    kind = TYPES.get(status, ("api_error", "api_error"))[1]  # Anthropic's type for the status
    return {"type": "error", "error": {"type": kind, "message": text or f"HTTP {status}"}}
