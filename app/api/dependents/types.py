"""GraphQL types for endpoints, workspaces, dependents and resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.api.connections.types import LLMConnectionType
from app.api.context import Info
from app.api.usage_fields import LastUseFields, UsageSummaryField
from app.dependents.records import Dependent, EndpointRecord, WorkspaceRecord
from app.dependents.resolution import Resolution, Skip
from app.dependents.resolution import ResolutionSource as DomainResolutionSource
from app.graphql.errors import UserError, user_errors
from app.graphql.node import Node, to_global_id

ResolutionSource = strawberry.enum(DomainResolutionSource, name="ResolutionSource")


async def _connection(info: Info, connection_id: Any) -> LLMConnectionType | None:
    if connection_id is None:
        return None
    record = await info.context.loaders["connections"].load(connection_id)
    return LLMConnectionType.of(record) if record else None


@strawberry.type(
    name="Endpoint", description="A named route consumers call; it depends on a connection."
)
class EndpointType(LastUseFields, UsageSummaryField, Node):
    record: strawberry.Private[EndpointRecord]
    name: str
    description: str | None
    model: str
    config: JSON
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="null only after a forced delete of its connection.")
    async def connection(self, info: Info) -> LLMConnectionType | None:
        return await _connection(info, self.record.connection_id)

    def usage_subject(self) -> tuple[str, str]:
        return "endpoint", str(self.record.id)

    @classmethod
    def of(cls, r: EndpointRecord) -> EndpointType:
        return cls(
            record=r,
            id=to_global_id("Endpoint", r.id),
            name=r.name,
            description=r.description,
            model=r.model,
            config=r.config,  # type: ignore[arg-type]
            version=r.version,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


@strawberry.type(
    name="Workspace", description="Overrides the default connection for its members' new work."
)
class WorkspaceType(LastUseFields, Node):
    record: strawberry.Private[WorkspaceRecord]
    name: str
    version: int
    created_at: datetime
    updated_at: datetime

    @strawberry.field
    async def default_connection(self, info: Info) -> LLMConnectionType | None:
        return await _connection(info, self.record.default_connection_id)

    @strawberry.field(
        description="What new work in this workspace uses: its default, else the global one."
    )
    async def effective_connection(self, info: Info) -> LLMConnectionType | None:
        from app.dependents.resolution import resolve_connection

        resolution = await resolve_connection(None, self.record.id)
        return LLMConnectionType.of(resolution.connection) if resolution.connection else None

    def usage_subject(self) -> tuple[str, str]:
        return "workspace", str(self.record.id)

    @classmethod
    def of(cls, r: WorkspaceRecord) -> WorkspaceType:
        return cls(
            record=r,
            id=to_global_id("Workspace", r.id),
            name=r.name,
            version=r.version,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )


DependentType = Annotated[EndpointType | WorkspaceType, strawberry.union("Dependent")]


def dependent_of(record: Dependent) -> EndpointType | WorkspaceType:
    return (
        EndpointType.of(record) if isinstance(record, EndpointRecord) else WorkspaceType.of(record)
    )


@strawberry.type
class ResolutionSkip:
    source: ResolutionSource  # type: ignore[valid-type]
    reason: str
    skip: strawberry.Private[Skip]

    @strawberry.field
    def connection(self) -> LLMConnectionType:
        return LLMConnectionType.of(self.skip.connection)


@strawberry.type
class ConnectionResolution:
    connection: LLMConnectionType | None
    source: ResolutionSource | None  # type: ignore[valid-type]
    skipped: list[ResolutionSkip] = strawberry.field(
        description="Steps passed over on the way, e.g. a disabled default, and why."
    )
    user_errors: list[UserError]

    @classmethod
    def of(cls, r: Resolution) -> ConnectionResolution:
        return cls(
            connection=LLMConnectionType.of(r.connection) if r.connection else None,
            source=r.source,
            skipped=[ResolutionSkip(source=s.source, reason=s.reason, skip=s) for s in r.skipped],
            user_errors=user_errors(r.problems),
        )
