"""One module per provider family, as LiteLLM's llms/<provider>/ are laid out: what it takes to
talk to that family's API. Each owns the headers that carry its credentials, its API versions and
defaults, how it lists models and where an inference call to it goes. A new provider touches its
catalog entry (providers/catalog.py) and, only when it speaks a new protocol, a module here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from app.providers.catalog import AuthMethod, Family
from app.providers.client import Outbound
from app.providers.target import DiscoveredModel, ProviderTarget


class Operation(Enum):
    """An inference call, named by its path under /v1 (Gemini's: its method, after the model
    in /v1beta/models/{model}:method)."""

    CHAT = "chat/completions"
    EMBEDDINGS = "embeddings"
    MESSAGES = "messages"
    COUNT_TOKENS = "messages/count_tokens"
    RESPONSES = "responses"
    GENERATE_CONTENT = "generateContent"
    STREAM_GENERATE_CONTENT = "streamGenerateContent"
    GEMINI_COUNT_TOKENS = "countTokens"

    @property
    def speaks_anthropic(self) -> bool:
        return self in (Operation.MESSAGES, Operation.COUNT_TOKENS)

    @property
    def speaks_gemini(self) -> bool:
        return self in GEMINI_OPERATIONS


GEMINI_OPERATIONS = frozenset(
    {Operation.GENERATE_CONTENT, Operation.STREAM_GENERATE_CONTENT, Operation.GEMINI_COUNT_TOKENS}
)


@dataclass(frozen=True)
class Address:
    """Where one inference call goes: its URL, headers (credentials included), query parameters
    and the model id the provider knows."""

    url: str
    headers: dict[str, str]
    model: str
    params: dict[str, str] = field(default_factory=dict)


class ProviderFamily(Protocol):
    def credential_headers(self, method: AuthMethod) -> frozenset[str]:
        """The (lower-case) headers that carry the credential, which custom headers may not set."""
        ...

    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]: ...

    async def address(
        self,
        target: ProviderTarget,
        op: Operation,
        model: str,
        caller_headers: Mapping[str, str],
        out: Outbound,
    ) -> Address: ...


def family_of(family: Family) -> ProviderFamily:
    from app.providers.families import anthropic, azure, gemini, ollama, openai, vertex

    modules: dict[Family, ProviderFamily] = {
        Family.OPENAI: openai,
        Family.AZURE: azure,
        Family.ANTHROPIC: anthropic,
        Family.GEMINI: gemini,
        Family.VERTEX: vertex,
        Family.OLLAMA: ollama,
    }
    return modules[family]
