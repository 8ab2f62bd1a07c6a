"""Validate a connection write once (plan_connection: every problem at once), and what a provider
probe means for it (which models it affects, a policy refusal, a failed verification)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.connections import checks as check
from app.connections.checks import default_refusal, normalize_base_url
from app.connections.inputs import ConnectionInput, ConnectionPlan, Problems
from app.connections.plain_fields import PLAIN_FIELDS
from app.connections.records import ConnectionRecord
from app.connections.sealing import guard_origin_change, plan_secrets
from app.errors import ErrorCode, Problem, ProblemsFound
from app.providers.catalog import (
    AuthMethod,
    Provider,
    ProviderSpec,
    derived_base_url,
    spec_for,
)
from app.providers.verification import VerificationResult, VerificationStatus
from app.validation import UNSET, Unset, check_name


def _required(p: Problems, path: str, value: Any, current: Any) -> Any:
    """A non-nullable field: absent keeps `current`, explicit null is refused."""
    if isinstance(value, Unset):
        return current
    if value is None:
        p.add((path,), f"{path} cannot be null")
        return current
    return value


def _optional(value: Any, current: Any) -> Any:
    return current if isinstance(value, Unset) else value


def plan_connection(
    data: ConnectionInput, current: ConnectionRecord | None, owner_id: uuid.UUID | None = None
) -> tuple[ConnectionPlan | None, list[Problem]]:
    """Validate once. `owner_id` is the new connection's owner (an update has its own)."""
    p = Problems()
    provider = current.provider if current else data.provider
    assert isinstance(provider, Provider)
    spec = spec_for(provider)
    name = p.take(
        ("name",),
        check_name(_required(p, "name", data.name, current.name if current else "")),
    )
    config, config_problems = check.check_config(
        _optional(data.config, current.config if current else None), spec
    )
    for key, message in config_problems:
        p.add(("config", key) if key else ("config",), message)
    plan = ConnectionPlan(
        provider=provider,
        name=name,
        auth_method=_auth_method(p, spec, data, current),
        base_url=_base_url(p, spec, data, current, config),
        config=config,
        plain=_plain_fields(p, data, current),
        enabled=_required(p, "enabled", data.enabled, current.enabled if current else True),
        is_default=_default_flag(p, data, current),
    )
    plan_secrets(p, spec, plan, data, current)
    refused = default_refusal(current.owner_id if current else owner_id, plan.enabled)
    if plan.is_default and refused:
        p.add(("isDefault",), refused, ErrorCode.NOT_ALLOWED)
    if current is not None:
        guard_origin_change(p, spec, plan, current)
    return (None, p.items) if p.items else (plan, [])


def _plain_fields(
    p: Problems, data: ConnectionInput, current: ConnectionRecord | None
) -> dict[str, Any]:
    """Each declared plain field: absent keeps the stored value, null clears, then its check."""
    values = {}
    for field in PLAIN_FIELDS:
        stored = current.plain[field.name] if current else None
        if field.json and stored is not None:
            stored = list(stored)
        raw = data.plain.get(field.name, UNSET)
        values[field.name] = p.take((field.api_name,), field.check(_optional(raw, stored)))
    return values


def _default_flag(
    p: Problems, data: ConnectionInput, current: ConnectionRecord | None
) -> bool | None:
    if current is None:
        return bool(_required(p, "isDefault", data.is_default, False))
    if isinstance(data.is_default, Unset):
        return None
    return bool(_required(p, "isDefault", data.is_default, current.is_default))


def _auth_method(
    p: Problems, spec: ProviderSpec, data: ConnectionInput, current: ConnectionRecord | None
) -> AuthMethod:
    wanted = data.auth_method
    if isinstance(wanted, AuthMethod):
        if wanted not in spec.auth_methods:
            allowed = ", ".join(m.value for m in spec.auth_methods)
            p.add(("authMethod",), f"{spec.display_name} supports authMethod {allowed}")
        return wanted
    key_given = isinstance(data.api_key, str)
    if current is not None and isinstance(wanted, Unset):
        if (
            current.auth_method is AuthMethod.NONE
            and key_given
            and AuthMethod.API_KEY in spec.auth_methods
        ):
            return AuthMethod.API_KEY
        return current.auth_method
    # Not given: a provider that works without a key defaults to NONE unless a key was sent.
    if AuthMethod.NONE in spec.auth_methods:
        return (
            AuthMethod.API_KEY
            if key_given and AuthMethod.API_KEY in spec.auth_methods
            else AuthMethod.NONE
        )
    return spec.default_auth_method


def _base_url(
    p: Problems,
    spec: ProviderSpec,
    data: ConnectionInput,
    current: ConnectionRecord | None,
    config: dict[str, str],
) -> str:
    raw = data.base_url
    if isinstance(raw, Unset) and current is not None:
        # Follow the provider's derived URL (Vertex: from the region) unless one was typed in.
        if current.base_url != derived_base_url(spec, current.config):
            return current.base_url
        raw = None
    if raw is None or isinstance(raw, Unset):
        default = derived_base_url(spec, config)
        if default is None:
            p.add(("baseUrl",), _missing_base_url_message(spec))
            return ""
        return default
    url, message = normalize_base_url(raw)
    if message:
        p.add(("baseUrl",), message)
    return url or ""


def _missing_base_url_message(spec: ProviderSpec) -> str:
    if spec.provider is Provider.AZURE_OPENAI:
        return "Azure OpenAI needs baseUrl: the resource endpoint, e.g. https://my-resource.openai.azure.com"
    if spec.provider is Provider.VERTEX_AI:
        return "Vertex AI needs config.region (or an explicit baseUrl)"
    return f"{spec.display_name} needs baseUrl, e.g. http://my-server:8000/v1"


def models_affected(plan: ConnectionPlan, current: ConnectionRecord) -> bool:
    """Whether an edit can change which models the connection serves (then they are fetched
    again before the write)."""
    return (
        (plan.enabled and not current.enabled)
        or plan.credentials_changed
        or plan.base_url != current.base_url
        or plan.auth_method is not current.auth_method
        or plan.config != dict(current.config)
        or plan.prefix_id != current.prefix_id
        or tuple(plan.model_ids) != tuple(current.model_ids)
    )


def verification_failed(result: VerificationResult, outcome: str) -> ProblemsFound:
    message = (
        f"Verification failed ({result.status.value}): {result.message or 'no details'}. {outcome}"
    )
    problem = Problem(("input",), ErrorCode.VERIFICATION_FAILED, message)
    return ProblemsFound([problem], verification=result)


def refused_by_policy(problems: list[Problem]) -> VerificationResult | None:
    """A test that would send stored secrets to a new origin answers BLOCKED_BY_POLICY rather
    than a validation error: the configuration is fine, the test is what is refused."""
    moved = [p for p in problems if p.code is ErrorCode.NOT_ALLOWED and "origin" in p.message]
    if not moved:
        return None
    status = VerificationStatus.BLOCKED_BY_POLICY
    return VerificationResult(status, moved[0].message, None, None, datetime.now(UTC))
