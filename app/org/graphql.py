"""Organisation settings: read by everyone, changed by admins, audited."""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from app.audit.graphql import audit
from app.audit.service import Target
from app.audit.snapshots import camel_snapshot
from app.graphql.context import Info
from app.graphql.errors import UserError
from app.graphql.permissions import IsAdmin
from app.org.settings import OrgSettings, save_org_settings

ADMIN: list[type[BasePermission]] = [IsAdmin]


@strawberry.type
class Settings:
    allow_direct_connections: bool = strawberry.field(
        description="Members may keep personal (OpenAI-compatible) connections. Off hides and "
        "stops using them without deleting them."
    )
    allow_secret_reveal: bool = strawberry.field(
        description="Admins may read a stored secret back with revealConnectionSecret (audited)."
    )

    @classmethod
    def of(cls, s: OrgSettings) -> Settings:
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
    settings: Settings
    user_errors: list[UserError]


@strawberry.type
class SettingsQueries:
    @strawberry.field
    async def settings(self, info: Info) -> Settings:
        return Settings.of(await info.context.org_settings())


@strawberry.type
class SettingsMutations:
    @strawberry.mutation(permission_classes=ADMIN)
    async def update_settings(self, info: Info, input: UpdateSettingsInput) -> SettingsPayload:
        changes = {k: v for k, v in vars(input).items() if v is not None}
        before, after = await save_org_settings(changes)
        await audit(
            info,
            "settings.update",
            Target("Settings", None, "settings"),
            camel_snapshot(before),
            camel_snapshot(after),
        )
        return SettingsPayload(settings=Settings.of(after), user_errors=[])
