"""GraphQL output types for connections."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from app.api.auth import User
from app.api.connections.plain_fields import PlainConnectionFields, plain_output
from app.api.context import Info
from app.api.model_catalog_types import ConnectionModelType
from app.api.providers import AuthMethod, Provider, VerificationStatus
from app.api.usage_fields import LastUseFields, UsageSummaryField
from app.connections.records import ConnectionRecord
from app.gateway.balancer import HealthState as HealthStateValue
from app.graphql.node import Node, to_global_id
from app.graphql.pagination import Connection, slice_connection
from app.providers.verification import VerificationResult

if TYPE_CHECKING:
    from app.api.dependents.types import DependentType


@strawberry.type
class HeaderHint:
    name: str
    value_hint: str


@strawberry.type
class Verification:
    status: VerificationStatus  # type: ignore[valid-type]
    ok: bool
    message: str | None
    latency_ms: int | None
    model_count: int | None
    checked_at: datetime

    @classmethod
    def of(cls, result: VerificationResult) -> Verification:
        return cls(
            status=result.status,
            ok=result.ok,
            message=result.message,
            latency_ms=result.latency_ms,
            model_count=result.model_count,
            checked_at=result.checked_at,
        )


HealthState = strawberry.enum(
    HealthStateValue,
    description="How the gateway sees a connection: HEALTHY, COOLING_DOWN (skipped while "
    "another connection serves its models) or TRIAL (its cool-down is over: the next call "
    "tries it).",
)


@strawberry.type(description="The gateway's view of a connection, from its calls through it.")
class ConnectionHealth:
    state: HealthState  # type: ignore[valid-type]
    consecutive_failures: int
    cooldown_until: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def _moment(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


@strawberry.type(
    name="LLMConnection", description="A provider connection. Secrets never leave; hints do."
)
class LLMConnectionType(PlainConnectionFields, LastUseFields, UsageSummaryField, Node):
    record: strawberry.Private[ConnectionRecord]
    name: str
    provider: Provider  # type: ignore[valid-type]
    auth_method: AuthMethod  # type: ignore[valid-type]
    base_url: str
    config: JSON
    api_key_hint: str | None
    custom_headers: list[HeaderHint]
    enabled: bool
    is_default: bool
    created_at: datetime
    updated_at: datetime
    credentials_updated_at: datetime
    version: int

    @strawberry.field(
        description="null for a workspace-wide connection; the owner of a personal one."
    )
    async def owner(self, info: Info) -> User | None:
        if self.record.owner_id is None:
            return None
        user = await info.context.loaders["users"].load(self.record.owner_id)
        return User.of(user) if user else None

    @strawberry.field(description="The models this connection serves, prefix applied.")
    async def models(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ConnectionModelType]:
        rows = await info.context.loaders["connection_models"].load(self.record.id)
        return slice_connection(
            rows, lambda r: r["exposed_id"], ConnectionModelType.of, first, after
        )

    @strawberry.field(description="When the model list was last fetched successfully.")
    def models_fetched_at(self) -> datetime | None:
        return self.record.models_fetched_at

    @strawberry.field(description="Why the last model refresh failed; the last good list is kept.")
    def models_error(self) -> str | None:
        return self.record.models_error

    @strawberry.field(description="Endpoints and workspaces that use this connection.")
    async def dependents(
        self, info: Info
    ) -> list[Annotated[DependentType, strawberry.lazy("app.api.dependents.types")]]:
        from app.api.dependents.types import dependent_of

        return [
            dependent_of(d) for d in await info.context.loaders["dependents"].load(self.record.id)
        ]

    @strawberry.field
    async def dependent_count(self, info: Info) -> int:
        return len(await info.context.loaders["dependents"].load(self.record.id))

    @strawberry.field
    def last_verification(self) -> Verification | None:
        data = self.record.last_verification
        return Verification.of(VerificationResult.from_json(data)) if data else None

    @strawberry.field(
        description="Failures of gateway calls through it and its cool-down, as this instance "
        "(or, with REDIS_URL, every instance) has seen them."
    )
    def health(self, info: Info) -> ConnectionHealth:
        state, health = info.context.services.gateway.balancer.health_of(self.record.id)
        return ConnectionHealth(
            state=state,
            consecutive_failures=health.consecutive_failures,
            cooldown_until=_moment(health.cooldown_until) if health.consecutive_failures else None,
            last_error=health.last_error,
            last_error_at=_moment(health.last_error_at),
        )

    def usage_subject(self) -> tuple[str, str]:
        return "connection", str(self.record.id)

    @classmethod
    def of(cls, r: ConnectionRecord) -> LLMConnectionType:
        return cls(
            record=r,
            id=to_global_id("LLMConnection", r.id),
            name=r.name,
            provider=r.provider,
            auth_method=r.auth_method,
            base_url=r.base_url,
            config=dict(r.config),  # type: ignore[arg-type]
            api_key_hint=r.api_key_hint,
            custom_headers=[HeaderHint(name=h.name, value_hint=h.hint) for h in r.custom_headers],
            **plain_output(r),
            enabled=r.enabled,
            is_default=r.is_default,
            created_at=r.created_at,
            updated_at=r.updated_at,
            credentials_updated_at=r.credentials_updated_at,
            version=r.version,
        )
