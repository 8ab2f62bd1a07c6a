"""Server-sent events as they arrive from an upstream, and the usage they report.

Everything an upstream sends is hostile input: events are cut out of the stream in time linear
in the bytes received (a chunk is searched once, never the whole buffer again), one event may
not grow past a cap, and token counts are taken only when they are counts.

Usage is known at the end of every stream. An OpenAI-format stream is asked for its usage
(`stream_options.include_usage`) when the caller did not ask, and that extra chunk is kept from
the caller, who receives exactly what it asked for; Anthropic streams carry usage anyway. Events
pass on whole, one by one, as they arrive."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import msgspec

from app.gateway.errors import Dialect, GatewayError, error_body
from app.providers.families import Operation
from app.settings import Settings

EVENT_END = re.compile(rb"\r?\n\r?\n")
DEFAULT_MAX_EVENT_BYTES = Settings.gateway_max_event_bytes  # SWITCHBOARD_GATEWAY_MAX_EVENT_BYTES
MAX_TOKENS = 1_000_000_000  # more than any call uses: a larger count is not a count


class EventTooLarge(Exception):
    """One event grew past the cap before it ended."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The upstream sent one stream event of more than {limit:,} bytes "
            "(SWITCHBOARD_GATEWAY_MAX_EVENT_BYTES); the call was closed."
        )


class Events:
    """Complete events out of chunks as they arrive. Only the new bytes (and the three before
    them, where a delimiter may have begun) are searched; what is kept between chunks is the
    unfinished event alone, and it may not pass `limit` bytes."""

    def __init__(self, limit: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self.limit = limit
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        buffer = self.buffer
        searched = max(0, len(buffer) - 3)
        buffer += chunk
        events: list[bytes] = []
        start = 0
        while (end := EVENT_END.search(buffer, searched)) is not None:
            events.append(bytes(buffer[start : end.end()]))
            start = searched = end.end()
        if start:
            del buffer[:start]
        if len(buffer) > self.limit:
            raise EventTooLarge(self.limit)
        return events

    def rest(self) -> bytes:
        rest = bytes(self.buffer)
        self.buffer.clear()
        return rest


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0  # of the input, read from the provider's cache (where it says)
    cache_write_tokens: int = 0  # of the input, written to it (Anthropic's cache_creation)
    invalid: bool = False  # the upstream reported something that is not a token count

    def counted(self) -> tuple[int, int]:
        """What is recorded: a call whose report was not counts reports no usage."""
        return (0, 0) if self.invalid else (self.input_tokens, self.output_tokens)

    def cache_counted(self) -> tuple[int, int]:
        """(read from the cache, written to it), as recorded."""
        return (0, 0) if self.invalid else (self.cached_tokens, self.cache_write_tokens)


# Each field's names across the formats: Chat Completions, Messages and Responses, Gemini.
INPUT_NAMES = ("prompt_tokens", "input_tokens", "promptTokenCount")
OUTPUT_NAMES = ("completion_tokens", "output_tokens", "candidatesTokenCount")
CACHED_NAMES = ("cache_read_input_tokens", "cachedContentTokenCount")
CACHE_WRITE_NAMES = ("cache_creation_input_tokens",)
CACHED_DETAILS = ("prompt_tokens_details", "input_tokens_details")  # {"cached_tokens": n}
FIELDS = (
    (INPUT_NAMES, "input_tokens"),
    (OUTPUT_NAMES, "output_tokens"),
    (CACHED_NAMES, "cached_tokens"),
    (CACHE_WRITE_NAMES, "cache_write_tokens"),
)


ANTHROPIC_CACHE = ("cache_read_input_tokens", "cache_creation_input_tokens")
GEMINI_THOUGHTS = "thoughtsTokenCount"  # billed as output, reported apart from the candidates'


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_TOKENS


def add_usage(usage: Usage, reported: Any) -> None:
    """Take what a provider reported; later reports of a stream supersede earlier ones (a
    zero does not: Anthropic's message_start reports output 0 before the real count). Input
    tokens count the cached ones, as OpenAI and Gemini count them (Anthropic's input_tokens
    leave out what was read from or written to its cache, which is added back). Output tokens
    count a thinking model's thoughts, as OpenAI and Anthropic count them (Gemini reports its
    thoughtsTokenCount apart, and bills it as output)."""
    if not isinstance(reported, dict):
        return
    thoughts = reported.get(GEMINI_THOUGHTS)
    for names, attribute in FIELDS:
        value = next((reported[n] for n in names if reported.get(n) is not None), None)
        if attribute == "output_tokens" and thoughts is not None:
            if not _count(thoughts):
                usage.invalid = True
            elif value is None or _count(value):
                value = (value or 0) + thoughts
        if value is None and attribute == "cached_tokens":
            details = next((reported[n] for n in CACHED_DETAILS if reported.get(n)), None)
            value = details.get("cached_tokens") if isinstance(details, dict) else None
        if value is None:
            continue
        if attribute == "input_tokens" and "input_tokens" in reported:
            cache = [reported.get(n) or 0 for n in ANTHROPIC_CACHE]
            if all(_count(c) for c in cache) and type(value) is int:
                value += sum(cache)
        if not _count(value):
            usage.invalid = True
        elif value:
            setattr(usage, attribute, value)


def chat_usage(usage: Usage) -> dict[str, Any]:
    """Usage as Chat Completions reports it (prompt_tokens count the cached ones too)."""
    prompt, completion = usage.counted()
    shaped: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if usage.cached_tokens:
        shaped["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
    return shaped


def messages_usage(usage: Usage) -> dict[str, Any]:
    """Usage as Messages reports it (input_tokens leave out those read from or written to the
    cache)."""
    input_tokens, output_tokens = usage.counted()
    input_tokens = max(0, input_tokens - usage.cached_tokens - usage.cache_write_tokens)
    shaped: dict[str, Any] = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    if usage.cached_tokens:
        shaped["cache_read_input_tokens"] = usage.cached_tokens
    if usage.cache_write_tokens:
        shaped["cache_creation_input_tokens"] = usage.cache_write_tokens
    return shaped


def reported_usage(reported: Any) -> Usage:
    usage = Usage()
    add_usage(usage, reported)
    return usage


class _Reported(msgspec.Struct):
    """The fields of an answer or event that usage is read from; the rest is skipped unread."""

    type: Any = None
    usage: Any = None
    message: Any = None  # Anthropic's message_start
    response: Any = None  # Responses' response.completed
    usageMetadata: Any = None
    choices: Any = msgspec.UNSET
    candidates: Any = None  # Gemini's
    error: Any = None


_DECODE = msgspec.json.Decoder(_Reported)


def _reported(raw: bytes) -> _Reported | None:
    try:
        return _DECODE.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def usage_of_answer(raw: bytes) -> Usage:
    """The usage a whole (non-streamed) answer reports, in either format."""
    found = _reported(raw)
    if found is None:
        return Usage()
    return reported_usage(found.usage if found.usageMetadata is None else found.usageMetadata)


# Events that carry what the caller came for (text, a tool call, the end, an error), as opposed
# to the opening ones (a role, message_start, response.created, a ping): a stream that breaks
# before any of these may still be tried on another connection.
CONTENT_EVENTS = frozenset(
    {
        "content_block_delta",
        "message_delta",
        "error",
        "response.output_text.delta",
        "response.function_call_arguments.delta",
        "response.reasoning_summary_text.delta",  # a reasoning model's thinking, as it goes
        "response.reasoning_text.delta",
        "response.output_item.done",
        "response.completed",
        "response.incomplete",
        "response.failed",
    }
)


# What a Chat Completions delta carries that counts: text, tool calls, and the thinking that
# reasoning models (DeepSeek, vLLM, Ollama) stream before their answer.
CONTENT_DELTAS = ("content", "tool_calls", "reasoning_content", "reasoning")


def carries_content(kind: Any, choices: Any, other: bool = False) -> bool:
    """Whether an upstream event (its type, its Chat Completions choices, or `other`: Gemini's
    candidates or an error) carries content."""
    if other or kind in CONTENT_EVENTS:
        return True
    for choice in choices if isinstance(choices, list) else ():
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict) and any(delta.get(k) for k in CONTENT_DELTAS):
            return True
        if isinstance(choice, dict) and choice.get("finish_reason"):
            return True
    return False


def payload_carries_content(payload: dict[str, Any]) -> bool:
    other = payload.get("candidates") is not None or payload.get("error") is not None
    return carries_content(payload.get("type"), payload.get("choices"), other)


def data_of(event: bytes) -> Any:
    text = _data_line(event)
    if text is None or text == b"[DONE]":
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _data_line(event: bytes) -> bytes | None:
    for line in event.splitlines():
        if line.startswith(b"data:"):
            return line[5:].strip()
    return None


def sse(payload: Any, event: str | None = None, end: bytes = b"\n\n") -> bytes:
    """One server-sent event: its name when the format names events (Messages, Responses), its
    JSON data, and the blank line that ends it (Gemini's API ends its own with CRLFs)."""
    head = f"event: {event}\n".encode() if event else b""
    return head + b"data: " + json.dumps(payload).encode() + end


def error_event(dialect: Dialect, error: GatewayError) -> bytes:
    """A failure in the middle of a stream, as the caller's SDK reads one (OpenAI's SDK raises
    on a data line holding an error, Responses streams included)."""
    body = error_body(dialect, error.status, error.code, error.message)
    return sse(body, "error" if dialect is Dialect.ANTHROPIC else None)


STREAMED = (Operation.CHAT, Operation.MESSAGES, Operation.RESPONSES)
RESPONSE_ENDS = ("response.completed", "response.incomplete", "response.failed")


@dataclass
class UsageFilter:
    dialect: Dialect
    streaming: bool = False
    injected: bool = False  # include_usage was added for us: its chunk is not the caller's
    usage: Usage = field(default_factory=Usage)
    events: Events = field(default_factory=Events)
    content_seen: bool = False

    @classmethod
    def for_request(
        cls, op: Operation, body: dict[str, Any], max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
    ) -> UsageFilter:
        streaming = op is Operation.STREAM_GENERATE_CONTENT or (
            body.get("stream") is True and op in STREAMED
        )
        asked = (body.get("stream_options") or {}).get("include_usage") is True
        return cls(
            Dialect.of(op),
            streaming=streaming,
            injected=streaming and op is Operation.CHAT and not asked,
            events=Events(max_event_bytes),
        )

    def upstream_body(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.injected:
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        return body

    def filter(self, chunk: bytes) -> bytes:
        """The complete events in what has arrived so far, less any the caller did not ask for."""
        return b"".join(event for event in self.events.feed(chunk) if self._keep(event))

    def finish(self) -> bytes:
        return self.events.rest()

    def _keep(self, event: bytes) -> bool:
        text = _data_line(event)
        found = _reported(text) if text else None
        if found is None:
            return True
        usage = found.usage if found.usageMetadata is None else found.usageMetadata
        if found.type == "message_start" and isinstance(found.message, dict):
            usage = found.message.get("usage")
        elif found.type in RESPONSE_ENDS and isinstance(found.response, dict):
            usage = found.response.get("usage")
        add_usage(self.usage, usage)
        if not self.content_seen:
            other = found.candidates is not None or found.error is not None
            self.content_seen = carries_content(found.type, found.choices, other)
        # OpenAI's usage chunk comes with no choices; it is ours when we asked for it.
        return not (self.injected and found.choices == [] and found.usage is not None)
