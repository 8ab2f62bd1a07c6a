"""refreshModels: the outcome per connection."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.permission import BasePermission

from app.api.connections.types import LLMConnectionType
from app.api.context import Info
from app.api.providers import VerificationStatus
from app.connections.model_sync import RefreshResult
from app.graphql.errors import UserError, maps_problems
from app.graphql.permissions import IsAdmin
from app.ids import uuid_of

ADMIN: list[type[BasePermission]] = [IsAdmin]


@strawberry.type
class ModelRefresh:
    status: VerificationStatus  # type: ignore[valid-type]
    ok: bool
    message: str | None
    model_count: int | None
    fetched_at: datetime | None
    result: strawberry.Private[RefreshResult]

    @strawberry.field
    async def connection(self, info: Info) -> LLMConnectionType | None:
        record = await info.context.loaders["connections"].load(self.result.connection_id)
        return LLMConnectionType.of(record) if record else None

    @classmethod
    def of(cls, r: RefreshResult) -> ModelRefresh:
        return cls(
            status=r.status,
            ok=r.ok,
            message=r.message,
            model_count=r.model_count,
            fetched_at=r.fetched_at,
            result=r,
        )


@strawberry.type
class RefreshModelsPayload:
    results: list[ModelRefresh] = strawberry.field(
        default_factory=list, description="One outcome per connection refreshed."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RefreshMutations:
    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Refresh one connection's models, or every enabled connection's concurrently.",
    )
    @maps_problems
    async def refresh_models(
        self, info: Info, connection_id: strawberry.ID | None = None
    ) -> RefreshModelsPayload:
        target = None
        if connection_id is not None:
            target = uuid_of(connection_id, "LLMConnection") or uuid.UUID(int=0)
        results = await info.context.services.refresh.refresh(info.context.actor, target)
        return RefreshModelsPayload(results=[ModelRefresh.of(r) for r in results])
