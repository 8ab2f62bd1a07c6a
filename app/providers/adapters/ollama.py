"""Ollama: GET /api/tags, usually with no key (a key is sent as Bearer when one is set)."""

from __future__ import annotations

from app.providers.adapters.shapes import field_list, models_from
from app.providers.http import Outbound
from app.providers.target import DiscoveredModel, ProviderTarget


class OllamaAdapter:
    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
        headers = target.base_headers()
        if target.api_key:
            headers["Authorization"] = f"Bearer {target.api_key}"
        body = await out.get_json(f"{target.base_url}/api/tags", headers)
        return models_from(field_list(body, "models"), "name")
