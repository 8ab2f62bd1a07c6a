"""What the audit trail compares for each kind of object, in the API's field names."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.connections.records import ConnectionRecord
from app.dependents.records import EndpointRecord, WorkspaceRecord

CONNECTION_SECRETS = ("apiKey", "serviceAccountJson", "customHeaderValues")


def connection_snapshot(r: ConnectionRecord | None) -> dict[str, Any] | None:
    """Secrets are represented by their sealed form, which only ever shows *that* they changed."""
    if r is None:
        return None
    return {
        "name": r.name,
        "description": r.description,
        "provider": r.provider.value,
        "authMethod": r.auth_method.value,
        "baseUrl": r.base_url,
        "config": r.config,
        "prefixId": r.prefix_id,
        "modelIds": list(r.model_ids),
        "tags": list(r.tags),
        "enabled": r.enabled,
        "isDefault": r.is_default,
        "customHeaderNames": [h.name for h in r.custom_headers] or None,
        "apiKey": r.api_key_sealed,
        "serviceAccountJson": r.service_account_sealed,
        "customHeaderValues": [h.sealed for h in r.custom_headers] or None,
    }


def endpoint_snapshot(r: EndpointRecord | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "name": r.name,
        "description": r.description,
        "model": r.model,
        "config": r.config,
        "connectionId": str(r.connection_id) if r.connection_id else None,
    }


def workspace_snapshot(r: WorkspaceRecord | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "name": r.name,
        "defaultConnectionId": str(r.default_connection_id) if r.default_connection_id else None,
    }


def camel_snapshot(settings: Any) -> dict[str, Any]:
    """A plain dataclass in the API's field names (allow_secret_reveal -> allowSecretReveal)."""
    return {_camel(name): value for name, value in asdict(settings).items()}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)
