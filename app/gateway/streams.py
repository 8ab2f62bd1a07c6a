"""Usage is known at the end of every stream. An OpenAI-format stream is asked for its usage
(`stream_options.include_usage`) when the caller did not ask, and that extra chunk is kept from
the caller, who receives exactly what it asked for; Anthropic streams carry usage anyway. Events
pass on whole, one by one, as they arrive."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from app.gateway.upstream import Operation

EVENT_END = re.compile(rb"\r?\n\r?\n")


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass
class UsageFilter:
    streaming: bool = False
    injected: bool = False  # include_usage was added for us: its chunk is not the caller's
    usage: Usage = field(default_factory=Usage)
    pending: bytes = b""

    @classmethod
    def for_request(cls, op: Operation, body: dict[str, Any]) -> UsageFilter:
        streaming = bool(body.get("stream")) and op in (Operation.CHAT, Operation.MESSAGES)
        asked = (body.get("stream_options") or {}).get("include_usage") is True
        return cls(streaming=streaming, injected=streaming and op is Operation.CHAT and not asked)

    def upstream_body(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.injected:
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        return body

    def filter(self, chunk: bytes) -> bytes:
        """The complete events in what has arrived so far, less any the caller did not ask for."""
        data = self.pending + chunk
        passed: list[bytes] = []
        start = 0
        for end in EVENT_END.finditer(data):
            event = data[start : end.end()]
            start = end.end()
            if self._keep(event):
                passed.append(event)
        self.pending = data[start:]
        return b"".join(passed)

    def finish(self) -> bytes:
        rest, self.pending = self.pending, b""
        return rest

    def _keep(self, event: bytes) -> bool:
        payload = data_of(event)
        if not isinstance(payload, dict):
            return True
        self._count(payload)
        # OpenAI's usage chunk comes with no choices; it is ours when we asked for it.
        return not (self.injected and payload.get("choices") == [] and "usage" in payload)

    def _count(self, payload: dict[str, Any]) -> None:
        usage = payload.get("usage")
        if payload.get("type") == "message_start":
            usage = (payload.get("message") or {}).get("usage")
        add_usage(self.usage, usage)


def usage_of_answer(raw: bytes) -> Usage:
    """The usage a whole (non-streamed) answer reports, in either format."""
    usage = Usage()
    try:
        body = json.loads(raw)
    except ValueError:
        return usage
    if isinstance(body, dict):
        add_usage(usage, body.get("usage"))
    return usage


def add_usage(usage: Usage, reported: Any) -> None:
    """Take what a provider reported; later reports of a stream supersede earlier ones."""
    if not isinstance(reported, dict):
        return
    given_in = reported.get("prompt_tokens") or reported.get("input_tokens")
    given_out = reported.get("completion_tokens") or reported.get("output_tokens")
    usage.input_tokens = given_in or usage.input_tokens
    usage.output_tokens = given_out or usage.output_tokens


def data_of(event: bytes) -> Any:
    for line in event.splitlines():
        if line.startswith(b"data:"):
            text = line[5:].strip()
            if text == b"[DONE]":
                return None
            try:
                return json.loads(text)
            except ValueError:
                return None
    return None
