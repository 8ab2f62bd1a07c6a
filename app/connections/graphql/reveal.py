"""revealConnectionSecret: the one way a stored secret leaves, for admins, when allowed, audited."""

from __future__ import annotations

import strawberry
from strawberry.permission import BasePermission

from app.audit.graphql import audit
from app.connections.access import Operation
from app.connections.graphql.mutations import _allowed, _target
from app.connections.targets import target_from_record
from app.errors import ErrorCode, Problem
from app.graphql.context import Info
from app.graphql.errors import UserError, user_errors
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


def _refused(message: str) -> RevealPayload:
    return RevealPayload(
        user_errors=user_errors([Problem(("id",), ErrorCode.NOT_ALLOWED, message)])
    )


@strawberry.type
class RevealMutations:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Admins only, and only while settings.allowSecretReveal is on. Always audited. "
        "Personal connections' secrets are never revealed.",
    )
    async def reveal_connection_secret(self, info: Info, id: strawberry.ID) -> RevealPayload:
        if not (await info.context.org_settings()).allow_secret_reveal:
            return _refused("revealing secrets is turned off (settings.allowSecretReveal)")
        record, problem = await _allowed(info, id, Operation.DELETE)
        if problem is not None or record is None:
            return RevealPayload(user_errors=user_errors([problem] if problem else []))
        if record.owner_id is not None:
            return _refused("a personal connection's secrets are never revealed")
        target = target_from_record(info.context.services.connections.keyring, record)
        revealed = [
            f
            for f, v in (
                ("apiKey", target.api_key),
                ("serviceAccountJson", target.service_account_json),
            )
            if v
        ]
        await audit(
            info,
            "connection.reveal_secret",
            _target(record),
            changes=[
                {"field": f, "secret": True}
                for f in revealed + ["customHeaderValues"] * bool(target.headers)
            ],
        )
        return RevealPayload(
            api_key=target.api_key,
            service_account_json=target.service_account_json,
            custom_headers=[RevealedHeader(name=n, value=v) for n, v in target.headers],
        )
