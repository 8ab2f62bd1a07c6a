"""Where and how a call goes upstream: its provider family's address for the operation, and the
translation when the caller's format is not the one the family speaks (Chat Completions to an
Anthropic model, Messages to any other). The caller's body is kept; only its `model` is
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
    NONE = "none"
    CHAT_TO_MESSAGES = "chat to messages"  # Chat Completions to an Anthropic model
    MESSAGES_TO_CHAT = "messages to chat"  # Messages to a model that speaks Chat Completions


@dataclass(frozen=True)
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    model: str  # the id to put in the body
    params: dict[str, str] = field(default_factory=dict)
    translate: Translation = Translation.NONE


async def upstream_request(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> UpstreamRequest:
    anthropic = target.spec.family is Family.ANTHROPIC
    if op is Operation.CHAT and anthropic:
        return await _at(target, Operation.MESSAGES, model, {}, out, Translation.CHAT_TO_MESSAGES)
    if op is Operation.MESSAGES and not anthropic:
        return await _at(target, Operation.CHAT, model, {}, out, Translation.MESSAGES_TO_CHAT)
    if op.speaks_anthropic != anthropic:
        raise _unsupported(target, op)
    return await _at(target, op, model, caller_headers, out, Translation.NONE)


async def _at(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
    translate: Translation,
) -> UpstreamRequest:
    at = await family_of(target.spec.family).address(target, op, model, caller_headers, out)
    headers = {**at.headers, "Content-Type": "application/json"}
    return UpstreamRequest(at.url, headers, at.model, at.params, translate)


def _unsupported(target: ProviderTarget, op: Operation) -> GatewayError:
    served = "Anthropic Messages" if target.spec.family is Family.ANTHROPIC else "OpenAI format"
    message = (
        f"This model is served by a {target.spec.display_name} connection, which speaks "
        f"{served} and has no /v1/{op.value}."
    )
    return GatewayError(400, "unsupported_format", message)
