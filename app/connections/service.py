"""Every connection write: create, update, rotate, enable, make default, verify, delete. Each reads
and plans, probes outside any transaction, then writes in one with its audit event; an edit
whose row moved meanwhile plans and probes again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.audit.service import Done, audited_write, diff
from app.connections.access import Caller, Operation, check_creation, reach
from app.connections.checks import default_refusal
from app.connections.deletion import DependentLinks, check_deletion
from app.connections.inputs import ConnectionInput, ConnectionPlan
from app.connections.models import (
    Fetched,
    ModelSync,
    first_list_columns,
    from_probe,
    manual_list,
    store,
    store_first,
)
from app.connections.planning import (
    models_affected,
    plan_connection,
    refused_by_policy,
    verification_failed,
)
from app.connections.records import (
    CONNECTION_SECRETS,
    ConnectionRecord,
    connection_snapshot,
    connection_target,
    fetch_connection,
)
from app.connections.sealing import plan_columns, target_from_plan, target_from_record
from app.db.tables import LLMConnection
from app.db.writes import (
    RACE_RETRIES,
    Raced,
    Stale,
    check_version,
    ensure_name_free,
    lock_default_slot,
    versioned_update,
)
from app.errors import ErrorCode, Problem, ProblemsFound, invalid
from app.providers.verification import VerificationResult
from app.security.keyring import Keyring
from app.validation import Unset


class ConnectionService:
    def __init__(self, keyring: Keyring, models: ModelSync, dependents: DependentLinks) -> None:
        self.keyring = keyring
        self.models = models
        self.dependents = dependents

    # -- create -----------------------------------------------------------------------------

    async def create(self, caller: Caller, data: ConnectionInput, verify: bool) -> Written:
        check_creation(caller, data.provider)
        owner = caller.owner_of_new
        plan = planned(data, None, owner)
        connection_id = uuid.uuid4()
        fetched, probed = await self._fetch_for_plan(
            plan, None, connection_id, verify, personal=owner is not None
        )
        verification = probed if verify else None
        if verification is not None and not verification.ok:
            raise verification_failed(verification, "Nothing was saved.")

        async def write() -> Done[ConnectionRecord]:
            if plan.is_default:
                await lock_default_slot(LLMConnection)
            await ensure_name_free(LLMConnection, plan.name, None, "a connection")
            values = await plan_columns(self.keyring, plan, connection_id, None)
            values.update(id=connection_id, owner=owner, is_default=False)
            if verification is not None:
                values["last_verification"] = json.dumps(verification.to_json())
            if plan.is_default:
                await clear_default()
                values["is_default"] = True
            values.update(first_list_columns(fetched))
            await LLMConnection.insert(LLMConnection(**values))
            await store_first(fetched)
            return await read_back(None, connection_id)

        created = await audited_write(LLMConnection, caller.actor, "connection.create", write)
        return Written(created, verification)

    # -- edits: read and plan, probe, then write if the row is still as planned ----------------

    async def update(
        self, caller: Caller, connection_id: uuid.UUID, data: ConnectionInput
    ) -> Written:
        async def prepare(current: ConnectionRecord) -> Prepared:
            plan = planned(data, current)
            fetched = None
            if models_affected(plan, current):
                fetched, _ = await self._fetch_for_plan(plan, current, current.id, False)
            return Prepared(self._apply_plan(plan, current, fetched, strict=strict_version(data)))

        return await edit(caller, connection_id, "connection.update", prepare, data)

    async def rotate(
        self, caller: Caller, connection_id: uuid.UUID, data: ConnectionInput, verify: bool
    ) -> Written:
        """New secrets in one place: every dependent uses them from the next call on. With
        `verify`, the new secrets are tested first and, if they fail, the old ones stay."""
        secrets = (data.api_key, data.service_account_json, data.custom_headers)
        if all(isinstance(v, Unset) for v in secrets):
            message = "give apiKey, serviceAccountJson or customHeaders to rotate"
            raise ProblemsFound([invalid(("input",), message)])
        data = ConnectionInput(
            api_key=data.api_key,
            service_account_json=data.service_account_json,
            custom_headers=data.custom_headers,
        )

        async def prepare(current: ConnectionRecord) -> Prepared:
            plan = planned(data, current)
            if not verify:
                return Prepared(self._apply_plan(plan, current, None, strict=False))
            fetched, result = await self._fetch_for_plan(plan, current, current.id, True)
            assert result is not None
            if not result.ok:
                raise verification_failed(result, "The old credentials stay in place.")
            return Prepared(self._apply_plan(plan, current, fetched, False, result), result)

        return await edit(caller, connection_id, "connection.rotate_credentials", prepare)

    async def verify(self, caller: Caller, connection_id: uuid.UUID) -> Written:
        """Test the stored connection, store its models and remember the result."""

        async def prepare(current: ConnectionRecord) -> Prepared:
            probe = await self.models.probe(target_from_record(self.keyring, current))
            result = probe.result
            fetched = (
                manual_list(current.id, current.prefix_id, current.model_ids)
                if current.model_ids
                else from_probe(current.id, current.prefix_id, probe)
            )

            async def apply(_: ConnectionRecord) -> None:
                await store([fetched])
                await record_verification(current, result)

            return Prepared(apply, result)

        return await edit(caller, connection_id, "connection.verify", prepare)

    async def set_enabled(self, caller: Caller, connection_id: uuid.UUID, enabled: bool) -> Written:
        async def prepare(current: ConnectionRecord) -> Prepared:
            fetched = None
            if enabled and not current.enabled:  # back in service: its list may have moved on
                fetched, _ = await self.models.fetch_stored(current)

            async def apply(fresh: ConnectionRecord) -> None:
                if fresh.enabled != enabled:
                    await versioned_update(
                        LLMConnection, fresh.id, fresh.version, {"enabled": enabled}
                    )
                if fetched is not None:
                    await store([fetched])

            return Prepared(apply)

        return await edit(caller, connection_id, "connection.set_enabled", prepare)

    # -- writes that need no provider: one transaction ------------------------------------------

    async def set_default(self, caller: Caller, connection_id: uuid.UUID) -> Written:
        async def write() -> Done[ConnectionRecord]:
            await lock_default_slot(LLMConnection)
            current = reach(caller, await fetch_connection(connection_id), Operation.MAKE_DEFAULT)
            refused = default_refusal(current.owner_id, current.enabled)
            if refused:
                raise ProblemsFound([Problem(("id",), ErrorCode.NOT_ALLOWED, refused)])
            if not current.is_default:
                await clear_default()
                await versioned_update(
                    LLMConnection, current.id, current.version, {"is_default": True}
                )
            return await read_back(current, connection_id)

        action = "connection.set_default"
        return Written(await audited_write(LLMConnection, caller.actor, action, write))

    async def delete(
        self,
        caller: Caller,
        connection_id: uuid.UUID,
        force: bool = False,
        reassign_to: uuid.UUID | None = None,
    ) -> tuple[ConnectionRecord, list[Any]]:
        """Refuse while something depends on it, unless told to move (`reassign_to`) or unlink
        (`force` alone) the dependents, and while the gateway used it lately, unless `force`;
        either way in one transaction with the delete and its audit event. Returns the deleted
        connection and what was moved or unlinked."""

        async def write() -> Done[tuple[ConnectionRecord, list[Any]]]:
            current = reach(caller, await fetch_connection(connection_id), Operation.DELETE)
            [moving] = await self.dependents.of([connection_id])
            await check_deletion(self.dependents, current, moving, force, reassign_to)
            if force or reassign_to is not None:
                await self.dependents.move(connection_id, reassign_to, caller.actor)
            # Without force or reassignTo nothing is unlinked: a dependent created since the
            # read makes this DELETE fail (ON DELETE RESTRICT), and the retry reports it.
            await LLMConnection.delete().where(LLMConnection.id == connection_id)
            changes = diff(connection_snapshot(current), None, CONNECTION_SECRETS)
            return Done((current, moving), connection_target(current), changes)

        return await audited_write(LLMConnection, caller.actor, "connection.delete", write)

    # -- testing without saving ------------------------------------------------------------------

    async def test(
        self, caller: Caller, data: ConnectionInput, connection_id: uuid.UUID | None
    ) -> VerificationResult:
        """Test an unsaved configuration, or a stored one with overrides."""
        current = None
        if connection_id is not None:
            found = await fetch_connection(connection_id)
            current = reach(caller, found, Operation.EDIT, ("input", "id"))
        else:
            check_creation(caller, data.provider)
        plan, problems = plan_connection(data, current)
        if plan is None:
            refused = refused_by_policy(problems)
            if refused is not None:
                return refused
            raise ProblemsFound(problems)
        personal = not caller.viewer.is_admin
        target = target_from_plan(self.keyring, plan, current, personal=personal)
        return (await self.models.probe(target)).result

    # -- the shared steps ------------------------------------------------------------------------

    def _apply_plan(
        self,
        plan: ConnectionPlan,
        current: ConnectionRecord,
        fetched: Fetched | None,
        strict: bool,
        verification: VerificationResult | None = None,
    ) -> Apply:
        async def apply(fresh: ConnectionRecord) -> None:
            moves_default = plan.is_default is True and not fresh.is_default
            if moves_default:
                await lock_default_slot(LLMConnection)
            await ensure_name_free(LLMConnection, plan.name, fresh.id, "a connection")
            values = await plan_columns(self.keyring, plan, fresh.id, fresh)
            if verification is not None:
                values["last_verification"] = json.dumps(verification.to_json())
            if moves_default:
                await clear_default()
            await versioned_update(LLMConnection, fresh.id, fresh.version, values, strict)
            if fetched is not None:
                await store([fetched])

        return apply

    async def _fetch_for_plan(
        self,
        plan: ConnectionPlan,
        current: ConnectionRecord | None,
        connection_id: uuid.UUID,
        verify: bool,
        personal: bool = False,
    ) -> tuple[Fetched, VerificationResult | None]:
        """The models the planned connection serves; the provider is asked unless a manual
        list is given and nothing is to be verified."""
        if plan.model_ids and not verify:
            return manual_list(connection_id, plan.prefix_id, plan.model_ids), None
        personal = personal or (current is not None and current.owner_id is not None)
        target = target_from_plan(self.keyring, plan, current, personal=personal)
        probe = await self.models.probe(target)
        if plan.model_ids:
            return manual_list(connection_id, plan.prefix_id, plan.model_ids), probe.result
        return from_probe(connection_id, plan.prefix_id, probe), probe.result


Apply = Callable[[ConnectionRecord], Awaitable[None]]


@dataclass(frozen=True)
class Written:
    """A connection as stored after a write, and the verification the write ran, if any."""

    connection: ConnectionRecord
    verification: VerificationResult | None = None


@dataclass(frozen=True)
class Prepared:
    """What the steps outside the transaction decided: how to change the row, and what the
    provider said."""

    apply: Apply
    verification: VerificationResult | None = None


async def edit(
    caller: Caller,
    connection_id: uuid.UUID,
    action: str,
    prepare: Callable[[ConnectionRecord], Awaitable[Prepared]],
    data: ConnectionInput | None = None,
) -> Written:
    """Read and check access, prepare outside any transaction (plan, probe), then apply in one
    transaction with the audit event. Every apply writes through a versioned UPDATE, so a row
    that moved since the read is noticed there: then read, plan and probe again."""
    for _ in range(RACE_RETRIES):
        current = reach(caller, await fetch_connection(connection_id), Operation.EDIT)
        if data is not None:
            check_version(data.expected_version, current.version)
        prepared = await prepare(current)

        async def write(
            current: ConnectionRecord = current, p: Prepared = prepared
        ) -> Done[ConnectionRecord]:
            try:
                await p.apply(current)
            except Raced:
                raise Stale() from None
            return await read_back(current, connection_id)

        try:
            written = await audited_write(LLMConnection, caller.actor, action, write)
            return Written(written, prepared.verification)
        except Stale:
            continue
    raise Stale()


def planned(
    data: ConnectionInput, current: ConnectionRecord | None, owner: uuid.UUID | None = None
) -> ConnectionPlan:
    plan, problems = plan_connection(data, current, owner)
    if plan is None:
        raise ProblemsFound(problems)
    return plan


def strict_version(data: ConnectionInput) -> bool:
    """expectedVersion was sent: a changed row is a conflict, not a race to retry."""
    return isinstance(data.expected_version, int)


async def read_back(
    before: ConnectionRecord | None, connection_id: uuid.UUID
) -> Done[ConnectionRecord]:
    """The one read after a write: it is the answer and the audit event's "after"."""
    after = await fetch_connection(connection_id)
    assert after is not None
    changes = diff(connection_snapshot(before), connection_snapshot(after), CONNECTION_SECRETS)
    return Done(after, connection_target(after), changes)


async def clear_default() -> None:
    await LLMConnection.update(
        {
            LLMConnection.is_default: False,
            LLMConnection.version: LLMConnection.version + 1,
            LLMConnection.updated_at: datetime.now(UTC),
        }
    ).where(LLMConnection.is_default == True)  # noqa: E712 (SQL comparison)


async def record_verification(current: ConnectionRecord, result: VerificationResult) -> None:
    """Status, not configuration: the version does not move, but it must still be the row
    that was verified."""
    updated = (
        await LLMConnection.update({LLMConnection.last_verification: json.dumps(result.to_json())})
        .where((LLMConnection.id == current.id) & (LLMConnection.version == current.version))
        .returning(LLMConnection.id)
    )
    if not updated:
        raise Raced()
