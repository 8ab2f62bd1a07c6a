"""Streams translated event by event, each way: an Anthropic Messages stream into a Chat
Completions stream (text and tool-call argument deltas as chunks, the stop reason as the finish
reason, the usage chunk when the caller asked for it), and a Chat Completions stream into the
Messages event sequence."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from app.gateway.chat_to_messages import STOP_REASONS
from app.gateway.errors import Dialect
from app.gateway.messages_to_chat import FINISH_REASONS, message_error
from app.gateway.streams import (
    Events,
    Usage,
    add_usage,
    chat_usage,
    data_of,
    messages_usage,
    payload_carries_content,
    sse,
)


@dataclass
class MessagesToChatStream:
    model: str
    include_usage: bool
    streaming: bool = True
    usage: Usage = field(default_factory=Usage)
    events: Events = field(default_factory=Events)
    dialect: Dialect = Dialect.OPENAI  # what the caller reads
    completion_id: str = "chatcmpl-"
    created: int = field(default_factory=lambda: int(time.time()))
    tool_calls: dict[int, int] = field(default_factory=dict)  # Anthropic block -> call index
    content_seen: bool = False

    def filter(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        for event in self.events.feed(chunk):
            payload = data_of(event)
            if isinstance(payload, dict):
                self.content_seen = self.content_seen or payload_carries_content(payload)
                out.extend(self._translate(payload))
        return b"".join(out)

    def finish(self) -> bytes:
        self.events.rest()
        return b""

    def _translate(self, event: dict[str, Any]) -> list[bytes]:
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self.completion_id = f"chatcmpl-{message.get('id', '')}"
            add_usage(self.usage, message.get("usage"))
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            return self._block_start(event)
        if kind == "content_block_delta":
            return self._delta(event)
        if kind == "message_delta":
            add_usage(self.usage, event.get("usage"))
            reason = STOP_REASONS.get((event.get("delta") or {}).get("stop_reason") or "", "stop")
            return [self._chunk({}, reason)]
        if kind == "message_stop":
            return self._end()
        if kind == "error":
            error = event.get("error") or {}
            body = {"error": {"message": error.get("message"), "type": error.get("type")}}
            return [sse(body), b"data: [DONE]\n\n"]
        return []  # ping, content_block_stop

    def _block_start(self, event: dict[str, Any]) -> list[bytes]:
        block = event.get("content_block") or {}
        if block.get("type") != "tool_use":
            return []
        index = self.tool_calls.setdefault(event.get("index", 0), len(self.tool_calls))
        call = {
            "index": index,
            "id": block.get("id", ""),
            "type": "function",
            "function": {"name": block.get("name", ""), "arguments": ""},
        }
        return [self._chunk({"tool_calls": [call]})]

    def _delta(self, event: dict[str, Any]) -> list[bytes]:
        delta = event.get("delta") or {}
        if delta.get("type") == "text_delta":
            return [self._chunk({"content": delta.get("text", "")})]
        if delta.get("type") == "input_json_delta":
            index = self.tool_calls.get(event.get("index", 0), 0)
            call = {"index": index, "function": {"arguments": delta.get("partial_json", "")}}
            return [self._chunk({"tool_calls": [call]})]
        return []

    def _end(self) -> list[bytes]:
        out = []
        if self.include_usage:
            usage = chat_usage(self.usage)
            out.append(sse({**self._base(), "choices": [], "usage": usage}))
        out.append(b"data: [DONE]\n\n")
        return out

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return sse({**self._base(), "choices": [choice]})

    def _base(self) -> dict[str, Any]:
        return {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
        }


@dataclass
class ChatStreamReader:
    """Reads a Chat Completions stream for a relay that answers in another format: each event as
    it arrives, its text and tool-call deltas, its finish reason and usage; the end comes with
    [DONE] or with the stream's own end, once. Each format says what these become (_start,
    _text, _tool, _end, and _error for an error event)."""

    model: str
    streaming: bool = True
    usage: Usage = field(default_factory=Usage)
    events: Events = field(default_factory=Events)
    started: bool = False
    ended: bool = False
    content_seen: bool = False
    finish_reason: str | None = None

    def filter(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        for event in self.events.feed(chunk):
            payload = data_of(event)
            if isinstance(payload, dict):
                self.content_seen = self.content_seen or payload_carries_content(payload)
                out.extend(self._error(payload) if "error" in payload else self._read(payload))
            elif b"[DONE]" in event:
                out.extend(self._finished())
        return b"".join(out)

    def finish(self) -> bytes:
        self.events.rest()
        return b"".join(self._finished()) if self.started else b""

    def _read(self, chunk: dict[str, Any]) -> list[bytes]:
        out = [] if self.started else self._start(chunk)
        self.started = True
        add_usage(self.usage, chunk.get("usage"))
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                out.extend(self._text(delta["content"]))
            for call in delta.get("tool_calls") or []:
                out.extend(self._tool(call))
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return out

    def _finished(self) -> list[bytes]:
        if self.ended:
            return []
        self.ended = True
        return self._end()

    def _start(self, chunk: dict[str, Any]) -> list[bytes]:
        raise NotImplementedError

    def _text(self, text: str) -> list[bytes]:
        raise NotImplementedError

    def _tool(self, call: dict[str, Any]) -> list[bytes]:
        raise NotImplementedError

    def _end(self) -> list[bytes]:
        raise NotImplementedError

    def _error(self, payload: dict[str, Any]) -> list[bytes]:
        raise NotImplementedError


@dataclass
class ChatToMessagesStream(ChatStreamReader):
    """A Chat Completions stream, turned event by event into the Messages event sequence:
    message_start, a content block per text run or tool call with its deltas, message_delta with
    the stop reason and usage, message_stop."""

    dialect: Dialect = Dialect.ANTHROPIC  # what the caller reads
    block: int = -1  # the open content block, -1 before the first
    block_kind: str | None = None
    tool_blocks: dict[int, int] = field(default_factory=dict)  # tool call index -> block

    def _start(self, chunk: dict[str, Any]) -> list[bytes]:
        return [self._message_start(chunk)]

    def _error(self, payload: dict[str, Any]) -> list[bytes]:
        status = (payload.get("error") or {}).get("code")
        body = message_error(payload, status if type(status) is int else 502)
        return [_event("error", {"error": body["error"]})]

    def _message_start(self, chunk: dict[str, Any]) -> bytes:
        message: dict[str, Any] = {
            "id": f"msg_{chunk.get('id', '')}",
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return _event("message_start", {"message": message})

    def _open(self, kind: str, block: dict[str, Any]) -> list[bytes]:
        out = self._close()
        self.block += 1
        self.block_kind = kind
        return [*out, _event("content_block_start", {"index": self.block, "content_block": block})]

    def _close(self) -> list[bytes]:
        if self.block_kind is None:
            return []
        self.block_kind = None
        return [_event("content_block_stop", {"index": self.block})]

    def _text(self, text: str) -> list[bytes]:
        out = [] if self.block_kind == "text" else self._open("text", {"type": "text", "text": ""})
        delta = {"type": "text_delta", "text": text}
        return [*out, _event("content_block_delta", {"index": self.block, "delta": delta})]

    def _tool(self, call: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        index = call.get("index", 0)
        function = call.get("function") or {}
        if index not in self.tool_blocks:
            block = {"type": "tool_use", "id": call.get("id", ""), "name": function.get("name", "")}
            out = self._open("tool_use", {**block, "input": {}})
            self.tool_blocks[index] = self.block
        if function.get("arguments"):
            delta = {"type": "input_json_delta", "partial_json": function["arguments"]}
            out.append(
                _event("content_block_delta", {"index": self.tool_blocks[index], "delta": delta})
            )
        return out

    def _end(self) -> list[bytes]:
        usage = messages_usage(self.usage)
        stop_reason = FINISH_REASONS.get(self.finish_reason or "", "end_turn")
        delta = {"stop_reason": stop_reason, "stop_sequence": None}
        return [
            *self._close(),
            _event("message_delta", {"delta": delta, "usage": usage}),
            _event("message_stop", {}),
        ]


def _event(kind: str, payload: dict[str, Any]) -> bytes:
    return sse({"type": kind, **payload}, kind)
