"""Reading provider listings: lists of models and page cursors, with clear shape errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from app.providers.client import InvalidResponse, Outbound
from app.providers.target import DiscoveredModel

MAX_PAGES = 100
GOOGLE_PAGE_SIZE = "1000"


def field_list(body: Any, key: str) -> list[Any]:
    """`body[key]` as a list (a bare list is accepted as well: Together answers that way)."""
    items = body if isinstance(body, list) else body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise InvalidResponse(f"expected a JSON list of models under {key!r}")
    return items


def models_from(
    items: list[Any], id_key: str, name_key: str | None = None, strip_prefix: str = ""
) -> list[DiscoveredModel]:
    models = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get(id_key), str):
            raise InvalidResponse(f"a model entry has no {id_key!r} string")
        model_id = item[id_key]
        if strip_prefix and model_id.startswith(strip_prefix):
            model_id = model_id[len(strip_prefix) :]
        name = item.get(name_key) if name_key else None
        models.append(DiscoveredModel(model_id, name if isinstance(name, str) else None))
    return models


Page = tuple[list[DiscoveredModel], str | None]


async def all_pages(fetch: Callable[[str | None], Awaitable[Page]]) -> list[DiscoveredModel]:
    """Follow a provider's cursor until it stops (bounded, in case a server loops)."""
    models: list[DiscoveredModel] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page, cursor = await fetch(cursor)
        models.extend(page)
        if not cursor:
            return models
    raise InvalidResponse(f"the provider kept paging past {MAX_PAGES} pages")


async def google_pages(
    out: Outbound, url: str, headers: dict[str, str], key: str, strip: str
) -> list[DiscoveredModel]:
    """Google's listings (Gemini, Vertex AI): `key` holds the page, nextPageToken the cursor."""

    async def page(token: str | None) -> Page:
        params = {"pageSize": GOOGLE_PAGE_SIZE, **({"pageToken": token} if token else {})}
        body: Any = await out.get_json(url, headers, params)
        items = field_list(body, key) if isinstance(body, dict) and key in body else []
        next_token = body.get("nextPageToken") if isinstance(body, dict) else None
        return models_from(items, "name", "displayName", strip), next_token or None

    return await all_pages(page)
