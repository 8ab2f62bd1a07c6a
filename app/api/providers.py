"""The provider catalog a UI builds its connection form from, and the provider enums every
connection type uses."""

from __future__ import annotations

import strawberry

from app.providers.catalog import (
    AUTH_METHOD_LABELS,
    CATALOG,
    ConfigFieldSpec,
    ProviderSpec,
    secret_kind,
)
from app.providers.catalog import AuthMethod as DomainAuthMethod
from app.providers.catalog import Provider as DomainProvider
from app.providers.verification import VerificationStatus as DomainVerificationStatus

Provider = strawberry.enum(DomainProvider, name="Provider")
AuthMethod = strawberry.enum(DomainAuthMethod, name="AuthMethod")
VerificationStatus = strawberry.enum(DomainVerificationStatus, name="VerificationStatus")


@strawberry.type
class ConfigField:
    name: str
    label: str
    required: bool
    description: str
    pattern: str = strawberry.field(description="A regular expression valid values match.")
    example: str | None
    default_value: str | None

    @classmethod
    def of(cls, spec: ConfigFieldSpec) -> ConfigField:
        return cls(
            name=spec.name,
            label=spec.label,
            required=spec.required,
            description=spec.description,
            pattern=spec.pattern.pattern,
            example=spec.example,
            default_value=spec.default,
        )


@strawberry.type(description="One way to authenticate to a provider, and the secret it needs.")
class AuthOption:
    method: AuthMethod  # type: ignore[valid-type]
    label: str
    secret_input: str | None = strawberry.field(
        description='The input field that carries its secret ("apiKey" or "serviceAccountJson");'
        " null when it needs none."
    )

    @classmethod
    def of(cls, method: DomainAuthMethod) -> AuthOption:
        return cls(
            method=method, label=AUTH_METHOD_LABELS[method], secret_input=secret_kind(method)
        )


@strawberry.type
class ProviderInfo:
    provider: Provider  # type: ignore[valid-type]
    display_name: str
    default_base_url: str | None
    auth_methods: list[AuthMethod]  # type: ignore[valid-type]
    auth_options: list[AuthOption] = strawberry.field(
        description="authMethods, each with a label and the secret input it needs; default first."
    )
    config_fields: list[ConfigField]
    supports_model_listing: bool
    requires_base_url: bool = strawberry.field(
        description="True when there is no default base URL to fall back on."
    )

    @classmethod
    def of(cls, spec: ProviderSpec) -> ProviderInfo:
        return cls(
            provider=spec.provider,
            display_name=spec.display_name,
            default_base_url=spec.default_base_url,
            auth_methods=list(spec.auth_methods),
            auth_options=[AuthOption.of(method) for method in spec.auth_methods],
            config_fields=[ConfigField.of(f) for f in spec.config_fields],
            supports_model_listing=spec.supports_model_listing,
            requires_base_url=spec.default_base_url is None
            and not any(f.name == "region" for f in spec.config_fields),
        )


@strawberry.type
class ProviderQueries:
    @strawberry.field(
        description="Every provider Switchboard can connect to, with what each needs."
    )
    def providers(self) -> list[ProviderInfo]:
        return [ProviderInfo.of(spec) for spec in CATALOG.values()]
