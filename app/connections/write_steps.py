"""The steps every connection write shares: plan or refuse, the edit loop (read, prepare
outside any transaction, apply inside one if the row is still as prepared), and the one read
after a write that is both the audit's "after" and the answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.audit.service import Done, audited_write, diff
from app.connections.access import Caller, Operation, reach
from app.connections.inputs import ConnectionInput
from app.connections.plan import plan_connection
from app.connections.plan_types import ConnectionPlan
from app.connections.records import ConnectionRecord, fetch_connection
from app.connections.snapshot import CONNECTION_SECRETS, connection_snapshot, connection_target
from app.db.tables import LLMConnection
from app.db.writes import RACE_RETRIES, Raced, Stale, check_version
from app.errors import ProblemsFound
from app.providers.verification import VerificationResult

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
