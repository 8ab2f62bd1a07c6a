"""Google: Gemini (x-goog-api-key) and Vertex AI (OAuth token from a service account). Both page
with nextPageToken."""

from __future__ import annotations

from typing import Any

from app.providers.adapters.shapes import Page, all_pages, field_list, models_from
from app.providers.google_tokens import access_token
from app.providers.http import Outbound
from app.providers.target import DiscoveredModel, ProviderTarget

PAGE_SIZE = "1000"


async def _paged(
    out: Outbound, url: str, headers: dict[str, str], key: str, strip: str
) -> list[DiscoveredModel]:
    async def page(token: str | None) -> Page:
        params = {"pageSize": PAGE_SIZE, **({"pageToken": token} if token else {})}
        body: Any = await out.get_json(url, headers, params)
        items = field_list(body, key) if isinstance(body, dict) and key in body else []
        next_token = body.get("nextPageToken") if isinstance(body, dict) else None
        return models_from(items, "name", "displayName", strip), next_token or None

    return await all_pages(page)


class GeminiAdapter:
    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
        headers = target.base_headers()
        headers["x-goog-api-key"] = target.api_key or ""  # never ?key=: URLs end up in logs
        return await _paged(out, f"{target.base_url}/v1beta/models", headers, "models", "models/")


class VertexAdapter:
    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
        headers = target.base_headers()
        headers["Authorization"] = f"Bearer {await access_token(target, out)}"
        if target.config.get("projectId"):
            headers["x-goog-user-project"] = target.config["projectId"]
        url = f"{target.base_url}/v1beta1/publishers/google/models"
        models = await _paged(out, url, headers, "publisherModels", "publishers/google/models/")
        return models
