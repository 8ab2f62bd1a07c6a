"""A plan as the column values it writes: plain fields from their declaration, secrets sealed
under the key the registry allows now (inside the write's transaction)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from app.connections.plain_fields import plain_columns
from app.connections.plan_types import ConnectionPlan, SecretChange
from app.connections.records import ConnectionRecord, StoredHeader
from app.connections.secrets import hint, seal_for
from app.security.key_registry import active_sealing_key
from app.security.keyring import Keyring
from app.security.sealed_fields import API_KEY_FIELD, SERVICE_ACCOUNT_FIELD, header_field


async def plan_columns(
    keyring: Keyring,
    plan: ConnectionPlan,
    connection_id: uuid.UUID,
    current: ConnectionRecord | None,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": plan.name,
        "name_key": plan.name.casefold(),
        "provider": plan.provider.value,
        "auth_method": plan.auth_method.value,
        "base_url": plan.base_url,
        "config": json.dumps(plan.config),
        "enabled": plan.enabled,
        **plain_columns(plan.plain),
    }
    if plan.is_default is not None:
        values["is_default"] = plan.is_default
    if plan.credentials_changed:
        # In this transaction: the key is checked against the registry, never retired.
        key_id = await active_sealing_key(keyring)
        sealer = _Sealer(keyring, key_id, connection_id)
        values.update(sealer.secret_columns(plan, current))
        values["credentials_updated_at"] = datetime.now(UTC)
    return values


class _Sealer:
    def __init__(self, keyring: Keyring, key_id: str, connection_id: uuid.UUID) -> None:
        self.keyring, self.key_id, self.connection_id = keyring, key_id, connection_id

    def seal(self, field: str, value: str) -> str:
        return seal_for(self.keyring, self.key_id, self.connection_id, field, value)

    def secret_columns(
        self, plan: ConnectionPlan, current: ConnectionRecord | None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        api_key = self._sealed(plan.api_key, API_KEY_FIELD)
        if api_key is not None:
            values["api_key_sealed"] = api_key[0]
            values["api_key_hint"] = hint(api_key[1]) if api_key[1] else None
        service_account = self._sealed(plan.service_account, SERVICE_ACCOUNT_FIELD)
        if service_account is not None:
            values["service_account_sealed"] = service_account[0]
        if plan.headers is not None:
            stored = {h.name.lower(): h for h in current.custom_headers} if current else {}
            headers = [self._header(h.name, h.value, stored) for h in plan.headers]
            values["custom_headers"] = json.dumps([vars(h) for h in headers])
        return values

    def _sealed(self, change: SecretChange, field: str) -> tuple[str | None, str | None] | None:
        """(sealed, plaintext) to store, (None, None) to clear, None to keep."""
        if change.action == "set" and change.value:
            return self.seal(field, change.value), change.value
        if change.action == "clear":
            return None, None
        return None

    def _header(
        self, name: str, value: str | None, stored: dict[str, StoredHeader]
    ) -> StoredHeader:
        if value is None:
            kept = stored[name.lower()]
            return StoredHeader(name=name, sealed=kept.sealed, hint=kept.hint)
        return StoredHeader(
            name=name, sealed=self.seal(header_field(name), value), hint=hint(value)
        )
