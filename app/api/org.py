"""Organisation settings: read by everyone, changed by admins, audited."""

from __future__ import annotations

from typing import Any

import strawberry

from app.api.context import Info
from app.graphql.errors import UserError, maps_problems
from app.graphql.permissions import ADMIN_ONLY
from app.org.settings import (
    NewSecret,
    OrgSettings,
    checked_secret,
    save_org_settings,
    webhook_url,
)
from app.security.key_registry import key_statuses


@strawberry.type(name="Settings")
class SettingsType:
    allow_direct_connections: bool = strawberry.field(
        description="Members may keep personal (OpenAI-compatible) connections. Off hides and "
        "stops using them without deleting them."
    )
    allow_secret_reveal: bool = strawberry.field(
        description="Admins may read a stored secret back with revealConnectionSecret (audited)."
    )
    alert_webhook_url: str | None = strawberry.field(
        description="Where budget alerts are POSTed (JSON, signed in X-Switchboard-Signature)."
    )
    alert_webhook_secret_hint: str | None = strawberry.field(
        description="The last 4 characters of the secret that signs alerts; null: none is set."
    )

    @classmethod
    def of(cls, s: OrgSettings) -> SettingsType:
        secret = s.alert_webhook_secret
        return cls(
            allow_direct_connections=s.allow_direct_connections,
            allow_secret_reveal=s.allow_secret_reveal,
            alert_webhook_url=s.alert_webhook_url,
            alert_webhook_secret_hint=secret["hint"] if secret else None,
        )


@strawberry.type(name="EncryptionKey", description="A key of the keyring: never its material.")
class EncryptionKeyType:
    key_id: str
    primary: bool = strawberry.field(description="New secrets are sealed with it.")
    retired: bool
    in_keyring: bool = strawberry.field(
        description="False: the secrets it sealed cannot be opened until it is added back."
    )
    secrets: int = strawberry.field(description="Stored secrets sealed under it now.")


@strawberry.input(description="Partial: an absent field is unchanged.")
class UpdateSettingsInput:
    allow_direct_connections: bool | None = None
    allow_secret_reveal: bool | None = None
    alert_webhook_url: strawberry.Maybe[str | None] = strawberry.field(
        description="http(s) URL budget alerts are POSTed to; null or empty: none."
    )
    alert_webhook_secret: strawberry.Maybe[str | None] = strawberry.field(
        description="Signs each alert (HMAC-SHA256); stored sealed, never shown again but for "
        "its hint. Null or empty: alerts go unsigned."
    )


WEBHOOK = ("alert_webhook_url", "alert_webhook_secret")


@strawberry.type
class SettingsPayload:
    settings: SettingsType | None = None  # null when userErrors say why nothing changed
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SettingsQueries:
    @strawberry.field
    async def settings(self, info: Info) -> SettingsType:
        return SettingsType.of(await info.context.org_settings())

    @strawberry.field(
        permission_classes=ADMIN_ONLY,
        description="Admins only: which keys protect how many stored secrets (as `keys status`).",
    )
    async def encryption_keys(self, info: Info) -> list[EncryptionKeyType]:
        statuses = await key_statuses(info.context.services.keyring)
        return [EncryptionKeyType(**vars(key)) for key in statuses]


@strawberry.type
class SettingsMutations:
    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def update_settings(self, info: Info, input: UpdateSettingsInput) -> SettingsPayload:
        changes: dict[str, Any] = {
            k: v for k, v in vars(input).items() if v is not None and k not in WEBHOOK
        }
        if input.alert_webhook_url is not None:
            changes["alert_webhook_url"] = webhook_url(input.alert_webhook_url.value)
        secret = None
        if input.alert_webhook_secret is not None:
            plaintext = input.alert_webhook_secret.value
            keyring = info.context.services.keyring
            secret = NewSecret(keyring, checked_secret(plaintext) if plaintext else None)
        after = await save_org_settings(info.context.actor, changes, secret)
        return SettingsPayload(settings=SettingsType.of(after), user_errors=[])
