"""revealConnectionSecret: the one way a stored secret leaves, for admins, when allowed, audited."""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from app.api.connections.mutations import connection_id
from app.api.context import Info
from app.connections.reveal import reveal_secrets
from app.graphql.errors import UserError, maps_problems
from app.graphql.permissions import IsAdmin

ADMIN: list[type[BasePermission]] = [IsAdmin]


@strawberry.type
class RevealedHeader:
    name: str
    value: str


@strawberry.type
class RevealPayload:
    api_key: str | None = None
    service_account_json: str | None = None
    custom_headers: list[RevealedHeader] = strawberry.field(default_factory=list)
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevealMutations:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Admins only, and only while settings.allowSecretReveal is on. Always audited. "
        "Personal connections' secrets are never revealed.",
    )
    @maps_problems
    async def reveal_connection_secret(self, info: Info, id: strawberry.ID) -> RevealPayload:
        caller = await info.context.caller()
        revealed = await reveal_secrets(info.context.services.keyring, caller, connection_id(id))
        return RevealPayload(
            api_key=revealed.api_key,
            service_account_json=revealed.service_account_json,
            custom_headers=[RevealedHeader(name=n, value=v) for n, v in revealed.headers],
        )
