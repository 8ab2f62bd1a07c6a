"""Vertex AI: an OAuth token from a service account, the project that is billed; models from the
Google publisher listing (paged by nextPageToken), calls to its OpenAI-compatible endpoint,
where Google's models are named google/{id}."""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import AuthMethod
from app.providers.client import Outbound
from app.providers.families import Address, Operation
from app.providers.families.shapes import google_pages
from app.providers.google_tokens import access_token
from app.providers.target import DiscoveredModel, ProviderTarget


def credential_headers(method: AuthMethod) -> frozenset[str]:
    return frozenset({"authorization"})


async def auth_headers(target: ProviderTarget, out: Outbound) -> dict[str, str]:
    headers = target.base_headers()
    headers["Authorization"] = f"Bearer {await access_token(target, out)}"
    if target.config.get("projectId"):
        headers["x-goog-user-project"] = target.config["projectId"]
    return headers


async def list_models(target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
    url = f"{target.base_url}/v1beta1/publishers/google/models"
    headers = await auth_headers(target, out)
    return await google_pages(out, url, headers, "publisherModels", "publishers/google/models/")


async def address(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> Address:
    project, region = target.config.get("projectId", ""), target.config.get("region", "")
    url = f"{target.base_url}/v1/projects/{project}/locations/{region}/endpoints/openapi/{op.value}"
    named = model if "/" in model else f"google/{model}"
    return Address(url, await auth_headers(target, out), named)
