"""GraphQL types for users and the `viewer` query."""

from __future__ import annotations

import strawberry

from app.auth.service import Role as DomainRole
from app.auth.service import UserRecord
from app.graphql.context import Info
from app.graphql.ids import to_global_id, uuid_of
from app.graphql.node import Node, register_node

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
