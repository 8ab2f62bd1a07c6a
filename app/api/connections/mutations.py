"""Connection mutations: translate arguments, call the connection service, shape the payload.
Failures raised below become userErrors in one place (app.graphql.errors.maps_problems)."""

from __future__ import annotations

import uuid

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
from app.api.connections.payloads import ConnectionPayload, DeleteConnectionPayload
from app.api.connections.types import Verification
from app.api.context import Info
from app.api.dependents.types import dependent_of
from app.errors import ProblemsFound, invalid, not_found
from app.graphql.errors import maps_problems
from app.graphql.node import to_global_id
from app.ids import uuid_of

NO_SUCH = uuid.UUID(int=0)  # what an ID of another type names: no connection, for anyone


def connection_id(global_id: str) -> uuid.UUID:
    return uuid_of(global_id, "LLMConnection") or NO_SUCH


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
