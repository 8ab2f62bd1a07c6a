"""OpenAI's Responses API sent to a model that does not speak it (Anthropic, Gemini, Ollama, any
OpenAI-compatible server): the request becomes a Chat Completions request, and the answer,
whole, becomes a Response again (streamed: responses_stream.py). Chat Completions is the
meeting point: from it the call crosses to Messages like any other (upstream.py).

Stateless, as Codex and the Agents SDK with `store: false` use it: the caller sends the whole
conversation each time. `previous_response_id` is refused (request_shape.py), because no
connection behind the gateway is sure to hold the response it names.

Reasoning items (encrypted reasoning from an OpenAI model) cannot cross to another provider and
are left out; hosted tools (web search, file search, code interpreter...) have no equivalent in
Chat Completions and are left out too; function tools cross whole. A custom (free-form) tool,
as Codex's apply_patch is, crosses as a function of one string, `input`, and its calls come
back as custom tool calls."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from app.gateway.chat_to_messages import Untranslatable
from app.gateway.streams import Usage, add_usage

SYSTEM_ROLES = ("system", "developer")
INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


# -- the request ---------------------------------------------------------------------------------


def chat_of_responses(body: dict[str, Any], model: str) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    given = body.get("input")
    items = [{"role": "user", "content": given}] if isinstance(given, str) else given or []
    for item in items:
        _add_item(messages, item)
    if not messages:
        raise Untranslatable("'input' is empty")
    request: dict[str, Any] = {"model": model, "messages": messages}
    for key in ("temperature", "top_p", "parallel_tool_calls", "user"):
        if body.get(key) is not None:
            request[key] = body[key]
    if body.get("max_output_tokens") is not None:
        request["max_tokens"] = body["max_output_tokens"]
    tools = [_function(t) for t in body.get("tools") or [] if t.get("type") in CROSSING_TOOLS]
    if tools:
        request["tools"] = tools
        if body.get("tool_choice") is not None:
            request["tool_choice"] = _tool_choice(body["tool_choice"])
    response_format = _response_format((body.get("text") or {}).get("format"))
    if response_format:
        request["response_format"] = response_format
    if body.get("stream") is True:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    return request


def _add_item(messages: list[dict[str, Any]], item: dict[str, Any]) -> None:
    kind = item.get("type") or "message"
    if kind == "message":
        role = item.get("role") or "user"
        if role == "assistant":
            text = _text(item.get("content"))
            messages.append({"role": "assistant", "content": text or None})
        else:
            role = "system" if role in SYSTEM_ROLES else "user"
            messages.append({"role": role, "content": _parts(item.get("content"))})
    elif kind in ("function_call", "custom_tool_call"):
        arguments = item.get("arguments") or "{}"
        if kind == "custom_tool_call":
            arguments = json.dumps({"input": item.get("input") or ""})
        call = {
            "id": item.get("call_id") or item.get("id") or "",
            "type": "function",
            "function": {"name": item.get("name", ""), "arguments": arguments},
        }
        last = messages[-1] if messages else None
        if last is not None and last["role"] == "assistant":
            last.setdefault("tool_calls", []).append(call)
        else:
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output")
        content = output if isinstance(output, str) else _parts(output)
        messages.append(
            {"role": "tool", "tool_call_id": item.get("call_id", ""), "content": content}
        )
    elif kind != "reasoning":  # encrypted reasoning stays with the provider that wrote it
        raise Untranslatable(f"input items of type {kind!r} cannot be sent")


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(
        p.get("text") or p.get("refusal") or "" for p in content or [] if isinstance(p, dict)
    )


def _parts(content: Any) -> Any:
    """Input content as Chat Completions content: a string stays one; text and images cross."""
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for part in content or []:
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image" and isinstance(part.get("image_url"), str):
            image = {"url": part["image_url"], "detail": part.get("detail") or "auto"}
            parts.append({"type": "image_url", "image_url": image})
        else:
            raise Untranslatable(f"content parts of type {kind!r} cannot be sent")
    if len(parts) == 1 and parts[0]["type"] == "text":
        return parts[0]["text"]
    return parts


CROSSING_TOOLS = ("function", "custom")
CUSTOM_INPUT = {
    "type": "object",
    "properties": {"input": {"type": "string", "description": "The tool's whole input."}},
    "required": ["input"],
}


def _function(tool: dict[str, Any]) -> dict[str, Any]:
    parameters = CUSTOM_INPUT if tool.get("type") == "custom" else tool.get("parameters") or {}
    function = {"name": tool.get("name", ""), "parameters": parameters}
    for key in ("description", "strict"):
        if tool.get(key) is not None:
            function[key] = tool[key]
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") in CROSSING_TOOLS:
        return {"type": "function", "function": {"name": choice.get("name", "")}}
    return choice if choice in ("auto", "none", "required") else "auto"


def _response_format(given: Any) -> dict[str, Any] | None:
    if not isinstance(given, dict) or given.get("type") in (None, "text"):
        return None
    if given["type"] == "json_schema":
        schema = {k: given[k] for k in ("name", "schema", "strict", "description") if k in given}
        return {"type": "json_schema", "json_schema": schema}
    return {"type": given["type"]}


# -- the answer ----------------------------------------------------------------------------------


def custom_tools(request: dict[str, Any]) -> frozenset[str]:
    """The names of the request's custom tools, whose calls go back as custom tool calls."""
    tools = request.get("tools") or []
    return frozenset(t.get("name", "") for t in tools if t.get("type") == "custom")


def response_of_chat(answer: dict[str, Any], model: str, request: dict[str, Any]) -> dict[str, Any]:
    choice = (answer.get("choices") or [{}])[0]
    reply = choice.get("message") or {}
    ids = ResponseIds(str(answer.get("id", "")))
    custom = custom_tools(request)
    output = []
    if reply.get("content"):
        output.append(message_item(ids.message(0), reply["content"], "completed"))
    for index, call in enumerate(reply.get("tool_calls") or []):
        function = call.get("function") or {}
        name = function.get("name", "")
        item = call_item(ids.call(index), call.get("id", ""), name, name in custom)
        finish_call(item, function.get("arguments") or "")
        output.append(item)
    usage = Usage()
    add_usage(usage, answer.get("usage"))
    return response_object(ids, model, output, choice.get("finish_reason"), usage)


def response_object(
    ids: ResponseIds, model: str, output: list[dict[str, Any]], finish: Any, usage: Usage | None
) -> dict[str, Any]:
    incomplete = INCOMPLETE.get(finish or "")
    done = usage is not None
    status = ("incomplete" if incomplete else "completed") if done else "in_progress"
    response: dict[str, Any] = {
        "id": ids.response,
        "object": "response",
        "created_at": ids.created,
        "status": status,
        "model": model,
        "output": output,
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete and done else None,
        "instructions": None,
        "metadata": {},
        "parallel_tool_calls": True,
        "temperature": None,
        "top_p": None,
        "tool_choice": "auto",
        "tools": [],
        "text": {"format": {"type": "text"}},
        "truncation": "disabled",
        "store": False,
        "usage": None,
    }
    if usage is not None:
        input_tokens, output_tokens = usage.counted()
        response["usage"] = {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": usage.cached_tokens},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }
    return response


@dataclass
class ResponseIds:
    """The ids of one response and its items, derived from the upstream's answer id."""

    upstream: str
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def response(self) -> str:
        return f"resp_{self.upstream}"

    def message(self, index: int) -> str:
        return f"msg_{self.upstream}_{index}"

    def call(self, index: int) -> str:
        return f"fc_{self.upstream}_{index}"


def message_item(item_id: str, text: str | None, status: str) -> dict[str, Any]:
    content = [] if text is None else [text_part(text)]
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def call_item(item_id: str, call_id: str, name: str, custom: bool = False) -> dict[str, Any]:
    item = {"id": item_id, "status": "in_progress", "call_id": call_id, "name": name}
    if custom:
        return {**item, "type": "custom_tool_call", "input": ""}
    return {**item, "type": "function_call", "arguments": ""}


def finish_call(item: dict[str, Any], arguments: str) -> None:
    """A call's arguments, whole: a custom tool's `input` out of them."""
    item["status"] = "completed"
    if item["type"] == "function_call":
        item["arguments"] = arguments
        return
    try:
        given = json.loads(arguments or "{}")
    except ValueError:
        given = arguments
    item["input"] = given.get("input", "") if isinstance(given, dict) else str(given)
