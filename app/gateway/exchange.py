"""What one call sends and how its answer comes back: as is, or translated when a Chat
Completions request goes to an Anthropic model, or Messages to any other."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.gateway.chat_to_messages import (
    Untranslatable,
    chat_completion,
    chat_error,
    messages_request,
)
from app.gateway.errors import bad_request
from app.gateway.messages_to_chat import chat_request, message, message_error
from app.gateway.stream_translation import ChatToMessagesStream, MessagesToChatStream
from app.gateway.streams import UsageFilter
from app.gateway.upstream import Operation, Translation, UpstreamRequest

Relay = UsageFilter | MessagesToChatStream | ChatToMessagesStream
Answer = Callable[[dict[str, Any], str], dict[str, Any]]
Failure = Callable[[Any, int], dict[str, Any]]


@dataclass(frozen=True)
class Exchange:
    payload: dict[str, Any]
    relay: Relay  # passes a stream on (translating it when needed) and reads its usage
    caller_model: str = ""
    translated: tuple[Answer, Failure] | None = None  # how a whole answer is turned back

    def answer(self, raw: bytes, status: int) -> bytes:
        """A whole answer in the caller's format."""
        if self.translated is None:
            return raw
        success, failure = self.translated
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if status >= 400 or not isinstance(body, dict):
            return json.dumps(failure(body, status)).encode()
        return json.dumps(success(body, self.caller_model)).encode()


def exchange_for(request: UpstreamRequest, op: Operation, body: dict[str, Any]) -> Exchange:
    caller_model = str(body.get("model"))
    streaming = bool(body.get("stream"))
    try:
        if request.translate is Translation.CHAT_TO_MESSAGES:
            include_usage = (body.get("stream_options") or {}).get("include_usage") is True
            return Exchange(
                messages_request(body, request.model),
                MessagesToChatStream(caller_model, include_usage, streaming=streaming),
                caller_model,
                (chat_completion, chat_error),
            )
        if request.translate is Translation.MESSAGES_TO_CHAT:
            return Exchange(
                chat_request(body, request.model),
                ChatToMessagesStream(caller_model, streaming=streaming),
                caller_model,
                (message, message_error),
            )
    except Untranslatable as exc:
        raise bad_request(f"This request cannot be translated for its model: {exc}.") from None
    usage = UsageFilter.for_request(op, body)
    return Exchange(usage.upstream_body({**body, "model": request.model}), usage)
