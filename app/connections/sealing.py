"""Everything about a connection's secrets: planning them (kept, replaced, cleared; never sent to a
new origin), sealing them into columns, opening them into a target for a provider call, and
revealing them (audited)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from app.audit.service import Done, audited_write
from app.connections import checks as check
from app.connections.access import Caller, Operation, reach
from app.connections.checks import origin
from app.connections.inputs import (
    CLEAR,
    KEEP,
    ConnectionInput,
    ConnectionPlan,
    HeaderInput,
    HeaderPlan,
    Problems,
    SecretChange,
    Unset,
)
from app.connections.plain_fields import plain_columns
from app.connections.records import (
    ConnectionRecord,
    StoredHeader,
    connection_target,
    fetch_connection,
)
from app.db.tables import AuditEvent
from app.errors import ErrorCode, Problem, ProblemsFound
from app.providers.catalog import (
    AuthMethod,
    ProviderSpec,
    derived_base_url,
    secret_kind,
)
from app.providers.families import family_of
from app.providers.target import ProviderTarget
from app.security.envelope import open_sealed, seal
from app.security.hints import hint
from app.security.key_registry import active_sealing_key
from app.security.keyring import Keyring
from app.security.sealed_fields import (
    API_KEY_FIELD,
    SERVICE_ACCOUNT_FIELD,
    header_field,
    secret_context,
)


def seal_for(
    keyring: Keyring, key_id: str, connection_id: uuid.UUID, field: str, plaintext: str
) -> str:
    return seal(keyring, plaintext, secret_context(connection_id, field), key_id=key_id)


def open_for(keyring: Keyring, connection_id: uuid.UUID, field: str, sealed: str) -> str:
    return open_sealed(keyring, sealed, secret_context(connection_id, field))


def plan_secrets(
    p: Problems,
    spec: ProviderSpec,
    plan: ConnectionPlan,
    data: ConnectionInput,
    current: ConnectionRecord | None,
) -> None:
    kind = secret_kind(plan.auth_method)
    plan.api_key = _secret_change(
        p,
        "apiKey",
        data.api_key,
        current.api_key_sealed if current else None,
        needed=kind == "apiKey",
        spec=spec,
        checker=check.check_secret,
    )
    plan.service_account = _secret_change(
        p,
        "serviceAccountJson",
        data.service_account_json,
        current.service_account_sealed if current else None,
        needed=kind == "serviceAccountJson",
        spec=spec,
        checker=lambda raw, _label: check.check_service_account(raw),
    )
    plan.headers = _plan_headers(p, spec, plan.auth_method, data.custom_headers, current)


def _secret_change(
    p: Problems,
    label: str,
    raw: str | Unset | None,
    stored: str | None,
    *,
    needed: bool,
    spec: ProviderSpec,
    checker: Any,
) -> SecretChange:
    if isinstance(raw, str):
        if not needed:
            p.add((label,), f"{label} is not used with this authMethod; leave it out")
            return KEEP
        value = p.take((label,), checker(raw, label))
        return SecretChange("set", value) if value else KEEP
    if needed and (raw is None or stored is None):
        p.add((label,), f"{spec.display_name} needs {label} with this authMethod")
        return KEEP
    if stored is not None and (raw is None or not needed):
        return CLEAR  # removed, or no longer used by the chosen authMethod
    return KEEP


def _plan_headers(
    p: Problems,
    spec: ProviderSpec,
    method: AuthMethod,
    raw: list[HeaderInput] | Unset | None,
    current: ConnectionRecord | None,
) -> list[HeaderPlan] | None:
    if isinstance(raw, Unset):
        return None
    items = raw or []
    stored = {h.name.lower() for h in current.custom_headers} if current else set()
    if len(items) > check.HEADERS_MAX:
        p.add(("customHeaders",), f"at most {check.HEADERS_MAX} custom headers")
    seen: set[str] = set()
    plans = []
    for index, header in enumerate(items):
        path = ("customHeaders", str(index))
        name = header.name.strip()
        name_problem = check.check_header_name(
            name, family_of(spec.family).credential_headers(method)
        )
        if name_problem is None and name.lower() in seen:
            name_problem = f"header {name!r} is listed twice"
        if name_problem:
            p.add((*path, "name"), name_problem)
        if header.value is not None:
            value_problem = check.check_header_value(header.value)
        elif name.lower() not in stored:
            value_problem = f"header {name!r} is new and needs a value"
        else:
            value_problem = None
        if value_problem:
            p.add((*path, "value"), value_problem)
        seen.add(name.lower())
        plans.append(HeaderPlan(name, header.value))
    return plans


def guard_origin_change(
    p: Problems, spec: ProviderSpec, plan: ConnectionPlan, current: ConnectionRecord
) -> None:
    """A stored secret never travels to an origin it was not entered for."""
    if not plan.base_url or origin(plan.base_url) == origin(current.base_url):
        return
    official = {derived_base_url(spec, current.config), derived_base_url(spec, plan.config)}
    if current.base_url in official and plan.base_url in official:
        return  # moving between the provider's own endpoints (e.g. Vertex regions)
    why = (
        "baseUrl moves to another origin; re-enter {} so a stored secret is never sent to a "
        "host it was not entered for"
    )
    refused = ErrorCode.NOT_ALLOWED
    if plan.api_key.action == "keep" and current.api_key_sealed:
        p.add(("apiKey",), why.format("apiKey"), refused)
    if plan.service_account.action == "keep" and current.service_account_sealed:
        p.add(("serviceAccountJson",), why.format("serviceAccountJson"), refused)
    kept_headers = plan.headers is None or any(h.value is None for h in plan.headers)
    if current.custom_headers and kept_headers:
        p.add(("customHeaders",), why.format("every custom header value"), refused)


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


def _refused(message: str) -> ProblemsFound:
    return ProblemsFound([Problem(("id",), ErrorCode.NOT_ALLOWED, message)])


async def reveal_secrets(
    keyring: Keyring, caller: Caller, connection_id: uuid.UUID
) -> ProviderTarget:
    if not caller.org.allow_secret_reveal:
        raise _refused("revealing secrets is turned off (settings.allowSecretReveal)")
    current = reach(caller, await fetch_connection(connection_id), Operation.DELETE)
    if current.owner_id is not None:
        raise _refused("a personal connection's secrets are never revealed")
    opened = target_from_record(keyring, current)
    fields = [
        name
        for name, value in (
            ("apiKey", opened.api_key),
            ("serviceAccountJson", opened.service_account_json),
        )
        if value
    ] + ["customHeaderValues"] * bool(opened.headers)
    changes = [{"field": f, "secret": True} for f in fields]

    async def write() -> Done[ProviderTarget]:  # nothing to write but the event itself
        return Done(opened, connection_target(current), changes)

    return await audited_write(AuditEvent, caller.actor, "connection.reveal_secret", write)
