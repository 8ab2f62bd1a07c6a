"""Chat Completions sent to an Anthropic model: the request becomes a Messages request, and the
answer (whole or streamed) becomes a Chat Completion again. Text, system prompts, images by URL
or base64, tools and tool results, stop reasons and usage all cross over."""

from __future__ import annotations

import json
import time
from typing import Any

from app.gateway.errors import TYPES
from app.gateway.streams import chat_usage, reported_usage

DEFAULT_MAX_TOKENS = 4096  # Messages requires max_tokens; Chat Completions does not
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
SYSTEM_ROLES = ("system", "developer")


class Untranslatable(ValueError):
    """The request uses something Messages cannot express; the message says what."""


# -- the request ---------------------------------------------------------------------------------


def messages_request(body: dict[str, Any], model: str) -> dict[str, Any]:
    chat = body.get("messages")
    if not isinstance(chat, list) or not chat:
        raise Untranslatable("'messages' must be a non-empty list")
    system = [
        block
        for m in chat
        if m.get("role") in SYSTEM_ROLES
        for block in _content_blocks(m.get("content"))
        if block.get("type") == "text"
    ]
    request: dict[str, Any] = {
        "model": model,
        "messages": _turns([m for m in chat if m.get("role") not in SYSTEM_ROLES]),
        "max_tokens": body.get("max_completion_tokens")
        or body.get("max_tokens")
        or DEFAULT_MAX_TOKENS,
    }
    if system:
        request["system"] = system  # each system message and part a block of its own
    for key in ("temperature", "top_p", "stream"):
        if body.get(key) is not None:
            request[key] = body[key]
    stop = body.get("stop")
    if stop:
        request["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if body.get("tools"):
        request["tools"] = [_tool(t) for t in body["tools"]]
    if body.get("tool_choice") is not None:
        request["tool_choice"] = _tool_choice(body["tool_choice"])
    if body.get("parallel_tool_calls") is False and body.get("tools"):
        choice = request.setdefault("tool_choice", {"type": "auto"})
        if choice.get("type") != "none":
            choice["disable_parallel_tool_use"] = True
    return request


def _turns(chat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages alternate user and assistant: consecutive blocks of one role are merged, and
    tool results travel in the user's turn."""
    turns: list[dict[str, Any]] = []
    for message in chat:
        role = "assistant" if message.get("role") == "assistant" else "user"
        blocks = _blocks(message)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    return turns


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    role = message.get("role")
    if role == "tool":
        return [
            {
                "type": "tool_result",
                "tool_use_id": message.get("tool_call_id", ""),
                "content": plain_text(message.get("content")),
            }
        ]
    blocks = _content_blocks(message.get("content"))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id", ""),
                "name": function.get("name", ""),
                "input": _arguments(function.get("arguments")),
            }
        )
    return blocks


def _content_blocks(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks = []
    for part in content:
        if part.get("type") == "text":
            blocks.append({"type": "text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            blocks.append(_image((part.get("image_url") or {}).get("url", "")))
        else:
            raise Untranslatable(f"content parts of type {part.get('type')!r} cannot be sent")
    return blocks


def _image(url: str) -> dict[str, Any]:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media_type = header.removeprefix("data:").split(";")[0]
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": data},
        }
    return {"type": "image", "source": {"type": "url", "url": url}}


def _arguments(raw: Any) -> Any:
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(raw or "{}")
    except ValueError:
        raise Untranslatable("a tool call's arguments are not valid JSON") from None


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool.get("function") or {}
    translated = {
        "name": function.get("name", ""),
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        translated["description"] = function["description"]
    return translated


def _tool_choice(choice: Any) -> dict[str, Any]:
    if choice == "required":
        return {"type": "any"}
    if choice in ("auto", "none"):
        return {"type": choice}
    return {"type": "tool", "name": ((choice or {}).get("function") or {}).get("name", "")}


def plain_text(content: Any) -> str:
    """A string, or the text parts of a list of content parts or blocks, each kept apart by a
    blank line (a system prompt of several blocks, a tool result of several parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = (p.get("text", "") for p in content if isinstance(p, dict))
        return "\n\n".join(t for t in texts if t)
    return ""


# -- the answer ----------------------------------------------------------------------------------


def chat_completion(answer: dict[str, Any], model: str) -> dict[str, Any]:
    blocks = answer.get("content") or []
    text = "".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    calls = [_tool_call(b) for b in blocks if b.get("type") == "tool_use"]
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-{answer.get('id', '')}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": STOP_REASONS.get(answer.get("stop_reason") or "", "stop"),
                "logprobs": None,
            }
        ],
        "usage": _usage(answer.get("usage")),
    }


def chat_error(answer: Any, status: int) -> dict[str, Any]:
    error = answer.get("error") if isinstance(answer, dict) else None
    message = (error or {}).get("message") or f"The provider answered HTTP {status}."
    kind = (error or {}).get("type") or TYPES.get(status, ("api_error", "api_error"))[0]
    return {"error": {"message": message, "type": kind, "code": None}}


def _tool_call(block: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": block.get("id", ""),
        "type": "function",
        "function": {"name": block.get("name", ""), "arguments": json.dumps(block.get("input"))},
    }


def _usage(reported: Any) -> dict[str, Any]:
    return chat_usage(reported_usage(reported))
