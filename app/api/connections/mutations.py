"""Every connection mutation: creates, edits, rotations, switches, tests, deletes, model refreshes
and reveals, each answering with its payload."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry

from app.api.connections.inputs import (
    CreateConnectionInput,
    RotateCredentialsInput,
    TestConnectionInput,
    UpdateConnectionInput,
    create_input,
    rotate_input,
    test_input,
    update_input,
)
from app.api.connections.types import LLMConnectionType, Verification
from app.api.context import Info
from app.api.dependents.types import DependentType, dependent_of
from app.api.providers import VerificationStatus
from app.connections.models import RefreshResult
from app.connections.sealing import reveal_secrets
from app.connections.service import Written
from app.errors import ProblemsFound, invalid, not_found
from app.graphql.arguments import id_of
from app.graphql.errors import UserError, maps_problems, user_errors
from app.graphql.node import to_global_id
from app.graphql.permissions import ADMIN_ONLY
from app.ids import uuid_of
from app.providers.verification import VerificationResult


def connection_id(global_id: str) -> uuid.UUID:
    return id_of(global_id, "LLMConnection")


@strawberry.type
class ConnectionMutations:
    @strawberry.mutation(
        description="Admins create workspace-wide connections; members, when "
        "allowDirectConnections is on, personal OpenAI-compatible ones. verify: true tests "
        "first and saves nothing on failure."
    )
    @maps_problems
    async def create_connection(
        self, info: Info, input: CreateConnectionInput
    ) -> ConnectionPayload:
        service = info.context.services.connections
        written = await service.create(
            await info.context.caller(), create_input(input), input.verify
        )
        return ConnectionPayload.of(written)

    @strawberry.mutation(
        description="Partial update; the stored key is kept unless a new one is given."
    )
    @maps_problems
    async def update_connection(
        self, info: Info, id: strawberry.ID, input: UpdateConnectionInput
    ) -> ConnectionPayload:
        service = info.context.services.connections
        caller = await info.context.caller()
        return ConnectionPayload.of(
            await service.update(caller, connection_id(id), update_input(input))
        )

    @strawberry.mutation(description="Exactly one default at any time.")
    @maps_problems
    async def set_default_connection(self, info: Info, id: strawberry.ID) -> ConnectionPayload:
        service = info.context.services.connections
        caller = await info.context.caller()
        return ConnectionPayload.of(await service.set_default(caller, connection_id(id)))

    @strawberry.mutation
    @maps_problems
    async def set_connection_enabled(
        self, info: Info, id: strawberry.ID, enabled: bool
    ) -> ConnectionPayload:
        service = info.context.services.connections
        caller = await info.context.caller()
        return ConnectionPayload.of(await service.set_enabled(caller, connection_id(id), enabled))

    @strawberry.mutation(description="Test and record lastVerification.")
    @maps_problems
    async def verify_connection(self, info: Info, id: strawberry.ID) -> ConnectionPayload:
        service = info.context.services.connections
        caller = await info.context.caller()
        return ConnectionPayload.of(await service.verify(caller, connection_id(id)))

    @strawberry.mutation(
        description="New secrets in one place; every dependent uses them from the next call on."
    )
    @maps_problems
    async def rotate_connection_credentials(
        self, info: Info, id: strawberry.ID, input: RotateCredentialsInput
    ) -> ConnectionPayload:
        service = info.context.services.connections
        caller = await info.context.caller()
        written = await service.rotate(caller, connection_id(id), rotate_input(input), input.verify)
        return ConnectionPayload.of(written)

    @strawberry.mutation(
        description="Test without saving. Stored secrets never go to a new origin.",
    )
    @maps_problems
    async def test_connection(self, info: Info, input: TestConnectionInput) -> Verification:
        if input.id is None and input.provider is None:
            message = "provider is required when testing without an id"
            raise ProblemsFound([invalid(("input", "provider"), message)])
        caller = await info.context.caller()
        stored = connection_id(input.id) if input.id is not None else None
        result = await info.context.services.connections.test(caller, test_input(input), stored)
        return Verification.of(result)

    @strawberry.mutation(
        description="Refused while endpoints or workspaces use it, unless reassignTo (move them)"
        " or force (unlink them) is given, and while the gateway used it in the last 24 hours"
        " (RECENTLY_USED), unless force is given; with both, they move. All in one transaction.",
    )
    @maps_problems
    async def delete_connection(
        self,
        info: Info,
        id: strawberry.ID,
        force: bool = False,
        reassign_to: strawberry.ID | None = None,
    ) -> DeleteConnectionPayload:
        target = uuid_of(reassign_to, "LLMConnection") if reassign_to else None
        if reassign_to and target is None:
            raise ProblemsFound([not_found("connection", ("reassignTo",))])
        service = info.context.services.connections
        caller = await info.context.caller()
        await info.context.services.usage.recorder.flush()  # the last calls count too
        deleted, moved = await service.delete(caller, connection_id(id), force, target)
        return DeleteConnectionPayload(
            deleted_id=to_global_id("LLMConnection", deleted.id),
            dependents=[dependent_of(d) for d in moved],
        )


@strawberry.type
class ConnectionPayload:
    connection: LLMConnectionType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
    verification: Verification | None = strawberry.field(
        default=None, description="Set when the mutation tested something."
    )

    @classmethod
    def of(cls, written: Written) -> ConnectionPayload:
        verification = written.verification
        return cls(
            connection=LLMConnectionType.of(written.connection),
            verification=Verification.of(verification) if verification else None,
        )

    @classmethod
    def from_problems(cls, found: ProblemsFound) -> ConnectionPayload:
        """A failed verification is reported alongside the userError."""
        verification: VerificationResult | None = found.details.get("verification")
        return cls(
            user_errors=user_errors(found.problems),
            verification=Verification.of(verification) if verification else None,
        )


@strawberry.type
class DeleteConnectionPayload:
    deleted_id: strawberry.ID | None = None
    dependents: list[DependentType] = strawberry.field(
        default_factory=list,
        description="With HAS_DEPENDENTS: what uses the connection. After a delete: what was "
        "moved (reassignTo) or unlinked (force).",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_problems(cls, found: ProblemsFound) -> DeleteConnectionPayload:
        """HAS_DEPENDENTS lists what uses the connection."""
        blocking = found.details.get("dependents", [])
        return cls(
            dependents=[dependent_of(d) for d in blocking], user_errors=user_errors(found.problems)
        )


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
        permission_classes=ADMIN_ONLY,
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
        permission_classes=ADMIN_ONLY,
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
