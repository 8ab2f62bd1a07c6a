"""Organisation settings: read by everyone, changed by admins, audited."""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from app.graphql.context import Info
from app.graphql.errors import UserError
from app.graphql.permissions import IsAdmin
from app.org.settings import OrgSettings, save_org_settings

ADMIN: list[type[BasePermission]] = [IsAdmin]


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


@strawberry.type
class SettingsMutations:
    @strawberry.mutation(permission_classes=ADMIN)
    async def update_settings(self, info: Info, input: UpdateSettingsInput) -> SettingsPayload:
        changes = {k: v for k, v in vars(input).items() if v is not None}
        after = await save_org_settings(info.context.actor, changes)
        return SettingsPayload(settings=SettingsType.of(after), user_errors=[])
