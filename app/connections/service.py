"""The rules for writing connections: create, update, default, enable, delete."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.connections.inputs import ConnectionInput
from app.connections.plan import plan_connection
from app.connections.plan_types import ConnectionPlan
from app.connections.records import ConnectionRecord, StoredHeader, fetch_connection
from app.connections.rules import default_refusal
from app.connections.secrets import hint, seal_for
from app.db.tables import LLMConnection
from app.db.writes import (
    ensure_name_free,
    lock_default_slot,
    run_write,
    version_conflict,
    versioned_update,
)
from app.errors import ErrorCode, Problem, ProblemsFound, not_found
from app.providers.verification import VerificationResult
from app.security.key_registry import active_sealing_key
from app.security.keyring import Keyring
from app.security.sealed_fields import API_KEY_FIELD, SERVICE_ACCOUNT_FIELD, header_field


@dataclass(frozen=True)
class Outcome:
    """A service result: the connection as stored after the write, or why nothing was written."""

    connection: ConnectionRecord | None = None
    problems: tuple[Problem, ...] = ()

    @classmethod
    def failed(cls, *problems: Problem) -> Outcome:
        return cls(problems=problems)


def _now() -> datetime:
    return datetime.now(UTC)


def _engine() -> Any:
    return LLMConnection._meta.db


class ConnectionService:
    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    async def create(
        self,
        data: ConnectionInput,
        owner_id: uuid.UUID | None = None,
        verification: VerificationResult | None = None,
    ) -> Outcome:
        plan, problems = plan_connection(data, None, owner_id)
        if plan is None:
            return Outcome.failed(*problems)
        connection_id = uuid.uuid4()

        async def write() -> None:
            if plan.is_default:
                await lock_default_slot(LLMConnection)
            await self._ensure_name_free(plan.name, None)
            values = await self._row_values(plan, connection_id, None)
            values.update({"id": connection_id, "owner": owner_id, "is_default": False})
            if verification is not None:
                values["last_verification"] = json.dumps(verification.to_json())
            if plan.is_default:
                await self._clear_default()
                values["is_default"] = True
            await LLMConnection.insert(LLMConnection(**values))

        return await self._run_write(write, connection_id)

    async def update(self, connection_id: uuid.UUID, data: ConnectionInput) -> Outcome:
        async def write() -> None:
            current = await _existing(connection_id)
            expected = data.expected_version
            if isinstance(expected, int) and expected != current.version:
                raise ProblemsFound([version_conflict(current.version)])
            plan, problems = plan_connection(data, current)
            if plan is None:
                raise ProblemsFound(problems)
            moves_default = plan.is_default is True and not current.is_default
            if moves_default:
                await lock_default_slot(LLMConnection)
            await self._ensure_name_free(plan.name, connection_id)
            values = await self._row_values(plan, connection_id, current)
            if moves_default:
                await self._clear_default()
            await self._versioned_update(current, values, strict=isinstance(expected, int))

        return await self._run_write(write, connection_id)

    async def set_default(self, connection_id: uuid.UUID) -> Outcome:
        async def write() -> None:
            current = await _existing(connection_id)
            refused = default_refusal(current.owner_id, current.enabled)
            if refused:
                raise ProblemsFound([Problem(("id",), ErrorCode.NOT_ALLOWED, refused)])
            if not current.is_default:
                await lock_default_slot(LLMConnection)
                await self._clear_default()
                await self._versioned_update(current, {"is_default": True})

        return await self._run_write(write, connection_id)

    async def set_enabled(self, connection_id: uuid.UUID, enabled: bool) -> Outcome:
        async def write() -> None:
            current = await _existing(connection_id)
            if current.enabled != enabled:
                await self._versioned_update(current, {"enabled": enabled})

        return await self._run_write(write, connection_id)

    async def delete(
        self, connection_id: uuid.UUID
    ) -> tuple[uuid.UUID | None, tuple[Problem, ...]]:
        deleted = (
            await LLMConnection.delete()
            .where(LLMConnection.id == connection_id)
            .returning(LLMConnection.id)
        )
        if not deleted:
            return None, (not_found("connection"),)
        return connection_id, ()

    async def record_verification(
        self, connection_id: uuid.UUID, result: VerificationResult
    ) -> ConnectionRecord | None:
        """Remember the latest check. Status, not configuration: the version does not move."""
        await LLMConnection.update(
            {LLMConnection.last_verification: json.dumps(result.to_json())}
        ).where(LLMConnection.id == connection_id)
        return await fetch_connection(connection_id)

    # -- helpers ---------------------------------------------------------------------------

    async def _run_write(self, write: Any, connection_id: uuid.UUID) -> Outcome:
        result = await run_write(LLMConnection, write)
        if isinstance(result, list):
            return Outcome.failed(*result)
        return Outcome(connection=await fetch_connection(connection_id))

    async def _ensure_name_free(self, name: str, own_id: uuid.UUID | None) -> None:
        await ensure_name_free(LLMConnection, name, own_id, "a connection")

    async def _clear_default(self) -> None:
        await LLMConnection.update(
            {
                LLMConnection.is_default: False,
                LLMConnection.version: LLMConnection.version + 1,
                LLMConnection.updated_at: _now(),
            }
        ).where(LLMConnection.is_default == True)  # noqa: E712 (SQL comparison)

    async def _versioned_update(
        self, current: ConnectionRecord, values: dict[str, Any], strict: bool = False
    ) -> None:
        columns: dict[Any, Any] = {
            LLMConnection._meta.get_column_by_name(k): v for k, v in values.items()
        }
        columns[LLMConnection.updated_at] = _now()
        await versioned_update(LLMConnection, current.id, current.version, columns, strict)

    async def _row_values(
        self, plan: ConnectionPlan, connection_id: uuid.UUID, current: ConnectionRecord | None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": plan.name,
            "name_key": plan.name.casefold(),
            "description": plan.description,
            "provider": plan.provider.value,
            "auth_method": plan.auth_method.value,
            "base_url": plan.base_url,
            "config": json.dumps(plan.config),
            "prefix_id": plan.prefix_id,
            "model_ids": json.dumps(plan.model_ids),
            "tags": json.dumps(plan.tags),
            "enabled": plan.enabled,
        }
        if plan.is_default is not None:
            values["is_default"] = plan.is_default
        if plan.credentials_changed:
            # In this transaction: the key is checked against the registry, never retired.
            key_id = await active_sealing_key(self.keyring)
            values.update(self._secret_values(plan, connection_id, current, key_id))
            values["credentials_updated_at"] = _now()
        return values

    def _secret_values(
        self,
        plan: ConnectionPlan,
        connection_id: uuid.UUID,
        current: ConnectionRecord | None,
        key_id: str,
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if plan.api_key.action == "set" and plan.api_key.value:
            values["api_key_sealed"] = seal_for(
                self.keyring, key_id, connection_id, API_KEY_FIELD, plan.api_key.value
            )
            values["api_key_hint"] = hint(plan.api_key.value)
        elif plan.api_key.action == "clear":
            values["api_key_sealed"] = values["api_key_hint"] = None
        if plan.service_account.action == "set" and plan.service_account.value:
            values["service_account_sealed"] = seal_for(
                self.keyring,
                key_id,
                connection_id,
                SERVICE_ACCOUNT_FIELD,
                plan.service_account.value,
            )
        elif plan.service_account.action == "clear":
            values["service_account_sealed"] = None
        if plan.headers is not None:
            stored = {h.name.lower(): h for h in current.custom_headers} if current else {}
            headers = [
                self._sealed_header(key_id, connection_id, h.name, h.value, stored)
                for h in plan.headers
            ]
            values["custom_headers"] = json.dumps([vars(h) for h in headers])
        return values

    def _sealed_header(
        self,
        key_id: str,
        connection_id: uuid.UUID,
        name: str,
        value: str | None,
        stored: dict[str, StoredHeader],
    ) -> StoredHeader:
        if value is None:
            kept = stored[name.lower()]
            return StoredHeader(name=name, sealed=kept.sealed, hint=kept.hint)
        sealed = seal_for(self.keyring, key_id, connection_id, header_field(name), value)
        return StoredHeader(name=name, sealed=sealed, hint=hint(value))


async def _existing(connection_id: uuid.UUID) -> ConnectionRecord:
    current = await fetch_connection(connection_id)
    if current is None:
        raise ProblemsFound([not_found("connection")])
    return current
