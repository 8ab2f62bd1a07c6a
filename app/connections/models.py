"""A connection's model list: fetched from its provider (concurrently, bounded), stored, and
refreshModels for one or all."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.audit.service import Actor, Done, Target, audited_write, set_to
from app.connections.records import ConnectionRecord, fetch_connection, fetch_connections
from app.connections.sealing import target_from_record
from app.db.engine import write_transaction
from app.db.tables import LLMConnection
from app.errors import ProblemsFound, not_found
from app.model_catalog.store import (
    ModelList,
    ModelSource,
    insert_models,
    record_failure,
    replace_models,
)
from app.providers.probing import Probe, ProviderProbe
from app.providers.target import DiscoveredModel, ProviderTarget
from app.providers.verification import VerificationStatus
from app.security.envelope import SecretUnavailable
from app.security.keyring import Keyring


@dataclass(frozen=True)
class RefreshResult:
    connection_id: uuid.UUID
    status: VerificationStatus
    message: str | None
    model_count: int | None
    fetched_at: datetime | None

    @property
    def ok(self) -> bool:
        return self.status is VerificationStatus.OK


@dataclass(frozen=True)
class Fetched:
    """What a provider (or the manual list) said, before it is stored."""

    connection_id: uuid.UUID
    prefix_id: str | None
    models: list[DiscoveredModel] | None  # None: the fetch failed; the last good list stays
    source: str
    status: VerificationStatus
    message: str | None


def manual_list(connection_id: uuid.UUID, prefix_id: str | None, ids: Sequence[str]) -> Fetched:
    models = [DiscoveredModel(model_id) for model_id in ids]
    return Fetched(
        connection_id, prefix_id, models, ModelSource.MANUAL, VerificationStatus.OK, None
    )


def from_probe(connection_id: uuid.UUID, prefix_id: str | None, probe: Probe) -> Fetched:
    result = probe.result
    source = ModelSource.DISCOVERED
    return Fetched(connection_id, prefix_id, probe.models, source, result.status, result.message)


class ModelSync:
    def __init__(self, provider: ProviderProbe, keyring: Keyring, concurrency: int) -> None:
        self.provider = provider
        self.keyring = keyring
        self.concurrency = concurrency

    async def probe(self, target: ProviderTarget) -> Probe:
        return await self.provider.probe(target)

    async def fetch_stored(self, record: ConnectionRecord) -> tuple[Fetched, Probe | None]:
        """A stored connection's list (and the probe, when the provider was asked)."""
        if record.model_ids:
            return manual_list(record.id, record.prefix_id, record.model_ids), None
        try:
            probe = await self.probe(target_from_record(self.keyring, record))
        except SecretUnavailable as exc:
            failed = VerificationStatus.AUTH_FAILED
            return Fetched(record.id, record.prefix_id, None, "", failed, str(exc)), None
        return from_probe(record.id, record.prefix_id, probe), probe

    async def fetch_all(self, records: list[ConnectionRecord]) -> list[Fetched]:
        """Provider calls run concurrently, at most `concurrency` in flight, each bounded by its
        own timeout."""
        gate = asyncio.Semaphore(self.concurrency)

        async def bounded(record: ConnectionRecord) -> Fetched:
            async with gate:
                return (await self.fetch_stored(record))[0]

        return list(await asyncio.gather(*(bounded(r) for r in records)))


def failure_message(f: Fetched) -> str:
    return f"{f.status.value}: {f.message or ''}".strip()


def first_list_columns(f: Fetched) -> dict[str, Any]:
    """What a new connection's row says of its first list."""
    if f.models is None:
        return {"models_error": failure_message(f)}
    return {"models_fetched_at": datetime.now(UTC), "models_error": None}


async def store_first(f: Fetched) -> None:
    """A new connection's first list (after its row is inserted; no old list to replace)."""
    if f.models is not None:
        await insert_models([ModelList(f.connection_id, f.prefix_id, f.models, f.source)])


async def store(batch: list[Fetched]) -> list[RefreshResult]:
    """Save fetched lists, in the caller's transaction (or one of their own); a failed fetch
    keeps the last good list and records why it failed."""
    good = [f for f in batch if f.models is not None]
    async with write_transaction(LLMConnection._meta.db):
        at = await replace_models(
            [ModelList(f.connection_id, f.prefix_id, f.models or [], f.source) for f in good]
        )
        for f in batch:
            if f.models is None:
                await record_failure(
                    f.connection_id, f"{f.status.value}: {f.message or ''}".strip()
                )
    return [
        RefreshResult(f.connection_id, f.status, f.message, len(f.models), at)
        if f.models is not None
        else RefreshResult(f.connection_id, f.status, f.message, None, None)
        for f in batch
    ]


class ModelRefresh:
    def __init__(self, models: ModelSync) -> None:
        self.models = models

    async def refresh(self, actor: Actor, connection_id: uuid.UUID | None) -> list[RefreshResult]:
        """Provider calls run outside any transaction (concurrently, bounded); the results
        are then written in one, so writers never queue behind a slow provider."""
        if connection_id is not None:
            one = await fetch_connection(connection_id)
            if one is None:
                raise ProblemsFound([not_found("connection", ("connectionId",))])
            records = [one]
        else:
            records = await fetch_connections(LLMConnection.enabled == True)  # noqa: E712
        fetched = await self.models.fetch_all(records)

        async def write() -> Done[list[RefreshResult]]:
            results = await store(fetched)
            failed = sum(not r.ok for r in results)
            target = Target("LLMConnection", connection_id, None)
            return Done(results, target, set_to(refreshed=len(results), failed=failed))

        return await audited_write(LLMConnection, actor, "models.refresh", write)
