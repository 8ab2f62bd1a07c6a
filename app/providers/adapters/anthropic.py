"""Anthropic: x-api-key and anthropic-version headers, /v1/models paged by after_id."""

from __future__ import annotations

from app.providers.adapters.shapes import Page, all_pages, field_list, models_from
from app.providers.http import InvalidResponse, Outbound
from app.providers.target import DiscoveredModel, ProviderTarget

DEFAULT_VERSION = "2023-06-01"
PAGE_SIZE = "1000"


class AnthropicAdapter:
    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
        headers = target.base_headers()
        headers["x-api-key"] = target.api_key or ""
        headers["anthropic-version"] = target.config.get("anthropicVersion", DEFAULT_VERSION)

        async def page(after: str | None) -> Page:
            params = {"limit": PAGE_SIZE, **({"after_id": after} if after else {})}
            body = await out.get_json(f"{target.base_url}/v1/models", headers, params)
            models = models_from(field_list(body, "data"), "id", "display_name")
            if not body.get("has_more"):
                return models, None
            if not isinstance(body.get("last_id"), str):
                raise InvalidResponse("has_more is set but last_id is missing")
            return models, body["last_id"]

        return await all_pages(page)
