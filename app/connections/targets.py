"""Provider targets from stored connections or from plans, with their secrets opened."""

from __future__ import annotations

from app.connections.plan_types import ConnectionPlan
from app.connections.records import ConnectionRecord
from app.connections.secrets import open_for
from app.providers.target import ProviderTarget
from app.security.keyring import Keyring
from app.security.sealed_fields import API_KEY_FIELD, SERVICE_ACCOUNT_FIELD, header_field


def _credentials_key(record: ConnectionRecord) -> str:
    return f"{record.id}/{record.credentials_updated_at.isoformat()}"


def stored_headers(keyring: Keyring, record: ConnectionRecord) -> dict[str, str]:
    return {
        h.name: open_for(keyring, record.id, header_field(h.name), h.sealed)
        for h in record.custom_headers
    }


def target_from_record(keyring: Keyring, record: ConnectionRecord) -> ProviderTarget:
    api_key = (
        open_for(keyring, record.id, API_KEY_FIELD, record.api_key_sealed)
        if record.api_key_sealed
        else None
    )
    service_account = (
        open_for(keyring, record.id, SERVICE_ACCOUNT_FIELD, record.service_account_sealed)
        if record.service_account_sealed
        else None
    )
    return ProviderTarget(
        provider=record.provider,
        auth_method=record.auth_method,
        base_url=record.base_url,
        config=dict(record.config),
        api_key=api_key,
        service_account_json=service_account,
        headers=tuple(stored_headers(keyring, record).items()),
        credentials_key=_credentials_key(record),
        restrict_private=record.owner_id is not None,
    )


def target_from_plan(
    keyring: Keyring, plan: ConnectionPlan, current: ConnectionRecord | None, personal: bool = False
) -> ProviderTarget:
    """The target a create or an edit would produce, using stored secrets the plan keeps."""
    stored = target_from_record(keyring, current) if current else None
    api_key = {"set": plan.api_key.value, "clear": None}.get(
        plan.api_key.action, stored.api_key if stored else None
    )
    service_account = {"set": plan.service_account.value, "clear": None}.get(
        plan.service_account.action, stored.service_account_json if stored else None
    )
    if plan.headers is None:
        headers = stored.headers if stored else ()
    else:
        kept = {name.lower(): value for name, value in (stored.headers if stored else ())}
        headers = tuple((h.name, h.value or kept.get(h.name.lower(), "")) for h in plan.headers)
    return ProviderTarget(
        provider=plan.provider,
        auth_method=plan.auth_method,
        base_url=plan.base_url,
        config=dict(plan.config),
        api_key=api_key,
        service_account_json=service_account,
        headers=headers,
        # A member's configuration may not probe the internal network.
        restrict_private=personal or (current is not None and current.owner_id is not None),
    )
