"""One adapter per provider family, each with one job: list the models a target serves."""

from __future__ import annotations

from typing import Protocol

from app.providers.catalog import Family
from app.providers.http import Outbound
from app.providers.target import DiscoveredModel, ProviderTarget


class Adapter(Protocol):
    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]: ...


def adapter_for(family: Family) -> Adapter:
    from app.providers.adapters.anthropic import AnthropicAdapter
    from app.providers.adapters.azure import AzureAdapter
    from app.providers.adapters.google import GeminiAdapter, VertexAdapter
    from app.providers.adapters.ollama import OllamaAdapter
    from app.providers.adapters.openai import OpenAIAdapter

    adapters: dict[Family, Adapter] = {
        Family.OPENAI: OpenAIAdapter(),
        Family.AZURE: AzureAdapter(),
        Family.ANTHROPIC: AnthropicAdapter(),
        Family.GEMINI: GeminiAdapter(),
        Family.VERTEX: VertexAdapter(),
        Family.OLLAMA: OllamaAdapter(),
    }
    return adapters[family]
