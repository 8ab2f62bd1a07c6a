"""OpenAI's Responses API sent to a model that does not speak it (Anthropic, Gemini, Ollama, any
OpenAI-compatible server): the request becomes a Chat Completions request, and the answer,
whole or streamed, becomes a Response again with the Responses event sequence. Chat Completions
is the meeting point: from it the call crosses to Messages like any other (upstream.py).

Stateless, as Codex and the Agents SDK with `store: false` use it: the caller sends the whole
conversation each time. `previous_response_id` is refused (request_shape.py), because no
connection behind the gateway is sure to hold the response it names.

Reasoning items (encrypted reasoning from an OpenAI model) cannot cross to another provider and
are left out; hosted tools (web search, file search, code interpreter...) have no equivalent in
Chat Completions and are left out too; function tools cross whole."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from app.gateway.chat_to_messages import Untranslatable
from app.gateway.errors import Dialect
from app.gateway.streams import Events, Usage, add_usage, data_of, payload_carries_content

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
    tools = [_function(t) for t in body.get("tools") or [] if t.get("type") == "function"]
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
    elif kind == "function_call":
        call = {
            "id": item.get("call_id") or item.get("id") or "",
            "type": "function",
            "function": {"name": item.get("name", ""), "arguments": item.get("arguments") or "{}"},
        }
        last = messages[-1] if messages else None
        if last is not None and last["role"] == "assistant":
            last.setdefault("tool_calls", []).append(call)
        else:
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif kind == "function_call_output":
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


def _function(tool: dict[str, Any]) -> dict[str, Any]:
    function = {"name": tool.get("name", ""), "parameters": tool.get("parameters") or {}}
    for key in ("description", "strict"):
        if tool.get(key) is not None:
            function[key] = tool[key]
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict) and choice.get("type") == "function":
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


def response_of_chat(answer: dict[str, Any], model: str) -> dict[str, Any]:
    choice = (answer.get("choices") or [{}])[0]
    reply = choice.get("message") or {}
    ids = _Ids(str(answer.get("id", "")))
    output = []
    if reply.get("content"):
        output.append(_message_item(ids.message(0), reply["content"], "completed"))
    for index, call in enumerate(reply.get("tool_calls") or []):
        function = call.get("function") or {}
        item = _call_item(ids.call(index), call.get("id", ""), function.get("name", ""))
        output.append({**item, "arguments": function.get("arguments") or "", "status": "completed"})
    usage = Usage()
    add_usage(usage, answer.get("usage"))
    return _response(ids, model, output, choice.get("finish_reason"), usage)


def _response(
    ids: _Ids, model: str, output: list[dict[str, Any]], finish: Any, usage: Usage | None
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
class _Ids:
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


def _message_item(item_id: str, text: str | None, status: str) -> dict[str, Any]:
    content = [] if text is None else [_text_part(text)]
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _call_item(item_id: str, call_id: str, name: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": "in_progress",
        "call_id": call_id,
        "name": name,
        "arguments": "",
    }


# -- the stream ----------------------------------------------------------------------------------


@dataclass
class ChatToResponsesStream:
    """A Chat Completions stream turned event by event into the Responses sequence:
    response.created and response.in_progress, then per message or function call its
    output_item.added, content_part.added, output_text.delta (or function_call_arguments.delta)
    and the matching .done events, and response.completed with the output and usage."""

    model: str
    streaming: bool = True
    usage: Usage = field(default_factory=Usage)
    events: Events = field(default_factory=Events)
    dialect: Dialect = Dialect.OPENAI  # what the caller reads
    ids: _Ids = field(default_factory=lambda: _Ids(""))
    sequence: int = 0
    output: list[dict[str, Any]] = field(default_factory=list)
    open_item: int | None = None  # the output index still receiving deltas
    calls: dict[int, int] = field(default_factory=dict)  # Chat tool call index -> output index
    finish_reason: str | None = None
    started: bool = False
    ended: bool = False
    content_seen: bool = False

    def filter(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        for event in self.events.feed(chunk):
            payload = data_of(event)
            if isinstance(payload, dict):
                self.content_seen = self.content_seen or payload_carries_content(payload)
            if isinstance(payload, dict) and "error" in payload:
                out.append(b"event: error\ndata: " + json.dumps(payload).encode() + b"\n\n")
            elif isinstance(payload, dict):
                out.extend(self._translate(payload))
            elif b"[DONE]" in event:
                out.extend(self._end())
        return b"".join(out)

    def finish(self) -> bytes:
        self.events.rest()
        return b"".join(self._end()) if self.started else b""

    def _translate(self, chunk: dict[str, Any]) -> list[bytes]:
        out = [] if self.started else self._start(chunk)
        add_usage(self.usage, chunk.get("usage"))
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                out.extend(self._text(delta["content"]))
            for call in delta.get("tool_calls") or []:
                out.extend(self._call(call))
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return out

    def _start(self, chunk: dict[str, Any]) -> list[bytes]:
        self.started = True
        self.ids = _Ids(str(chunk.get("id", "")))
        response = _response(self.ids, self.model, [], None, None)
        return [
            self._event("response.created", response=response),
            self._event("response.in_progress", response=response),
        ]

    def _text(self, text: str) -> list[bytes]:
        out: list[bytes] = []
        index = self.open_item
        if index is None or self.output[index]["type"] != "message":
            out = self._close()
            index = self._add(
                _message_item(self.ids.message(len(self.output)), None, "in_progress")
            )
            out.append(self._event("response.output_item.added", item=self.output[index]))
            self.output[index]["content"] = [_text_part("")]
            out.append(
                self._event("response.content_part.added", part=_text_part(""), **self._at())
            )
        self.output[index]["content"][0]["text"] += text
        out.append(self._event("response.output_text.delta", delta=text, logprobs=[], **self._at()))
        return out

    def _call(self, call: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        function = call.get("function") or {}
        chat_index = call.get("index", 0)
        if chat_index not in self.calls:
            out = self._close()
            item = _call_item(
                self.ids.call(len(self.output)), call.get("id") or "", function.get("name") or ""
            )
            self.calls[chat_index] = self._add(item)
            out.append(self._event("response.output_item.added", item=dict(item)))
        index = self.calls[chat_index]
        arguments = function.get("arguments")
        if arguments:
            self.output[index]["arguments"] += arguments
            item_id = self.output[index]["id"]
            out.append(
                self._event(
                    "response.function_call_arguments.delta",
                    item_id=item_id,
                    output_index=index,
                    delta=arguments,
                )
            )
        return out

    def _add(self, item: dict[str, Any]) -> int:
        self.output.append(item)
        self.open_item = len(self.output) - 1
        return self.open_item

    def _at(self) -> dict[str, Any]:
        index = self.open_item or 0
        return {"item_id": self.output[index]["id"], "output_index": index, "content_index": 0}

    def _close(self) -> list[bytes]:
        index = self.open_item
        if index is None:
            return []
        item = self.output[index]
        item["status"] = "completed"
        out: list[bytes] = []
        if item["type"] == "message":
            part = item["content"][0]
            out.append(
                self._event(
                    "response.output_text.done", text=part["text"], logprobs=[], **self._at()
                )
            )
            out.append(self._event("response.content_part.done", part=part, **self._at()))
        else:
            out.append(
                self._event(
                    "response.function_call_arguments.done",
                    item_id=item["id"],
                    output_index=index,
                    name=item["name"],
                    arguments=item["arguments"],
                )
            )
        out.append(self._event("response.output_item.done", output_index=index, item=item))
        self.open_item = None
        return out

    def _end(self) -> list[bytes]:
        if self.ended:
            return []
        self.ended = True
        response = _response(self.ids, self.model, self.output, self.finish_reason, self.usage)
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return [*self._close(), self._event(kind, response=response)]

    def _event(self, kind: str, **payload: Any) -> bytes:
        if kind == "response.output_item.added":
            payload["output_index"] = self.open_item
        body = {"type": kind, "sequence_number": self.sequence, **payload}
        self.sequence += 1
        return f"event: {kind}\ndata: ".encode() + json.dumps(body).encode() + b"\n\n"
