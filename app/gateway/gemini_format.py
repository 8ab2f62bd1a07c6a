"""Gemini's own API (generateContent, streamGenerateContent, countTokens) sent to a model that is
not Gemini's: the request becomes a Chat Completions request, and the answer, whole or streamed,
becomes a GenerateContentResponse again. Chat Completions is the meeting point: from it the call
crosses to Messages like any other (upstream.py).

Text, the system instruction, inline and file images, function declarations, calls and
responses, the generation config (temperature, topP, maxOutputTokens, stopSequences, JSON output)
and usage metadata cross. Gemini's JSON accepts both spellings of a field (systemInstruction and
system_instruction), so both are read. A function call's arguments arrive whole in Gemini's
format, so a streamed call is passed on when its arguments are complete."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.gateway.chat_to_messages import Untranslatable
from app.gateway.errors import TYPES, Dialect, error_body
from app.gateway.stream_translation import ChatStreamReader
from app.gateway.streams import Usage, add_usage, sse

FINISH_REASONS = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}
FINISH_REASONS["content_filter"] = "SAFETY"
MODES = {"AUTO": "auto", "ANY": "required", "NONE": "none", "VALIDATED": "auto"}
CHARS_PER_TOKEN = 4  # countTokens' estimate where the upstream cannot count


def _get(body: Any, camel: str) -> Any:
    """A field by its camelCase name or its snake_case one."""
    if not isinstance(body, dict):
        return None
    if camel in body:
        return body[camel]
    return body.get("".join(f"_{c.lower()}" if c.isupper() else c for c in camel))


# -- the request ---------------------------------------------------------------------------------


def chat_of_gemini(body: dict[str, Any], model: str, streaming: bool) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = _texts(_get(body, "systemInstruction"))
    if system:  # one part is one string; several stay apart as parts
        content = system[0]["text"] if len(system) == 1 else system
        messages.append({"role": "system", "content": content})
    calls = _Calls()
    for turn in _get(body, "contents") or []:
        messages.extend(_turn(turn, calls))
    if not any(m["role"] != "system" for m in messages):
        raise Untranslatable("'contents' is empty")
    request: dict[str, Any] = {"model": model, "messages": messages}
    config = _get(body, "generationConfig") or {}
    for camel, key in (
        ("temperature", "temperature"),
        ("topP", "top_p"),
        ("maxOutputTokens", "max_tokens"),
        ("stopSequences", "stop"),
        ("seed", "seed"),
    ):
        if _get(config, camel) is not None:
            request[key] = _get(config, camel)
    response_format = _response_format(config)
    if response_format:
        request["response_format"] = response_format
    tools = [
        _function(declaration)
        for tool in _get(body, "tools") or []
        for declaration in _get(tool, "functionDeclarations") or []
    ]
    if tools:
        request["tools"] = tools
        choice = _tool_choice(_get(_get(body, "toolConfig"), "functionCallingConfig"))
        if choice is not None:
            request["tool_choice"] = choice
    if streaming:
        request["stream"] = True
        request["stream_options"] = {"include_usage": True}
    return request


def _texts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [
        {"type": "text", "text": part["text"]}
        for part in _parts(content)
        if isinstance(_get(part, "text"), str) and not _get(part, "thought")
    ]


def _parts(content: Any) -> list[Any]:
    """A content's parts (a lone part object is taken as a list of one)."""
    parts = _get(content, "parts")
    return [parts] if isinstance(parts, dict) else parts if isinstance(parts, list) else []


@dataclass
class _Calls:
    """Gemini pairs a function's response with its call by name (an id is optional): the ids
    Chat Completions needs are made up, and each response takes its call's."""

    pending: dict[str, list[str]] = field(default_factory=dict)
    count: int = 0

    def called(self, name: str, given: Any) -> str:
        call_id = given if isinstance(given, str) and given else f"call_{self.count}_{name}"
        self.count += 1
        self.pending.setdefault(name, []).append(call_id)
        return call_id

    def answered(self, name: str, given: Any) -> str:
        waiting = self.pending.get(name) or []
        if isinstance(given, str) and given:
            if given in waiting:
                waiting.remove(given)
            return given
        return waiting.pop(0) if waiting else f"call_{name}"


def _turn(turn: dict[str, Any], calls: _Calls) -> list[dict[str, Any]]:
    parts = _parts(turn)
    if _get(turn, "role") == "model":
        text = "".join(
            p["text"] for p in parts if isinstance(p.get("text"), str) and not _get(p, "thought")
        )
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        tool_calls = [
            _tool_call(_get(p, "functionCall"), calls) for p in parts if _get(p, "functionCall")
        ]
        if tool_calls:
            message["tool_calls"] = tool_calls
        return [message]
    out: list[dict[str, Any]] = []
    content: list[dict[str, Any]] = []
    for part in parts:
        answer = _get(part, "functionResponse")
        if answer:
            name = str(_get(answer, "name") or "")
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": calls.answered(name, _get(answer, "id")),
                    "content": _tool_output(_get(answer, "response")),
                }
            )
        elif isinstance(part.get("text"), str):
            content.append({"type": "text", "text": part["text"]})
        elif _get(part, "inlineData") or _get(part, "fileData"):
            content.append(_image(part))
        elif not _get(part, "thought"):
            raise Untranslatable(f"parts with {', '.join(sorted(part))} cannot be sent")
    if content:
        only_text = len(content) == 1 and content[0]["type"] == "text"
        out.append({"role": "user", "content": content[0]["text"] if only_text else content})
    return out


def _tool_call(call: dict[str, Any], calls: _Calls) -> dict[str, Any]:
    name = str(_get(call, "name") or "")
    return {
        "id": calls.called(name, _get(call, "id")),
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(_get(call, "args") or {})},
    }


def _tool_output(response: Any) -> str:
    """A function's response as the text a tool result carries: its single output (as Gemini
    CLI sends {"output": ...}) or the whole object as JSON."""
    if isinstance(response, dict) and len(response) == 1:
        (value,) = response.values()
        if isinstance(value, str):
            return value
    return json.dumps(response)


def _image(part: dict[str, Any]) -> dict[str, Any]:
    inline = _get(part, "inlineData")
    if inline:
        url = f"data:{_get(inline, 'mimeType')};base64,{_get(inline, 'data')}"
    else:
        url = str(_get(_get(part, "fileData"), "fileUri") or "")
    if not url.startswith(("data:image/", "http://", "https://")):
        raise Untranslatable("only images cross as inline data or file URLs")
    return {"type": "image_url", "image_url": {"url": url}}


def _function(declaration: dict[str, Any]) -> dict[str, Any]:
    schema = _get(declaration, "parametersJsonSchema") or _get(declaration, "parameters")
    function = {
        "name": _get(declaration, "name") or "",
        "parameters": _json_schema(schema or {"type": "object", "properties": {}}),
    }
    if _get(declaration, "description"):
        function["description"] = _get(declaration, "description")
    return {"type": "function", "function": function}


def _json_schema(schema: Any) -> Any:
    """Gemini's OpenAPI schema as JSON Schema: its upper-case type names lower-cased."""
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _json_schema(value) for key, value in schema.items()}
    if isinstance(converted.get("type"), str):
        converted["type"] = converted["type"].lower()
    return converted


def _tool_choice(config: Any) -> Any:
    mode = MODES.get(str(_get(config, "mode") or "").upper())
    allowed = _get(config, "allowedFunctionNames") or []
    if mode == "required" and len(allowed) == 1:
        return {"type": "function", "function": {"name": allowed[0]}}
    return mode


def _response_format(config: dict[str, Any]) -> dict[str, Any] | None:
    schema = _get(config, "responseJsonSchema") or _get(config, "responseSchema")
    if schema:
        named = {"name": "response", "schema": _json_schema(schema)}
        return {"type": "json_schema", "json_schema": named}
    if _get(config, "responseMimeType") == "application/json":
        return {"type": "json_object"}
    return None


def estimated_tokens(body: dict[str, Any]) -> dict[str, Any]:
    """countTokens where the upstream cannot count: about four characters a token."""
    request = _get(body, "generateContentRequest") or body
    texts = [
        _get(part, "text") or json.dumps(part if isinstance(part, dict) else "")
        for turn in _get(request, "contents") or []
        for part in _parts(turn)
    ]
    texts += [t["text"] for t in _texts(_get(request, "systemInstruction"))]
    if _get(request, "tools"):
        texts.append(json.dumps(_get(request, "tools")))
    characters = sum(len(t) for t in texts)
    return {"totalTokens": max(1, -(-characters // CHARS_PER_TOKEN))}


# -- the answer ----------------------------------------------------------------------------------


def gemini_of_chat(answer: dict[str, Any], model: str) -> dict[str, Any]:
    choice = (answer.get("choices") or [{}])[0]
    reply = choice.get("message") or {}
    parts: list[dict[str, Any]] = []
    if reply.get("content"):
        parts.append({"text": reply["content"]})
    parts += [_function_call(call) for call in reply.get("tool_calls") or []]
    usage = Usage()
    add_usage(usage, answer.get("usage"))
    return _chunk(answer.get("id"), model, parts, choice.get("finish_reason") or "stop", usage)


def gemini_error(answer: Any, status: int) -> dict[str, Any]:
    error = answer.get("error") if isinstance(answer, dict) else None
    message = (error or {}).get("message") if isinstance(error, dict) else None
    text = message if isinstance(message, str) else f"The provider answered HTTP {status}."
    code = TYPES.get(status, ("api_error",))[0]
    return error_body(Dialect.GEMINI, status, code, text)


def _function_call(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    try:
        args = json.loads(function.get("arguments") or "{}")
    except ValueError:
        args = {}
    named = {"id": call.get("id", ""), "name": function.get("name", ""), "args": args}
    return {"functionCall": named}


def _chunk(
    answer_id: Any, model: str, parts: list[dict[str, Any]], finish: str | None, usage: Usage | None
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish is not None:
        candidate["finishReason"] = FINISH_REASONS.get(finish, "STOP")
    chunk: dict[str, Any] = {
        "candidates": [candidate],
        "modelVersion": model,
        "responseId": str(answer_id or ""),
    }
    if usage is not None:
        prompt, output = usage.counted()
        chunk["usageMetadata"] = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": output,
            "totalTokenCount": prompt + output,
        }
        if usage.cached_tokens:
            chunk["usageMetadata"]["cachedContentTokenCount"] = usage.cached_tokens
    return chunk


# -- the stream ----------------------------------------------------------------------------------


@dataclass
class ChatToGeminiStream(ChatStreamReader):
    """A Chat Completions stream as Gemini's SSE stream (alt=sse): each text delta a chunk of
    its own, function calls with their whole arguments and the finish reason and usage in the
    last one."""

    dialect: Dialect = Dialect.GEMINI  # what the caller reads
    answer_id: str = ""
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)  # Chat index -> its call

    def _start(self, chunk: dict[str, Any]) -> list[bytes]:
        self.answer_id = str(chunk.get("id") or "")
        return []

    def _text(self, text: str) -> list[bytes]:
        return [_sse(_chunk(self.answer_id, self.model, [{"text": text}], None, None))]

    def _tool(self, call: dict[str, Any]) -> list[bytes]:
        function = call.get("function") or {}
        empty = {"name": "", "arguments": ""}
        held = self.calls.setdefault(
            call.get("index", 0), {"id": call.get("id", ""), "function": empty}
        )
        held["function"]["name"] += function.get("name") or ""
        held["function"]["arguments"] += function.get("arguments") or ""
        return []

    def _end(self) -> list[bytes]:
        parts = [_function_call(self.calls[i]) for i in sorted(self.calls)]
        last = _chunk(self.answer_id, self.model, parts, self.finish_reason or "stop", self.usage)
        return [_sse(last)]

    def _error(self, payload: dict[str, Any]) -> list[bytes]:
        status = (payload.get("error") or {}).get("code")
        return [_sse(gemini_error(payload, status if type(status) is int else 502))]


def _sse(payload: dict[str, Any]) -> bytes:
    return sse(payload, end=b"\r\n\r\n")
