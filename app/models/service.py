"""Model discovery: refresh one connection or all, concurrently, each failure kept to itself."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

from app.connections.records import ConnectionRecord, fetch_connection, fetch_connections
from app.connections.targets import target_from_record
from app.db.tables import LLMConnection
from app.models.store import ModelSource, record_failure, replace_models
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


class ModelService:
    def __init__(self, gateway: ProviderGateway, keyring: Keyring, concurrency: int) -> None:
        self.gateway = gateway
        self.keyring = keyring
        self.concurrency = concurrency

    async def probe(self, record: ConnectionRecord) -> Probe:
        return await self.gateway.probe(target_from_record(self.keyring, record))

    async def sync(self, record: ConnectionRecord, probe: Probe | None = None) -> RefreshResult:
        """Bring the stored list up to date: the manual list, or what the provider reports."""
        if record.model_ids:
            manual = [DiscoveredModel(model_id) for model_id in record.model_ids]
            fetched = await replace_models(record.id, record.prefix_id, manual, ModelSource.MANUAL)
            return RefreshResult(record.id, VerificationStatus.OK, None, len(manual), fetched)
        try:
            probe = probe or await self.probe(record)
        except SecretUnavailable as exc:
            await record_failure(record.id, str(exc))
            return RefreshResult(record.id, VerificationStatus.AUTH_FAILED, str(exc), None, None)
        if probe.models is None:
            message = f"{probe.result.status.value}: {probe.result.message or ''}".strip()
            await record_failure(record.id, message)
            return RefreshResult(record.id, probe.result.status, probe.result.message, None, None)
        fetched = await replace_models(
            record.id, record.prefix_id, probe.models, ModelSource.DISCOVERED
        )
        return RefreshResult(record.id, VerificationStatus.OK, None, len(probe.models), fetched)

    async def refresh(self, connection_id: uuid.UUID | None = None) -> list[RefreshResult]:
        """One connection, or every enabled one with at most `concurrency` calls in flight."""
        if connection_id is not None:
            record = await fetch_connection(connection_id)
            return [await self.sync(record)] if record else []
        records = await fetch_connections(LLMConnection.enabled == True)  # noqa: E712
        gate = asyncio.Semaphore(self.concurrency)

        async def bounded(record: ConnectionRecord) -> RefreshResult:
            async with gate:
                return await self.sync(record)

        return list(await asyncio.gather(*(bounded(r) for r in records)))
