"""Model discovery: refresh one connection or all, concurrently, each failure kept to itself."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from app.connections.records import ConnectionRecord, fetch_connection, fetch_connections
from app.connections.targets import target_from_record
from app.db.engine import write_transaction
from app.db.tables import LLMConnection
from app.models.store import ModelList, ModelSource, record_failure, replace_models
from app.providers.gateway import Probe, ProviderGateway
from app.providers.target import DiscoveredModel
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

    record: ConnectionRecord
    models: list[DiscoveredModel] | None
    source: str
    status: VerificationStatus
    message: str | None


class ModelService:
    def __init__(self, gateway: ProviderGateway, keyring: Keyring, concurrency: int) -> None:
        self.gateway = gateway
        self.keyring = keyring
        self.concurrency = concurrency

    async def probe(self, record: ConnectionRecord) -> Probe:
        return await self.gateway.probe(target_from_record(self.keyring, record))

    async def fetch(self, record: ConnectionRecord, probe: Probe | None = None) -> Fetched:
        """Ask the provider (or read modelIds); touches no table."""
        if record.model_ids:
            manual = [DiscoveredModel(model_id) for model_id in record.model_ids]
            return Fetched(record, manual, ModelSource.MANUAL, VerificationStatus.OK, None)
        try:
            probe = probe or await self.probe(record)
        except SecretUnavailable as exc:
            return Fetched(
                record, None, ModelSource.DISCOVERED, VerificationStatus.AUTH_FAILED, str(exc)
            )
        result = probe.result
        return Fetched(record, probe.models, ModelSource.DISCOVERED, result.status, result.message)

    async def store(self, batch: list[Fetched]) -> list[RefreshResult]:
        """Save fetched lists in one transaction; a failed fetch keeps the last good list and
        records why it failed."""
        good = [f for f in batch if f.models is not None]
        async with write_transaction(LLMConnection._meta.db):
            at = await replace_models(
                [ModelList(f.record.id, f.record.prefix_id, f.models or [], f.source) for f in good]
            )
            for f in batch:
                if f.models is None:
                    await record_failure(
                        f.record.id, f"{f.status.value}: {f.message or ''}".strip()
                    )
        return [
            RefreshResult(f.record.id, f.status, f.message, len(f.models), at)
            if f.models is not None
            else RefreshResult(f.record.id, f.status, f.message, None, None)
            for f in batch
        ]

    async def sync(self, record: ConnectionRecord, probe: Probe | None = None) -> RefreshResult:
        """Bring one connection's stored list up to date."""
        [result] = await self.store([await self.fetch(record, probe)])
        return result

    async def refresh(
        self, connection_id: uuid.UUID | None = None, include_personal: bool = True
    ) -> list[RefreshResult]:
        """One connection, or every enabled one: provider calls run concurrently (at most
        `concurrency` in flight, each bounded by its own timeout); the results are then written
        in one transaction, so writers never queue behind each other."""
        if connection_id is not None:
            record = await fetch_connection(connection_id)
            return [await self.sync(record)] if record else []
        scope = [] if include_personal else [LLMConnection.owner.is_null()]
        records = await fetch_connections(LLMConnection.enabled == True, *scope)  # noqa: E712
        gate = asyncio.Semaphore(self.concurrency)

        async def bounded(record: ConnectionRecord) -> Fetched:
            async with gate:
                return await self.fetch(record)

        return await self.store(list(await asyncio.gather(*(bounded(r) for r in records))))
