"""Connection mutations: thin translations onto ConnectionService."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import strawberry
from strawberry.permission import BasePermission

from app.connections.graphql.inputs import (
    CreateConnectionInput,
    CustomHeaderInput,
    TestConnectionInput,
    UpdateConnectionInput,
    create_input,
    test_input,
    update_input,
)
from app.connections.graphql.types import LLMConnectionType, Verification
from app.connections.inputs import UNSET, ConnectionInput, HeaderInput
from app.connections.service import Outcome, not_found
from app.dependents.graphql.types import DependentType, dependent_of
from app.dependents.links import delete_connection
from app.errors import ErrorCode, Problem
from app.graphql.context import Info
from app.graphql.errors import UserError, invalid_input, user_errors
from app.graphql.ids import to_global_id, uuid_of
from app.graphql.permissions import IsAdmin
from app.providers.verification import VerificationResult


@strawberry.type
class ConnectionPayload:
    connection: LLMConnectionType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
    verification: Verification | None = strawberry.field(
        default=None, description="Set when the mutation tested something."
    )

    @classmethod
    def of(
        cls, outcome: Outcome, verification: VerificationResult | None = None
    ) -> ConnectionPayload:
        return cls(
            connection=LLMConnectionType.of(outcome.connection) if outcome.connection else None,
            user_errors=user_errors(outcome.problems),
            verification=Verification.of(verification) if verification else None,
        )

    @classmethod
    def missing(cls) -> ConnectionPayload:
        return cls(user_errors=user_errors([not_found()]))


@strawberry.type
class DeleteConnectionPayload:
    deleted_id: strawberry.ID | None = None
    dependents: list[DependentType] = strawberry.field(
        default_factory=list,
        description="With HAS_DEPENDENTS: what uses the connection. After a delete: what was "
        "moved (reassignTo) or unlinked (force).",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RotateCredentialsInput:
    api_key: str | None = None
    service_account_json: str | None = None
    custom_headers: list[CustomHeaderInput] | None = strawberry.field(
        default=None, description="The new header list; a null value keeps that header's value."
    )
    verify: bool = strawberry.field(
        default=True, description="Test the new secrets first; if they fail, the old ones stay."
    )


def _connection_id(global_id: str) -> uuid.UUID | None:
    return uuid_of(global_id, "LLMConnection")


ADMIN: list[type[BasePermission]] = [IsAdmin]


async def _on_connection(
    global_id: str, act: Callable[[uuid.UUID], Awaitable[Outcome]]
) -> ConnectionPayload:
    """Run a service call on the connection a global ID names, or answer NOT_FOUND."""
    connection_id = _connection_id(global_id)
    if connection_id is None:
        return ConnectionPayload.missing()
    return ConnectionPayload.of(await act(connection_id))


@strawberry.type
class ConnectionMutations:
    @strawberry.mutation(permission_classes=ADMIN)
    async def create_connection(
        self, info: Info, input: CreateConnectionInput
    ) -> ConnectionPayload:
        checked = await info.context.services.workflow.create(create_input(input), input.verify)
        return ConnectionPayload.of(checked.outcome, checked.verification)

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Partial update; the stored key is kept unless a new one is given.",
    )
    async def update_connection(
        self, info: Info, id: strawberry.ID, input: UpdateConnectionInput
    ) -> ConnectionPayload:
        workflow = info.context.services.workflow
        return await _on_connection(id, lambda cid: workflow.update(cid, update_input(input)))

    @strawberry.mutation(permission_classes=ADMIN, description="Exactly one default at any time.")
    async def set_default_connection(self, info: Info, id: strawberry.ID) -> ConnectionPayload:
        return await _on_connection(id, info.context.services.connections.set_default)

    @strawberry.mutation(permission_classes=ADMIN)
    async def set_connection_enabled(
        self, info: Info, id: strawberry.ID, enabled: bool
    ) -> ConnectionPayload:
        service = info.context.services.connections
        return await _on_connection(id, lambda cid: service.set_enabled(cid, enabled))

    @strawberry.mutation(permission_classes=ADMIN, description="Test and record lastVerification.")
    async def verify_connection(self, info: Info, id: strawberry.ID) -> ConnectionPayload:
        connection_id = _connection_id(id)
        if connection_id is None:
            return ConnectionPayload.missing()
        checked = await info.context.services.workflow.verify(connection_id)
        return ConnectionPayload.of(checked.outcome, checked.verification)

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Test without saving. Stored secrets never go to a new origin.",
    )
    async def test_connection(self, info: Info, input: TestConnectionInput) -> Verification:
        connection_id = _connection_id(input.id) if input.id else None
        if input.id and connection_id is None:
            raise invalid_input([not_found(("input", "id"))])
        if connection_id is None and input.provider is None:
            raise invalid_input(
                [
                    Problem(
                        ("input", "provider"),
                        ErrorCode.VALIDATION,
                        "provider is required when testing without an id",
                    )
                ]
            )
        result = await info.context.services.workflow.test(test_input(input), connection_id)
        if isinstance(result, list):
            raise invalid_input(result)
        return Verification.of(result)

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="Refused while endpoints or workspaces use it, unless force (unlink them) or "
        "reassignTo (move them) is given; either happens in one transaction with the delete.",
    )
    async def delete_connection(
        self,
        info: Info,
        id: strawberry.ID,
        force: bool = False,
        reassign_to: strawberry.ID | None = None,
    ) -> DeleteConnectionPayload:
        connection_id = _connection_id(id)
        target = _connection_id(reassign_to) if reassign_to else None
        if connection_id is None:
            return DeleteConnectionPayload(user_errors=user_errors([not_found()]))
        if reassign_to and target is None:
            problem = Problem(("reassignTo",), ErrorCode.NOT_FOUND, "no connection with this id")
            return DeleteConnectionPayload(user_errors=user_errors([problem]))
        deletion = await delete_connection(connection_id, force, target)
        return DeleteConnectionPayload(
            deleted_id=to_global_id("LLMConnection", deletion.deleted_id)
            if deletion.deleted_id
            else None,
            dependents=[dependent_of(d) for d in deletion.dependents],
            user_errors=user_errors(deletion.problems),
        )

    @strawberry.mutation(
        permission_classes=ADMIN,
        description="New secrets in one place; every dependent uses them from the next call on.",
    )
    async def rotate_connection_credentials(
        self, info: Info, id: strawberry.ID, input: RotateCredentialsInput
    ) -> ConnectionPayload:
        connection_id = _connection_id(id)
        if connection_id is None:
            return ConnectionPayload.missing()
        data = ConnectionInput(
            api_key=UNSET if input.api_key is None else input.api_key,
            service_account_json=UNSET
            if input.service_account_json is None
            else input.service_account_json,
            custom_headers=UNSET
            if input.custom_headers is None
            else [HeaderInput(h.name, h.value) for h in input.custom_headers],
        )
        checked = await info.context.services.workflow.rotate(connection_id, data, input.verify)
        return ConnectionPayload.of(checked.outcome, checked.verification)
