"""OpenAI and every server that speaks its API (Mistral, Groq, DeepSeek, OpenRouter, xAI,
Together, vLLM, LM Studio, LiteLLM...): GET {base}/models with a Bearer key."""

from __future__ import annotations

from app.providers.adapters.shapes import field_list, models_from
from app.providers.http import Outbound
from app.providers.target import DiscoveredModel, ProviderTarget


class OpenAIAdapter:
    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
        headers = target.base_headers()
        if target.api_key:
            headers["Authorization"] = f"Bearer {target.api_key}"
        if target.config.get("organization"):
            headers["OpenAI-Organization"] = target.config["organization"]
        if target.config.get("project"):
            headers["OpenAI-Project"] = target.config["project"]
        body = await out.get_json(f"{target.base_url}/models", headers)
        return models_from(field_list(body, "data"), "id", "name")
