"""What the audit trail records of a connection, in the API's field names."""

from __future__ import annotations

from typing import Any

from app.audit.service import Target
from app.connections.plain_fields import plain_snapshot
from app.connections.records import ConnectionRecord

CONNECTION_SECRETS = ("apiKey", "serviceAccountJson", "customHeaderValues")


def connection_target(record: ConnectionRecord) -> Target:
    return Target("LLMConnection", record.id, record.name)


def connection_snapshot(r: ConnectionRecord | None) -> dict[str, Any] | None:
    """Secrets are represented by their sealed form, which only ever shows *that* they changed."""
    if r is None:
        return None
    return {
        "name": r.name,
        "provider": r.provider.value,
        "authMethod": r.auth_method.value,
        "baseUrl": r.base_url,
        "config": r.config,
        **plain_snapshot(r.plain),
        "enabled": r.enabled,
        "isDefault": r.is_default,
        "customHeaderNames": [h.name for h in r.custom_headers] or None,
        "apiKey": r.api_key_sealed,
        "serviceAccountJson": r.service_account_sealed,
        "customHeaderValues": [h.sealed for h in r.custom_headers] or None,
    }
