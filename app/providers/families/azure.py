"""Azure OpenAI: the resource endpoint, an api-version, and either an api-key or an Entra ID
token. Deployments are what callers address, so they are listed when the resource exposes them
(otherwise the resource's models are), and a call goes to its deployment."""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import AuthMethod
from app.providers.client import HttpStatusError, Outbound
from app.providers.families import Address, Operation
from app.providers.families.shapes import field_list, models_from
from app.providers.target import DiscoveredModel, ProviderTarget

DEFAULT_API_VERSION = "2024-10-21"  # when the connection's config names none
DEPLOYMENTS_API_VERSION = "2022-12-01"  # the last data-plane version that lists deployments
RESPONSES_API_VERSION = "2025-04-01-preview"  # the first that serves /openai/responses


def credential_headers(method: AuthMethod) -> frozenset[str]:
    return frozenset({"authorization" if method is AuthMethod.AZURE_AD_TOKEN else "api-key"})


def auth_headers(target: ProviderTarget) -> dict[str, str]:
    headers = target.base_headers()
    if target.auth_method is AuthMethod.AZURE_AD_TOKEN:
        headers["Authorization"] = f"Bearer {target.api_key}"
    else:
        headers["api-key"] = target.api_key or ""
    return headers


def api_version(target: ProviderTarget) -> str:
    return target.config.get("apiVersion", DEFAULT_API_VERSION)


async def list_models(target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
    headers = auth_headers(target)
    version = {"api-version": api_version(target)}
    body = await out.get_json(f"{target.base_url}/openai/models", headers, version)
    models = models_from(field_list(body, "data"), "id")
    try:
        deployments = await out.get_json(
            f"{target.base_url}/openai/deployments",
            headers,
            {"api-version": DEPLOYMENTS_API_VERSION},
        )
    except HttpStatusError as exc:
        if exc.status == 404:  # newer resources list deployments only in the management plane
            return models
        raise
    return models_from(field_list(deployments, "data"), "id", "model")


async def address(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> Address:
    """The deployment is the model: {endpoint}/openai/deployments/{deployment}/..., except
    for the Responses API, which names the deployment in the body at {endpoint}/openai/responses
    (with an api-version new enough to serve it)."""
    version = api_version(target)
    if op is Operation.RESPONSES:
        if version[:1].isdigit() and version < RESPONSES_API_VERSION:
            version = RESPONSES_API_VERSION
        url = f"{target.base_url}/openai/responses"
        return Address(url, auth_headers(target), model, {"api-version": version})
    url = f"{target.base_url}/openai/deployments/{model}/{op.value}"
    return Address(url, auth_headers(target), model, {"api-version": version})
