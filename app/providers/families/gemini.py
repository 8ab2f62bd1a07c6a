"""Gemini: its own API lists models (x-goog-api-key, paged by nextPageToken; never ?key=, as
URLs end up in logs) and serves its own generateContent, streamGenerateContent (alt=sse) and
countTokens; every other call goes to its OpenAI-compatible API, which takes the key as Bearer."""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import AuthMethod
from app.providers.client import Outbound
from app.providers.families import Address, Operation
from app.providers.families.shapes import google_pages
from app.providers.target import DiscoveredModel, ProviderTarget


def credential_headers(method: AuthMethod) -> frozenset[str]:
    return frozenset({"x-goog-api-key", "authorization"})


async def list_models(target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
    headers = target.base_headers()
    headers["x-goog-api-key"] = target.api_key or ""
    url = f"{target.base_url}/v1beta/models"
    return await google_pages(out, url, headers, "models", "models/")


async def address(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> Address:
    headers = target.base_headers()
    if op.speaks_gemini:
        headers["x-goog-api-key"] = target.api_key or ""
        url = f"{target.base_url}/v1beta/models/{model}:{op.value}"
        streamed = op is Operation.STREAM_GENERATE_CONTENT
        return Address(url, headers, model, {"alt": "sse"} if streamed else {})
    headers["Authorization"] = f"Bearer {target.api_key}"
    return Address(f"{target.base_url}/v1beta/openai/{op.value}", headers, model)
