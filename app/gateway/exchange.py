"""What one call sends and how its answer comes back: as is, or translated when a Chat
Completions request goes to an Anthropic model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.gateway.chat_to_messages import (
    Untranslatable,
    chat_completion,
    chat_error,
    messages_request,
)
from app.gateway.errors import bad_request
from app.gateway.stream_translation import MessagesToChatStream
from app.gateway.streams import UsageFilter
from app.gateway.upstream import Operation, UpstreamRequest

Relay = UsageFilter | MessagesToChatStream


@dataclass(frozen=True)
class Exchange:
    payload: dict[str, Any]
    relay: Relay  # passes a stream on (translating it when needed) and reads its usage
    caller_model: str | None = None  # set when the answer is translated back

    def answer(self, raw: bytes, status: int) -> bytes:
        """A whole answer in the caller's format."""
        if self.caller_model is None:
            return raw
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if status >= 400 or not isinstance(body, dict):
            return json.dumps(chat_error(body, status)).encode()
        return json.dumps(chat_completion(body, self.caller_model)).encode()


def exchange_for(request: UpstreamRequest, op: Operation, body: dict[str, Any]) -> Exchange:
    if not request.translate:
        usage = UsageFilter.for_request(op, body)
        return Exchange(usage.upstream_body({**body, "model": request.model}), usage)
    try:
        payload = messages_request(body, request.model)
    except Untranslatable as exc:
        raise bad_request(f"This request cannot be sent to an Anthropic model: {exc}.") from None
    include_usage = (body.get("stream_options") or {}).get("include_usage") is True
    caller_model = str(body.get("model"))
    relay = MessagesToChatStream(caller_model, include_usage, streaming=bool(body.get("stream")))
    return Exchange(payload, relay, caller_model)
