"""The caller's body, checked before anything goes upstream: the fields the gateway reads or
translates must have the types the API reference gives them, or the call is a 400 that names
the field. What the gateway passes on untouched is left to the provider to judge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.gateway.errors import GatewayError, bad_request
from app.providers.families import Operation

Check = Callable[[Any, str], None]


def _fail(path: str, expected: str) -> GatewayError:
    return bad_request(f"'{path}' must be {expected}.")


def _type(kind: type, expected: str) -> Check:
    def check(value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise _fail(path, expected)

    return check


BOOLEAN = _type(bool, "true or false")
INTEGER = _type(int, "a whole number")
STRING = _type(str, "a string")
OBJECT = _type(dict, "an object")


def _fields(fields: dict[str, Check]) -> Check:
    def check(value: Any, path: str) -> None:
        OBJECT(value, path)
        for name, inner in fields.items() if isinstance(value, dict) else ():
            inner(value.get(name), f"{path}.{name}" if path else name)

    return check


def _list(item: Check, expected: str = "a list") -> Check:
    def check(value: Any, path: str) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            raise _fail(path, expected)
        for index, element in enumerate(value):
            if element is None:
                raise _fail(f"{path}[{index}]", "given (not null)")
            item(element, f"{path}[{index}]")

    return check


def _either(*checks: Check, expected: str) -> Check:
    def check(value: Any, path: str) -> None:
        for option in checks:
            try:
                option(value, path)
            except GatewayError:
                continue
            return
        raise _fail(path, expected)

    return check


PART = _fields({"type": STRING, "text": STRING})
CONTENT = _either(STRING, _list(PART), expected="a string or a list of content objects")
STOP = _either(STRING, _list(STRING), expected="a string or a list of strings")
CHOICE = _either(STRING, OBJECT, expected="a string or an object")

CHAT = _fields(
    {
        "messages": _list(
            _fields(
                {
                    "role": STRING,
                    "content": CONTENT,
                    "tool_call_id": STRING,
                    "tool_calls": _list(_fields({"id": STRING, "function": OBJECT})),
                }
            )
        ),
        "tools": _list(_fields({"function": OBJECT})),
        "tool_choice": CHOICE,
        "stop": STOP,
        "max_tokens": INTEGER,
        "max_completion_tokens": INTEGER,
    }
)
MESSAGES = _fields(
    {
        "messages": _list(_fields({"role": STRING, "content": CONTENT})),
        "system": CONTENT,
        "tools": _list(_fields({"name": STRING, "input_schema": OBJECT})),
        "tool_choice": OBJECT,
        "stop_sequences": _list(STRING),
        "max_tokens": INTEGER,
    }
)
RESPONSES = _fields(
    {
        "input": _either(
            STRING,
            _list(
                _fields(
                    {
                        "type": STRING,
                        "role": STRING,
                        "content": _either(
                            STRING, _list(OBJECT), expected="a string or a list of content objects"
                        ),
                        "call_id": STRING,
                        "name": STRING,
                        "arguments": STRING,
                    }
                )
            ),
            expected="a string or a list of input items",
        ),
        "instructions": STRING,
        "tools": _list(_fields({"type": STRING, "name": STRING, "parameters": OBJECT})),
        "tool_choice": CHOICE,
        "max_output_tokens": INTEGER,
        "text": OBJECT,
    }
)
GEMINI_PART = _fields({"text": STRING})
GEMINI_CONTENT = _fields({"role": STRING, "parts": _list(GEMINI_PART)})
GEMINI = _fields(
    {
        "contents": _list(GEMINI_CONTENT),
        "systemInstruction": _either(STRING, GEMINI_CONTENT, expected="a string or a content"),
        "tools": _list(OBJECT),
        "toolConfig": OBJECT,
        "generationConfig": _fields({"maxOutputTokens": INTEGER, "stopSequences": _list(STRING)}),
    }
)
COMMON = _fields({"stream": BOOLEAN, "stream_options": _fields({"include_usage": BOOLEAN})})
BY_OPERATION = {
    Operation.CHAT: CHAT,
    Operation.MESSAGES: MESSAGES,
    Operation.COUNT_TOKENS: MESSAGES,
    Operation.RESPONSES: RESPONSES,
    Operation.GENERATE_CONTENT: GEMINI,
    Operation.STREAM_GENERATE_CONTENT: GEMINI,
    Operation.GEMINI_COUNT_TOKENS: GEMINI,
}
STATELESS = (
    "'previous_response_id' is not supported: Switchboard's Responses API is stateless (no "
    "connection behind it is sure to hold an earlier response). Send the whole conversation in "
    "'input', as Codex and the Agents SDK do with store: false."
)


def check_request(op: Operation, body: dict[str, Any]) -> None:
    """Raise a 400 GatewayError naming the first field of the wrong type."""
    if op is Operation.RESPONSES and body.get("previous_response_id") is not None:
        raise GatewayError(400, "previous_response_not_supported", STATELESS)
    COMMON(body, "")
    check = BY_OPERATION.get(op)
    if check is not None:
        check(body, "")
