"""Anthropic: x-api-key and anthropic-version headers; /v1/models paged by after_id; calls to
/v1/messages and /v1/messages/count_tokens. The connection's anthropicVersion, when set, is the
version of every request, listing and calls alike; otherwise a call keeps its caller's."""

from __future__ import annotations

from collections.abc import Mapping

from app.providers.catalog import AuthMethod, Provider, spec_for
from app.providers.client import InvalidResponse, Outbound
from app.providers.families import Address, Operation
from app.providers.families.shapes import Page, all_pages, field_list, models_from
from app.providers.target import DiscoveredModel, ProviderTarget

PAGE_SIZE = "1000"
VERSION_HEADER = "anthropic-version"
BETA_HEADER = "anthropic-beta"  # the caller's beta flags always go through


def default_version() -> str:
    """The version sent when neither the connection nor the caller names one: the catalog's
    default for the anthropicVersion config field (its one home)."""
    field = spec_for(Provider.ANTHROPIC).config_field("anthropicVersion")
    assert field is not None and field.default is not None
    return field.default


def credential_headers(method: AuthMethod) -> frozenset[str]:
    return frozenset({"x-api-key"})


def auth_headers(target: ProviderTarget, caller_version: str | None = None) -> dict[str, str]:
    headers = target.base_headers()
    headers["x-api-key"] = target.api_key or ""
    headers[VERSION_HEADER] = (
        target.config.get("anthropicVersion") or caller_version or default_version()
    )
    return headers


async def list_models(target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
    headers = auth_headers(target)

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


async def address(
    target: ProviderTarget,
    op: Operation,
    model: str,
    caller_headers: Mapping[str, str],
    out: Outbound,
) -> Address:
    headers = auth_headers(target, caller_headers.get(VERSION_HEADER))
    if caller_headers.get(BETA_HEADER):
        headers[BETA_HEADER] = caller_headers[BETA_HEADER]
    return Address(f"{target.base_url}/v1/{op.value}", headers, model)
