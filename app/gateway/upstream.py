"""Where and how a call goes upstream: its provider family's address for the operation, and the
translations when the caller's format is not the one the family speaks (Chat Completions to an
Anthropic model, Messages to any other, Responses and Gemini's format to any model that does not
speak them). The caller's body is kept; only its `model` is
rewritten. No header of the caller's is forwarded but the Anthropic version and beta flags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from app.gateway.errors import GatewayError
from app.providers.catalog import Family
from app.providers.client import Outbound
from app.providers.families import Operation, family_of
from app.providers.target import ProviderTarget


class Translation(Enum):
    """One crossing from the caller's format to the next one nearer the upstream's."""

    CHAT_TO_MESSAGES = "chat to messages"  # Chat Completions to an Anthropic model
    MESSAGES_TO_CHAT = "messages to chat"  # Messages to a model that speaks Chat Completions
    RESPONSES_TO_CHAT = "responses to chat"  # Responses to a model that does not speak it
    GEMINI_TO_CHAT = "gemini to chat"  # Gemini's generateContent to a model not Gemini's


@dataclass(frozen=True)
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    model: str  # the id to put in the body
    params: dict[str, str] = field(default_factory=dict)
    translate: tuple[Translation, ...] = ()  # in order, from the caller's format


async def upstream_request(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> UpstreamRequest:
    """Responses and Gemini's format meet the other families at Chat Completions, which then
    crosses to Messages for an Anthropic model."""
    family = target.spec.family
    steps: tuple[Translation, ...] = ()
    if op is Operation.RESPONSES and not target.spec.speaks_responses:
        steps, op = (Translation.RESPONSES_TO_CHAT,), Operation.CHAT
    elif op.speaks_gemini and not target.spec.speaks_gemini:
        if op is Operation.GEMINI_COUNT_TOKENS:
            raise _unsupported(target, op)
        steps, op = (Translation.GEMINI_TO_CHAT,), Operation.CHAT
    anthropic = family is Family.ANTHROPIC
    if op is Operation.CHAT and anthropic:
        steps += (Translation.CHAT_TO_MESSAGES,)
        return await _at(target, Operation.MESSAGES, model, {}, out, steps)
    if op is Operation.MESSAGES and not anthropic:
        return await _at(target, Operation.CHAT, model, {}, out, (Translation.MESSAGES_TO_CHAT,))
    if op.speaks_anthropic != anthropic:
        raise _unsupported(target, op)
    return await _at(target, op, model, {} if steps else caller_headers, out, steps)


async def _at(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
    translate: tuple[Translation, ...],
) -> UpstreamRequest:
    at = await family_of(target.spec.family).address(target, op, model, caller_headers, out)
    headers = {**at.headers, "Content-Type": "application/json"}
    return UpstreamRequest(at.url, headers, at.model, at.params, translate)


def _unsupported(target: ProviderTarget, op: Operation) -> GatewayError:
    served = "Anthropic Messages" if target.spec.family is Family.ANTHROPIC else "OpenAI format"
    path = f"/v1beta/models/{{model}}:{op.value}" if op.speaks_gemini else f"/v1/{op.value}"
    message = (
        f"This model is served by a {target.spec.display_name} connection, which speaks "
        f"{served} and has no {path}."
    )
    return GatewayError(400, "unsupported_format", message)
