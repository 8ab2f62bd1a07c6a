"""Organisation settings: read by everyone, changed by admins, audited."""

from __future__ import annotations

import strawberry

from app.api.context import Info
from app.graphql.errors import UserError
from app.graphql.permissions import ADMIN_ONLY
from app.org.settings import OrgSettings, save_org_settings
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

    @classmethod
    def of(cls, s: OrgSettings) -> SettingsType:
        return cls(
            allow_direct_connections=s.allow_direct_connections,
            allow_secret_reveal=s.allow_secret_reveal,
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


@strawberry.input
class UpdateSettingsInput:
    allow_direct_connections: bool | None = None
    allow_secret_reveal: bool | None = None


@strawberry.type
class SettingsPayload:
    settings: SettingsType
    user_errors: list[UserError]


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
    async def update_settings(self, info: Info, input: UpdateSettingsInput) -> SettingsPayload:
        changes = {k: v for k, v in vars(input).items() if v is not None}
        after = await save_org_settings(info.context.actor, changes)
        return SettingsPayload(settings=SettingsType.of(after), user_errors=[])
