"""What one call sends and how its answer comes back: as is, or through the crossings its
upstream request names (upstream.Translation), each with its way there (the request), its way
back (a whole answer, an error, a stream) and what the upstream side of it speaks."""

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
from app.gateway.errors import Dialect, GatewayError, bad_request
from app.gateway.gemini_format import (
    ChatToGeminiStream,
    chat_of_gemini,
    gemini_error,
    gemini_of_chat,
)
from app.gateway.messages_to_chat import chat_request, message, message_error
from app.gateway.responses_format import chat_of_responses, custom_tools, response_of_chat
from app.gateway.responses_stream import ChatToResponsesStream
from app.gateway.stream_translation import ChatToMessagesStream, MessagesToChatStream
from app.gateway.streams import Events, Usage, UsageFilter
from app.gateway.upstream import Translation, UpstreamRequest
from app.providers.families import Operation

Relay = (
    UsageFilter
    | MessagesToChatStream
    | ChatToMessagesStream
    | ChatToResponsesStream
    | ChatToGeminiStream
)
Request = Callable[[dict[str, Any], str, bool], dict[str, Any]]  # body, upstream model, stream
Success = Callable[[dict[str, Any], str, dict[str, Any]], dict[str, Any]]  # answer, model, request
Failure = Callable[[Any, int], dict[str, Any]]  # error body, status
Stream = Callable[[str, dict[str, Any], bool, Events], Relay]  # model, caller-side body


@dataclass(frozen=True)
class Leg:
    """One crossing: the request there, and the answer back."""

    request: Request
    success: Success
    failure: Failure
    stream: Stream
    speaks: str  # the upstream side's format, for a message when its answer cannot be read


LEGS = {
    Translation.CHAT_TO_MESSAGES: Leg(
        lambda body, model, streaming: messages_request(body, model),
        lambda answer, model, request: chat_completion(answer, model),
        chat_error,
        lambda model, body, streaming, events: MessagesToChatStream(
            model,
            (body.get("stream_options") or {}).get("include_usage") is True,
            streaming,
            events=events,
        ),
        "Messages",
    ),
    Translation.MESSAGES_TO_CHAT: Leg(
        lambda body, model, streaming: chat_request(body, model),
        lambda answer, model, request: message(answer, model),
        message_error,
        lambda model, body, streaming, events: ChatToMessagesStream(
            model, streaming, events=events
        ),
        "Chat Completions",
    ),
    Translation.RESPONSES_TO_CHAT: Leg(
        lambda body, model, streaming: chat_of_responses(body, model),
        response_of_chat,
        chat_error,
        lambda model, body, streaming, events: ChatToResponsesStream(
            model, streaming, events=events, custom=custom_tools(body)
        ),
        "Chat Completions",
    ),
    Translation.GEMINI_TO_CHAT: Leg(
        chat_of_gemini,
        lambda answer, model, request: gemini_of_chat(answer, model),
        gemini_error,
        lambda model, body, streaming, events: ChatToGeminiStream(model, streaming, events=events),
        "Chat Completions",
    ),
}

UNREADABLE = "The upstream's answer could not be read as a {} answer."


@dataclass
class Chain:
    """Relays one after another, the upstream's first: each passes on what the one before it
    made of the stream. The first reads the usage and sees the content arrive."""

    relays: list[Relay]

    @property
    def streaming(self) -> bool:
        return self.relays[0].streaming

    @property
    def usage(self) -> Usage:
        return self.relays[0].usage

    @property
    def dialect(self) -> Dialect:
        return self.relays[-1].dialect

    @property
    def content_seen(self) -> bool:
        return self.relays[0].content_seen

    def filter(self, chunk: bytes) -> bytes:
        for relay in self.relays:
            chunk = relay.filter(chunk) if chunk else chunk
        return chunk

    def finish(self) -> bytes:
        out = b""
        for relay in self.relays:
            out = (relay.filter(out) if out else b"") + relay.finish()
        return out


@dataclass(frozen=True)
class Exchange:
    payload: dict[str, Any]
    relay: Relay | Chain  # passes a stream on (translating it when needed) and reads its usage
    caller_model: str = ""
    legs: tuple[Leg, ...] = ()  # from the caller's format towards the upstream's
    requests: tuple[dict[str, Any], ...] = ()  # each leg's request, on its caller's side

    def answer(self, raw: bytes, status: int) -> bytes:
        """A whole answer in the caller's format; an upstream success that cannot be read in
        its own format is a 502, never a success with an error inside."""
        if not self.legs:
            return raw
        try:
            body: Any = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        if status >= 400:
            for leg in reversed(self.legs):
                body = leg.failure(body, status)
            return json.dumps(body).encode()
        try:
            for leg, request in zip(reversed(self.legs), reversed(self.requests), strict=True):
                if not isinstance(body, dict):
                    raise TypeError(type(body).__name__)
                body = leg.success(body, self.caller_model, request)
            return json.dumps(body).encode()
        except (TypeError, AttributeError, KeyError, ValueError):
            speaks = self.legs[-1].speaks
            raise GatewayError(502, "upstream_error", UNREADABLE.format(speaks)) from None


def exchange_for(
    request: UpstreamRequest, op: Operation, body: dict[str, Any], max_event_bytes: int
) -> Exchange:
    caller_model = str(body.get("model"))
    if not request.translate:
        usage = UsageFilter.for_request(op, body, max_event_bytes)
        # Gemini names the model in the URL, never in the body.
        sent = {k: v for k, v in body.items() if k != "model"} if op.speaks_gemini else body
        model = {} if op.speaks_gemini else {"model": request.model}
        return Exchange(usage.upstream_body({**sent, **model}), usage)
    streaming = op is Operation.STREAM_GENERATE_CONTENT or body.get("stream") is True
    legs = tuple(LEGS[step] for step in request.translate)
    bodies = [body]
    try:
        for leg in legs:
            bodies.append(leg.request(bodies[-1], request.model, streaming))
    except Untranslatable as exc:
        raise bad_request(f"This request cannot be translated for its model: {exc}.") from None
    except (TypeError, AttributeError, KeyError, ValueError):  # a shape check_request missed
        raise bad_request("This request cannot be translated for its model.") from None
    relays = [
        leg.stream(caller_model, bodies[i], streaming, Events(max_event_bytes))
        for i, leg in enumerate(legs)
    ]
    relays.reverse()
    relay: Relay | Chain = relays[0] if len(relays) == 1 else Chain(relays)
    return Exchange(bodies[-1], relay, caller_model, legs, tuple(bodies[:-1]))
