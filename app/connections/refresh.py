"""refreshModels: one connection's model list, or every enabled one's, fetched concurrently
and stored in one transaction together with its audit event."""

from __future__ import annotations

import uuid

from app.audit.service import Actor, Done, Target, audited_write, set_to
from app.connections.model_sync import ModelSync, RefreshResult, store
from app.connections.records import fetch_connection, fetch_connections
from app.db.tables import LLMConnection
from app.errors import ProblemsFound, not_found


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
