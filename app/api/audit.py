"""The audit trail, queryable by target, actor, action and time range."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.api.context import Info
from app.audit.service import AuditQuery, audit_listing
from app.db.json_columns import load_json
from app.graphql.node import Node, to_global_id
from app.graphql.pagination import Connection, listed
from app.graphql.permissions import ADMIN_ONLY
from app.ids import parse_global_id


@strawberry.type
class FieldChange:
    field: str
    old: JSON | None = None
    new: JSON | None = None
    secret: bool = strawberry.field(
        default=False, description="A secret changed; its values are never recorded."
    )


@strawberry.type(name="AuditEvent")
class AuditEventType(Node):
    at: datetime
    action: str
    actor_id: strawberry.ID | None
    actor_name: str | None
    target_type: str
    target_id: strawberry.ID | None
    target_name: str | None
    request_id: str | None
    changes: list[FieldChange]

    @classmethod
    def of(cls, row: dict[str, Any]) -> AuditEventType:
        return cls(
            id=to_global_id("AuditEvent", row["id"]),
            at=row["at"],
            action=row["action"],
            actor_id=to_global_id("User", row["actor_id"]) if row["actor_id"] else None,
            actor_name=row["actor_name"],
            target_type=row["target_type"],
            target_id=strawberry.ID(row["target_id"]) if row["target_id"] else None,
            target_name=row["target_name"],
            request_id=row["request_id"],
            changes=[
                FieldChange(
                    field=c["field"],
                    old=c.get("old"),
                    new=c.get("new"),
                    secret=bool(c.get("secret")),
                )
                for c in load_json(row["changes"])
            ],
        )


@strawberry.input
class AuditFilter:
    target_id: strawberry.ID | None = None
    actor_id: strawberry.ID | None = None
    action: str | None = strawberry.field(
        default=None, description='Exact, or a prefix ending in "." (e.g. "connection.").'
    )
    since: datetime | None = None
    until: datetime | None = None


def _query(f: AuditFilter) -> AuditQuery:
    actor = None
    if f.actor_id:
        parsed = parse_global_id(f.actor_id)
        actor = uuid.UUID(parsed[1]) if parsed and parsed[0] == "User" else uuid.UUID(int=0)
    return AuditQuery(f.target_id, actor, f.action, f.since, f.until)


@strawberry.type
class AuditQueries:
    @strawberry.field(
        permission_classes=ADMIN_ONLY,
        description="Newest first. Append-only: the API never edits it.",
    )
    async def audit_events(
        self,
        info: Info,
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEventType]:
        listing = audit_listing(_query(filter or AuditFilter()))
        return await listed(listing, AuditEventType.of, first, after)
