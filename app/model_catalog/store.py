"""Stored model lists per connection, and the per-model switches."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from app.audit.service import Actor, Done, Target, audited_write, set_to
from app.db.engine import write_transaction
from app.db.tables import ConnectionModel, LLMConnection, ModelSetting
from app.errors import ProblemsFound, not_found
from app.providers.target import DiscoveredModel


class ModelSource:
    DISCOVERED = "DISCOVERED"
    MANUAL = "MANUAL"


def exposed_id(prefix: str | None, upstream_id: str) -> str:
    return f"{prefix}.{upstream_id}" if prefix else upstream_id


@dataclass(frozen=True)
class ModelList:
    connection_id: uuid.UUID
    prefix: str | None
    models: list[DiscoveredModel]
    source: str


INSERT_CHUNK = 500


async def replace_models(lists: list[ModelList]) -> datetime:
    """Swap these connections' lists in one transaction (the caller's, when it has one) and a
    handful of statements, so readers see the old lists or the new, and a refresh of hundreds
    stays cheap."""
    now = datetime.now(UTC)
    if not lists:
        return now
    ids = [item.connection_id for item in lists]
    async with write_transaction(LLMConnection._meta.db):
        await ConnectionModel.delete().where(ConnectionModel.connection.is_in(ids))
        await insert_models(lists)
        await LLMConnection.update(
            {LLMConnection.models_fetched_at: now, LLMConnection.models_error: None}
        ).where(LLMConnection.id.is_in(ids))
    return now


async def insert_models(lists: list[ModelList]) -> None:
    """The rows of lists no connection had before (a new connection's)."""
    rows = [
        ConnectionModel(
            connection=item.connection_id,
            upstream_id=model.id,
            exposed_id=exposed_id(item.prefix, model.id),
            display_name=model.display_name,
            source=item.source,
        )
        for item in lists
        for model in {m.id: m for m in item.models}.values()
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        await ConnectionModel.insert(*rows[start : start + INSERT_CHUNK])


async def record_failure(connection_id: uuid.UUID, message: str) -> None:
    """Keep the last good list; remember why this refresh failed."""
    await LLMConnection.update({LLMConnection.models_error: message}).where(
        LLMConnection.id == connection_id
    )


async def set_model_enabled(actor: Actor, model_id: str, enabled: bool) -> None:
    """Hide or show a model by its exposed id; the switch and its audit event commit together."""
    now = datetime.now(UTC)

    async def write() -> Done[None]:
        if not await ConnectionModel.exists().where(ConnectionModel.exposed_id == model_id):
            raise ProblemsFound([not_found("model")])
        updated = (
            await ModelSetting.update({ModelSetting.enabled: enabled, ModelSetting.updated_at: now})
            .where(ModelSetting.exposed_id == model_id)
            .returning(ModelSetting.exposed_id)
        )
        if not updated:
            await ModelSetting.insert(ModelSetting(exposed_id=model_id, enabled=enabled))
        return Done(None, Target("Model", model_id, model_id), set_to(enabled=enabled))

    await audited_write(ModelSetting, actor, "model.set_enabled", write)
