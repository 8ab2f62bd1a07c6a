"""Azure OpenAI: the resource endpoint, an api-version, and either an api-key or an Entra ID
token. Deployments are what callers address, so they are listed when the resource exposes them;
otherwise the resource's models are."""

from __future__ import annotations

from app.providers.adapters.shapes import field_list, models_from
from app.providers.catalog import AuthMethod
from app.providers.http import HttpStatusError, Outbound
from app.providers.target import DiscoveredModel, ProviderTarget

DEPLOYMENTS_API_VERSION = "2022-12-01"


class AzureAdapter:
    async def list_models(self, target: ProviderTarget, out: Outbound) -> list[DiscoveredModel]:
        headers = target.base_headers()
        if target.auth_method is AuthMethod.AZURE_AD_TOKEN:
            headers["Authorization"] = f"Bearer {target.api_key}"
        else:
            headers["api-key"] = target.api_key or ""
        version = target.config.get("apiVersion", "2024-10-21")
        body = await out.get_json(
            f"{target.base_url}/openai/models", headers, {"api-version": version}
        )
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
