"""A connection as a file states it: what the API's create input holds, secrets in the clear
(resolved from the environment) and nothing the service computes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.connections.inputs import ConnectionInput, HeaderInput
from app.connections.plain_fields import PLAIN_FIELDS
from app.providers.catalog import Provider


@dataclass
class ConnectionSpec:
    name: str
    provider: Provider
    base_url: str | None = None
    api_key: str | None = None
    service_account_json: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    plain: dict[str, Any] = field(default_factory=dict)  # description, tags, prefix_id, model_ids
    enabled: bool = True
    is_default: bool = False

    def create_input(self) -> ConnectionInput:
        return ConnectionInput(
            provider=self.provider,
            name=self.name,
            base_url=self.base_url,
            api_key=self.api_key,
            service_account_json=self.service_account_json,
            config=dict(self.config),
            custom_headers=[HeaderInput(n, v) for n, v in self.headers.items()] or None,
            enabled=self.enabled,
            is_default=self.is_default,
            plain=dict(self.plain),
        )

    def update_input(self, changed: list[str]) -> ConnectionInput:
        """Only the fields that differ (`changed`, as differences() names them)."""
        full = self.create_input()
        data = ConnectionInput()
        for name in changed:
            if name in PLAIN_NAMES:
                data.plain[name] = full.plain.get(name)
            else:
                setattr(data, name, getattr(full, name))
        return data


PLAIN_NAMES = tuple(f.name for f in PLAIN_FIELDS)
