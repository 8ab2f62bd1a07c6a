"""Planning a connection's secrets: the API key, the service account and custom headers, and
the rule that a stored secret never travels to an origin it was not entered for."""

from __future__ import annotations

from typing import Any

from app.connections import validators as check
from app.connections.inputs import ConnectionInput, HeaderInput, Unset
from app.connections.plan_types import (
    CLEAR,
    KEEP,
    ConnectionPlan,
    HeaderPlan,
    Problems,
    SecretChange,
)
from app.connections.records import ConnectionRecord
from app.connections.urls import origin
from app.errors import ErrorCode
from app.providers.catalog import (
    AuthMethod,
    ProviderSpec,
    derived_base_url,
    secret_kind,
)
from app.providers.families import family_of


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
