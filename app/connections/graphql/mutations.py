"""Connection mutations: access checks and audit around the connection services."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import strawberry

from app.audit.graphql import audit
from app.audit.service import Target
from app.audit.snapshots import CONNECTION_SECRETS, connection_snapshot
from app.connections.access import Forbidden, Operation, creation_refusals, refusal
from app.connections.graphql.inputs import (
    CreateConnectionInput,
    TestConnectionInput,
    UpdateConnectionInput,
    create_input,
    test_input,
    update_input,
)
from app.connections.graphql.payloads import (
    ConnectionPayload,
    DeleteConnectionPayload,
    RotateCredentialsInput,
)
from app.connections.graphql.types import Verification
from app.connections.inputs import UNSET, ConnectionInput, HeaderInput
from app.connections.records import ConnectionRecord, fetch_connection
from app.connections.service import Outcome
from app.connections.workflow import Checked
from app.dependents.graphql.types import dependent_of
from app.dependents.links import delete_connection
from app.errors import ErrorCode, Problem, not_found
from app.graphql.context import Info
from app.graphql.errors import forbidden, invalid_input, user_errors
from app.graphql.ids import to_global_id, uuid_of

Act = Callable[[uuid.UUID], Awaitable[Checked | Outcome]]


def _connection_id(global_id: str) -> uuid.UUID | None:
    return uuid_of(global_id, "LLMConnection")


def _target(record: ConnectionRecord) -> Target:
    return Target("LLMConnection", to_global_id("LLMConnection", record.id), record.name)


async def record_change(
    info: Info, action: str, before: ConnectionRecord | None, after: ConnectionRecord | None
) -> None:
    subject = after or before
    assert subject is not None
    await audit(
        info,
        action,
        _target(subject),
        connection_snapshot(before),
        connection_snapshot(after),
        CONNECTION_SECRETS,
    )


async def _allowed(
    info: Info, global_id: str, op: Operation
) -> tuple[ConnectionRecord | None, Problem | None]:
    """The connection, or why the viewer may not do `op` to it."""
    connection_id = _connection_id(global_id)
    record = await fetch_connection(connection_id) if connection_id else None
    try:
        return record, refusal(info.context.viewer, await info.context.org_settings(), record, op)
    except Forbidden:
        raise forbidden(
            f"{op.value} on a workspace-wide connection (it needs an ADMIN token)"
        ) from None


async def _guarded(
    info: Info, global_id: str, op: Operation, action: str, act: Act
) -> ConnectionPayload:
    before, problem = await _allowed(info, global_id, op)
    if problem is not None or before is None:
        return ConnectionPayload(user_errors=user_errors([problem] if problem else []))
    result = await act(before.id)
    checked = result if isinstance(result, Checked) else Checked(result)
    after = checked.outcome.connection
    if after is not None:
        await record_change(info, action, before, after)
    return ConnectionPayload.of(checked.outcome, checked.verification)


@strawberry.type
class ConnectionMutations:
    @strawberry.mutation(
        description="Admins create workspace-wide connections; members, when "
        "allowDirectConnections is on, personal OpenAI-compatible ones. verify: true tests "
        "first and saves nothing on failure."
    )
    async def create_connection(
        self, info: Info, input: CreateConnectionInput
    ) -> ConnectionPayload:
        viewer = info.context.viewer
        problems = creation_refusals(viewer, await info.context.org_settings(), input.provider)
        if problems:
            return ConnectionPayload(user_errors=user_errors(problems))
        owner = None if viewer.is_admin else viewer.user_id
        checked = await info.context.services.workflow.create(
            create_input(input), input.verify, owner
        )
        if checked.outcome.connection is not None:
            await record_change(info, "connection.create", None, checked.outcome.connection)
        return ConnectionPayload.of(checked.outcome, checked.verification)

    @strawberry.mutation(
        description="Partial update; the stored key is kept unless a new one is given."
    )
    async def update_connection(
        self, info: Info, id: strawberry.ID, input: UpdateConnectionInput
    ) -> ConnectionPayload:
        workflow = info.context.services.workflow
        data = update_input(input)
        return await _guarded(
            info, id, Operation.EDIT, "connection.update", lambda cid: workflow.update(cid, data)
        )

    @strawberry.mutation(description="Exactly one default at any time.")
    async def set_default_connection(self, info: Info, id: strawberry.ID) -> ConnectionPayload:
        service = info.context.services.connections
        return await _guarded(
            info, id, Operation.MAKE_DEFAULT, "connection.set_default", service.set_default
        )

    @strawberry.mutation
    async def set_connection_enabled(
        self, info: Info, id: strawberry.ID, enabled: bool
    ) -> ConnectionPayload:
        service = info.context.services.connections
        return await _guarded(
            info,
            id,
            Operation.EDIT,
            "connection.set_enabled",
            lambda cid: service.set_enabled(cid, enabled),
        )

    @strawberry.mutation(description="Test and record lastVerification.")
    async def verify_connection(self, info: Info, id: strawberry.ID) -> ConnectionPayload:
        workflow = info.context.services.workflow
        return await _guarded(info, id, Operation.EDIT, "connection.verify", workflow.verify)

    @strawberry.mutation(
        description="New secrets in one place; every dependent uses them from the next call on."
    )
    async def rotate_connection_credentials(
        self, info: Info, id: strawberry.ID, input: RotateCredentialsInput
    ) -> ConnectionPayload:
        data = ConnectionInput(
            api_key=UNSET if input.api_key is None else input.api_key,
            service_account_json=UNSET
            if input.service_account_json is None
            else input.service_account_json,
            custom_headers=UNSET
            if input.custom_headers is None
            else [HeaderInput(h.name, h.value) for h in input.custom_headers],
        )
        workflow = info.context.services.workflow
        return await _guarded(
            info,
            id,
            Operation.EDIT,
            "connection.rotate_credentials",
            lambda cid: workflow.rotate(cid, data, input.verify),
        )

    @strawberry.mutation(
        description="Test without saving. Stored secrets never go to a new origin.",
    )
    async def test_connection(self, info: Info, input: TestConnectionInput) -> Verification:
        viewer = info.context.viewer
        connection_id = _connection_id(input.id) if input.id else None
        if input.id:
            _, problem = await _allowed(info, input.id, Operation.EDIT)
            if problem:
                raise invalid_input([Problem(("input", "id"), problem.code, problem.message)])
        elif input.provider is None:
            raise invalid_input(
                [
                    Problem(
                        ("input", "provider"),
                        ErrorCode.VALIDATION,
                        "provider is required when testing without an id",
                    )
                ]
            )
        else:
            refused = creation_refusals(viewer, await info.context.org_settings(), input.provider)
            if refused:
                raise invalid_input(refused)
        personal = not viewer.is_admin
        result = await info.context.services.workflow.test(
            test_input(input), connection_id, personal
        )
        if isinstance(result, list):
            raise invalid_input(result)
        return Verification.of(result)

    @strawberry.mutation(
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
        before, problem = await _allowed(info, id, Operation.DELETE)
        if problem is not None or before is None:
            return DeleteConnectionPayload(user_errors=user_errors([problem] if problem else []))
        target = _connection_id(reassign_to) if reassign_to else None
        if reassign_to and target is None:
            problem = not_found("connection", ("reassignTo",))
            return DeleteConnectionPayload(user_errors=user_errors([problem]))
        deletion = await delete_connection(before.id, force, target)
        if deletion.deleted_id:
            await record_change(info, "connection.delete", before, None)
        return DeleteConnectionPayload(
            deleted_id=to_global_id("LLMConnection", deletion.deleted_id)
            if deletion.deleted_id
            else None,
            dependents=[dependent_of(d) for d in deletion.dependents],
            user_errors=user_errors(deletion.problems),
        )
