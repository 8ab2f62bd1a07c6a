"""An Anthropic Messages stream, turned event by event into a Chat Completions stream: text and
tool-call argument deltas as chunks, the stop reason as the finish reason, and the usage chunk
when the caller asked for it (stream_options.include_usage)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from app.gateway.chat_to_messages import STOP_REASONS
from app.gateway.streams import EVENT_END, Usage, add_usage, data_of


@dataclass
class MessagesToChatStream:
    model: str
    include_usage: bool
    streaming: bool = True
    usage: Usage = field(default_factory=Usage)
    pending: bytes = b""
    completion_id: str = "chatcmpl-"
    created: int = field(default_factory=lambda: int(time.time()))
    tool_calls: dict[int, int] = field(default_factory=dict)  # Anthropic block -> call index

    def filter(self, chunk: bytes) -> bytes:
        data = self.pending + chunk
        out: list[bytes] = []
        start = 0
        for end in EVENT_END.finditer(data):
            payload = data_of(data[start : end.end()])
            start = end.end()
            if isinstance(payload, dict):
                out.extend(self._translate(payload))
        self.pending = data[start:]
        return b"".join(out)

    def finish(self) -> bytes:
        self.pending = b""
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
            return [_sse(body), b"data: [DONE]\n\n"]
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
            prompt, completion = self.usage.input_tokens, self.usage.output_tokens
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            out.append(_sse({**self._base(), "choices": [], "usage": usage}))
        out.append(b"data: [DONE]\n\n")
        return out

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
        return _sse({**self._base(), "choices": [choice]})

    def _base(self) -> dict[str, Any]:
        return {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
        }


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"
