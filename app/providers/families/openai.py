"""OpenAI and every server that speaks its API (Mistral, Groq, DeepSeek, OpenRouter, xAI,
Together, vLLM, LM Studio, LiteLLM...): a Bearer key, optional organization and project headers,
GET {base}/models, and calls at {base}/{operation}."""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import AuthMethod
from app.providers.client import Outbound
from app.providers.families import Address, Operation
from app.providers.families.shapes import field_list, models_from
from app.providers.target import DiscoveredModel, ProviderTarget

CONFIG_HEADERS = (("OpenAI-Organization", "organization"), ("OpenAI-Project", "project"))


def credential_headers(method: AuthMethod) -> frozenset[str]:
    return frozenset() if method is AuthMethod.NONE else frozenset({"authorization"})


def auth_headers(target: ProviderTarget) -> dict[str, str]:
    headers = target.base_headers()
    if target.api_key:
        headers["Authorization"] = f"Bearer {target.api_key}"
    for name, key in CONFIG_HEADERS:
        if target.config.get(key):
            headers[name] = target.config[key]
    return headers


async def list_models(target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
    body = await out.get_json(f"{target.base_url}/models", auth_headers(target))
    return models_from(field_list(body, "data"), "id", "name")


async def address(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> Address:
    return Address(f"{target.base_url}/{op.value}", auth_headers(target), model)
