"""Ollama: usually no key (one is sent as Bearer when set); models from GET /api/tags, calls to
its OpenAI-compatible API under /v1."""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import AuthMethod
from app.providers.client import Outbound
from app.providers.families import Address, Operation
from app.providers.families.shapes import field_list, models_from
from app.providers.target import DiscoveredModel, ProviderTarget


def credential_headers(method: AuthMethod) -> frozenset[str]:
    return frozenset() if method is AuthMethod.NONE else frozenset({"authorization"})


def auth_headers(target: ProviderTarget) -> dict[str, str]:
    headers = target.base_headers()
    if target.api_key:
        headers["Authorization"] = f"Bearer {target.api_key}"
    return headers


async def list_models(target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
    body = await out.get_json(f"{target.base_url}/api/tags", auth_headers(target))
    return models_from(field_list(body, "models"), "name")


async def address(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> Address:
    return Address(f"{target.base_url}/v1/{op.value}", auth_headers(target), model)
