"""Turn a create or update input into a complete, validated plan for one connection row.

Create and update share this path: an update is the stored row with the input laid over it,
checked exactly as a new connection would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from app.connections import fields as check
from app.connections.inputs import ConnectionInput, HeaderInput, Unset
from app.connections.records import ConnectionRecord
from app.connections.urls import normalize_base_url, origin
from app.errors import ErrorCode, Problem
from app.providers.catalog import (
    AuthMethod,
    Provider,
    ProviderSpec,
    auth_header,
    derived_base_url,
    secret_kind,
    spec_for,
)


@dataclass(frozen=True)
class SecretChange:
    action: Literal["keep", "set", "clear"]
    value: str | None = None


KEEP = SecretChange("keep")
CLEAR = SecretChange("clear")


@dataclass(frozen=True)
class HeaderPlan:
    name: str
    value: str | None  # None: keep the stored value of this header


@dataclass
class ConnectionPlan:
    provider: Provider
    name: str
    description: str | None
    auth_method: AuthMethod
    base_url: str
    config: dict[str, str]
    prefix_id: str | None
    model_ids: list[str]
    tags: list[str]
    enabled: bool
    is_default: bool | None  # None: unchanged
    api_key: SecretChange = KEEP
    service_account: SecretChange = KEEP
    headers: list[HeaderPlan] | None = None  # None: keep the stored headers

    @property
    def credentials_changed(self) -> bool:
        return (
            self.api_key.action != "keep"
            or self.service_account.action != "keep"
            or self.headers is not None
        )


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(
        self, path: tuple[str, ...], message: str, code: ErrorCode = ErrorCode.VALIDATION
    ) -> None:
        self.items.append(Problem(("input", *path), code, message))

    def take(self, path: tuple[str, ...], checked: check.Checked) -> Any:
        value, message = checked
        if message:
            self.add(path, message)
        return value


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
    data: ConnectionInput, current: ConnectionRecord | None
) -> tuple[ConnectionPlan | None, list[Problem]]:
    p = Problems()
    provider = current.provider if current else data.provider
    assert isinstance(provider, Provider)
    spec = spec_for(provider)
    name = p.take(
        ("name",),
        check.check_name(_required(p, "name", data.name, current.name if current else "")),
    )
    config, config_problems = check.check_config(
        _optional(data.config, current.config if current else None), spec
    )
    for key, message in config_problems:
        p.add(("config", key) if key else ("config",), message)
    plan = ConnectionPlan(
        provider=provider,
        name=name,
        description=p.take(
            ("description",),
            check.check_description(
                _optional(data.description, current.description if current else None)
            ),
        ),
        auth_method=_auth_method(p, spec, data, current),
        base_url=_base_url(p, spec, data, current, config),
        config=config,
        prefix_id=p.take(
            ("prefixId",),
            check.check_prefix_id(
                _optional(data.prefix_id, current.prefix_id if current else None)
            ),
        ),
        model_ids=p.take(
            ("modelIds",),
            check.check_model_ids(
                _optional(data.model_ids, list(current.model_ids) if current else None)
            ),
        ),
        tags=p.take(
            ("tags",),
            check.check_tags(_optional(data.tags, list(current.tags) if current else None)),
        ),
        enabled=_required(p, "enabled", data.enabled, current.enabled if current else True),
        is_default=_default_flag(p, data, current),
    )
    _plan_secrets(p, spec, plan, data, current)
    if plan.is_default and not plan.enabled:
        p.add(
            ("isDefault",),
            "a disabled connection cannot be the default; enable it first",
            ErrorCode.NOT_ALLOWED,
        )
    if current is not None:
        _guard_origin_change(p, spec, plan, current)
    return (None, p.items) if p.items else (plan, [])


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


def _plan_secrets(
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
        name_problem = check.check_header_name(name, auth_header(spec, method))
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


def _guard_origin_change(
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
