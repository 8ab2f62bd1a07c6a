"""GraphQL types for users and the `viewer` query."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import strawberry

from app.api.context import Info
from app.auth.service import GatewayLimits, UserRecord, load_users, user_listing
from app.auth.service import Role as DomainRole
from app.auth.token_admin import create_token, revoke_token, token_listing
from app.db.json_columns import load_json
from app.graphql.errors import UserError, maps_problems
from app.graphql.node import Node, register_node, to_global_id
from app.graphql.pagination import Connection, build_connection, listed, load_page, page_request
from app.graphql.permissions import ADMIN_ONLY
from app.ids import uuid_of

Role = strawberry.enum(DomainRole, name="Role")


@strawberry.type
class User(Node):
    name: str
    role: Role  # type: ignore[valid-type]

    @classmethod
    def of(cls, record: UserRecord) -> User:
        return cls(id=to_global_id("User", record.id), name=record.name, role=record.role)


@register_node("User")
async def resolve_user(info: Info, global_id: str) -> User | None:
    user_id = uuid_of(global_id, "User")
    if user_id is None:
        return None
    record = await info.context.loaders["users"].load(user_id)
    return User.of(record) if record else None


@strawberry.type
class AuthQuery:
    @strawberry.field(description="Who the token belongs to, with its role.")
    def viewer(self, info: Info) -> User:
        viewer = info.context.viewer
        return User.of(UserRecord(viewer.user_id, viewer.name, viewer.role))

    @strawberry.field(
        permission_classes=ADMIN_ONLY,
        description="Admins only: everyone who holds tokens, by name, each with their highest "
        "active role (for filters by user: usage, gatewayCalls, auditEvents).",
    )
    async def users(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[User]:
        listing = user_listing()
        request = page_request(first, after)
        page = await load_page(lambda: listing.page(request))
        records = await load_users([row["id"] for row in page.rows])  # two statements a page
        by_id = {record.id: record for record in records if record is not None}
        return build_connection(page, lambda row: User.of(by_id[row["id"]]), listing.count)


@strawberry.type(
    name="ApiToken", description="A bearer token. Its value is shown once, at creation."
)
class ApiTokenType(Node):
    name: str
    role: Role  # type: ignore[valid-type]
    prefix: str = strawberry.field(description="The first characters, to recognise it (swb_...).")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    allowed_models: list[str] = strawberry.field(
        description="Endpoint names or model ids the gateway lets it call; empty: all it sees."
    )
    requests_per_minute: int | None = strawberry.field(description="Gateway requests a minute.")
    tokens_per_minute: int | None = strawberry.field(description="Gateway tokens a minute.")
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    def active(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= datetime.now(UTC)
        return self.revoked_at is None and not expired

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        record = await info.context.loaders["users"].load(self.user_id)
        return User.of(record) if record else None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ApiTokenType:
        return cls(
            id=to_global_id("ApiToken", row["id"]),
            name=row["name"],
            role=DomainRole(row["role"]),
            prefix=row["display_prefix"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            last_used_at=row["last_used_at"],
            revoked_at=row["revoked_at"],
            allowed_models=list(load_json(row["allowed_models"]) or []),
            requests_per_minute=row["requests_per_minute"],
            tokens_per_minute=row["tokens_per_minute"],
            user_id=row["user"],
        )


@strawberry.input
class CreateApiTokenInput:
    name: str
    role: Role  # type: ignore[valid-type]
    expires_at: datetime | None = None
    user: str | None = strawberry.field(
        default=None,
        description="Whose token it is (created if new); defaults to you. Admins only.",
    )
    allowed_models: list[str] | None = strawberry.field(
        default=None, description="Gateway: endpoint names or model ids it may call; all if empty."
    )
    requests_per_minute: int | None = strawberry.field(
        default=None, description="Gateway: requests a minute (null: no limit)."
    )
    tokens_per_minute: int | None = strawberry.field(
        default=None, description="Gateway: input and output tokens a minute (null: no limit)."
    )


@strawberry.type
class CreateApiTokenPayload:
    token: str | None = strawberry.field(
        default=None, description="The token itself: shown this once, never again."
    )
    api_token: ApiTokenType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiTokenType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TokenQueries:
    @strawberry.field(description="Admins see every token, members their own.")
    async def api_tokens(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApiTokenType]:
        return await listed(token_listing(info.context.viewer), ApiTokenType.of, first, after)


@strawberry.type
class TokenMutations:
    @strawberry.mutation(
        description="Admins create any token; members create MEMBER tokens for themselves."
    )
    @maps_problems
    async def create_api_token(
        self, info: Info, input: CreateApiTokenInput
    ) -> CreateApiTokenPayload:
        token, row = await create_token(
            info.context.viewer,
            info.context.actor,
            input.name,
            DomainRole(input.role),
            input.expires_at,
            input.user,
            GatewayLimits(
                tuple(input.allowed_models or ()),
                input.requests_per_minute,
                input.tokens_per_minute,
            ),
        )
        return CreateApiTokenPayload(token=token, api_token=ApiTokenType.of(row))

    @strawberry.mutation(description="Takes effect on the next request, on every instance.")
    @maps_problems
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenPayload:
        token_id = uuid_of(id, "ApiToken") or uuid.UUID(int=0)
        row = await revoke_token(info.context.viewer, info.context.actor, token_id)
        return RevokeApiTokenPayload(api_token=ApiTokenType.of(row))
