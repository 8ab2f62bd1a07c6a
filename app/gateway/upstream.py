"""Where and how a call goes upstream, per provider family: the URL, the auth headers and the
model id the provider knows. The caller's body is kept; only its `model` is rewritten. No header
of the caller's is forwarded but the Anthropic version and beta flags."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from app.gateway.errors import Dialect, GatewayError
from app.providers.catalog import AuthMethod, Family
from app.providers.google_tokens import access_token
from app.providers.http import Outbound
from app.providers.target import ProviderTarget

ANTHROPIC_VERSION = "2023-06-01"
AZURE_API_VERSION = "2024-10-21"
ANTHROPIC_PASSED = ("anthropic-version", "anthropic-beta")


class Translation(Enum):
    NONE = "none"
    CHAT_TO_MESSAGES = "chat to messages"  # Chat Completions to an Anthropic model
    MESSAGES_TO_CHAT = "messages to chat"  # Messages to a model that speaks Chat Completions


class Operation(Enum):
    CHAT = "chat/completions"
    EMBEDDINGS = "embeddings"
    MESSAGES = "messages"
    COUNT_TOKENS = "messages/count_tokens"

    @property
    def speaks_anthropic(self) -> bool:
        return self in (Operation.MESSAGES, Operation.COUNT_TOKENS)

    @property
    def dialect(self) -> Dialect:
        """The format its caller reads, answers and errors alike."""
        return Dialect.ANTHROPIC if self.speaks_anthropic else Dialect.OPENAI


@dataclass(frozen=True)
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    model: str  # the id to put in the body
    params: dict[str, str] = field(default_factory=dict)
    translate: Translation = Translation.NONE


OPENAI_FAMILIES = (Family.OPENAI, Family.OLLAMA, Family.AZURE, Family.GEMINI, Family.VERTEX)


async def upstream_request(
    target: ProviderTarget, op: Operation, model: str, caller_headers: Any, out: Outbound
) -> UpstreamRequest:
    family = target.spec.family
    headers = {**target.base_headers(), "Content-Type": "application/json"}
    if op is Operation.CHAT and family is Family.ANTHROPIC:
        request = _anthropic(target, Operation.MESSAGES, model, headers, {})
        return replace(request, translate=Translation.CHAT_TO_MESSAGES)
    if op is Operation.MESSAGES and family is not Family.ANTHROPIC:
        request = await upstream_request(target, Operation.CHAT, model, caller_headers, out)
        return replace(request, translate=Translation.MESSAGES_TO_CHAT)
    if op.speaks_anthropic != (family is Family.ANTHROPIC):
        raise _unsupported(target, op)
    if family is Family.ANTHROPIC:
        return _anthropic(target, op, model, headers, caller_headers)
    if family is Family.AZURE:
        return _azure(target, op, model, headers)
    if family is Family.VERTEX:
        return await _vertex(target, op, model, headers, out)
    if family is Family.GEMINI:
        headers["Authorization"] = f"Bearer {target.api_key}"
        return UpstreamRequest(f"{target.base_url}/v1beta/openai/{op.value}", headers, model)
    if target.api_key:
        headers["Authorization"] = f"Bearer {target.api_key}"
    if family is Family.OLLAMA:  # its OpenAI-compatible API lives under /v1
        return UpstreamRequest(f"{target.base_url}/v1/{op.value}", headers, model)
    for name, key in (("OpenAI-Organization", "organization"), ("OpenAI-Project", "project")):
        if target.config.get(key):
            headers[name] = target.config[key]
    return UpstreamRequest(f"{target.base_url}/{op.value}", headers, model)


def _anthropic(
    target: ProviderTarget, op: Operation, model: str, headers: dict[str, str], caller: Any
) -> UpstreamRequest:
    headers["x-api-key"] = target.api_key or ""
    headers["anthropic-version"] = ANTHROPIC_VERSION
    for name in ANTHROPIC_PASSED:
        if caller.get(name):
            headers[name] = caller.get(name)
    return UpstreamRequest(f"{target.base_url}/v1/{op.value}", headers, model)


def _azure(
    target: ProviderTarget, op: Operation, model: str, headers: dict[str, str]
) -> UpstreamRequest:
    """The deployment is the model: {endpoint}/openai/deployments/{deployment}/..."""
    if target.auth_method is AuthMethod.AZURE_AD_TOKEN:
        headers["Authorization"] = f"Bearer {target.api_key}"
    else:
        headers["api-key"] = target.api_key or ""
    version = target.config.get("apiVersion", AZURE_API_VERSION)
    url = f"{target.base_url}/openai/deployments/{model}/{op.value}"
    return UpstreamRequest(url, headers, model, {"api-version": version})


async def _vertex(
    target: ProviderTarget, op: Operation, model: str, headers: dict[str, str], out: Outbound
) -> UpstreamRequest:
    """Vertex AI's OpenAI-compatible endpoint; its models are named google/{id}."""
    headers["Authorization"] = f"Bearer {await access_token(target, out)}"
    project, region = target.config.get("projectId", ""), target.config.get("region", "")
    url = f"{target.base_url}/v1/projects/{project}/locations/{region}/endpoints/openapi/{op.value}"
    return UpstreamRequest(url, headers, model if "/" in model else f"google/{model}")


def _unsupported(target: ProviderTarget, op: Operation) -> GatewayError:
    served = "Anthropic Messages" if target.spec.family is Family.ANTHROPIC else "OpenAI format"
    message = (
        f"This model is served by a {target.spec.display_name} connection, which speaks "
        f"{served} and has no /v1/{op.value}."
    )
    return GatewayError(400, "unsupported_format", message)
