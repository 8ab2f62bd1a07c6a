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
from app.gateway.errors import GatewayError, bad_request
from app.gateway.messages_to_chat import chat_request, message, message_error
from app.gateway.stream_translation import ChatToMessagesStream, MessagesToChatStream
from app.gateway.streams import Events, UsageFilter
from app.gateway.upstream import Translation, UpstreamRequest
from app.providers.families import Operation

Relay = UsageFilter | MessagesToChatStream | ChatToMessagesStream
Answer = Callable[[dict[str, Any], str], dict[str, Any]]
Failure = Callable[[Any, int], dict[str, Any]]


UNREADABLE = "The upstream's answer could not be read as a {} answer."


@dataclass(frozen=True)
class Exchange:
    payload: dict[str, Any]
    relay: Relay  # passes a stream on (translating it when needed) and reads its usage
    caller_model: str = ""
    translated: tuple[Answer, Failure, str] | None = None  # how a whole answer is turned back

    def answer(self, raw: bytes, status: int) -> bytes:
        """A whole answer in the caller's format; an upstream success that cannot be read in
        its own format is a 502, never a success with an error inside."""
        if self.translated is None:
            return raw
        success, failure, speaks = self.translated
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if status >= 400:
            return json.dumps(failure(body, status)).encode()
        try:
            if not isinstance(body, dict):
                raise TypeError(type(body).__name__)
            return json.dumps(success(body, self.caller_model)).encode()
        except (TypeError, AttributeError, KeyError, ValueError):
            raise GatewayError(502, "upstream_error", UNREADABLE.format(speaks)) from None


def exchange_for(
    request: UpstreamRequest, op: Operation, body: dict[str, Any], max_event_bytes: int
) -> Exchange:
    caller_model = str(body.get("model"))
    streaming = body.get("stream") is True
    try:
        if request.translate is Translation.CHAT_TO_MESSAGES:
            include_usage = (body.get("stream_options") or {}).get("include_usage") is True
            return Exchange(
                messages_request(body, request.model),
                MessagesToChatStream(
                    caller_model, include_usage, streaming, events=Events(max_event_bytes)
                ),
                caller_model,
                (chat_completion, chat_error, "Messages"),
            )
        if request.translate is Translation.MESSAGES_TO_CHAT:
            return Exchange(
                chat_request(body, request.model),
                ChatToMessagesStream(caller_model, streaming, events=Events(max_event_bytes)),
                caller_model,
                (message, message_error, "Chat Completions"),
            )
    except Untranslatable as exc:
        raise bad_request(f"This request cannot be translated for its model: {exc}.") from None
    except (TypeError, AttributeError, KeyError, ValueError):  # a shape check_request missed
        raise bad_request("This request cannot be translated for its model.") from None
    usage = UsageFilter.for_request(op, body, max_event_bytes)
    return Exchange(usage.upstream_body({**body, "model": request.model}), usage)
