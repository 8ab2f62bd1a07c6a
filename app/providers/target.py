"""What a provider family needs to call a provider: the connection with its secrets opened."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.providers.catalog import AuthMethod, Provider, ProviderSpec, spec_for


@dataclass(frozen=True)
class ProviderTarget:
    provider: Provider
    auth_method: AuthMethod
    base_url: str
    config: Mapping[str, str] = field(default_factory=dict)
    api_key: str | None = None
    service_account_json: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    # Identifies these credentials for token caches (connection id + when they last changed).
    credentials_key: str = ""
    # Personal connections may not reach loopback or private addresses.
    restrict_private: bool = False

    @property
    def spec(self) -> ProviderSpec:
        return spec_for(self.provider)

    @property
    def secrets(self) -> list[str]:
        """Every secret value, so error text from the provider can be scrubbed of them."""
        values = [self.api_key, self.service_account_json, *(value for _, value in self.headers)]
        return [v for v in values if v]

    def base_headers(self) -> dict[str, str]:
        """Custom headers go on every request (validation keeps them off the auth header)."""
        return {"Accept": "application/json", **dict(self.headers)}


@dataclass(frozen=True)
class DiscoveredModel:
    id: str
    display_name: str | None = None
