"""Stored model lists per connection, and the per-model switches."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from app.db.engine import write_transaction
from app.db.tables import ConnectionModel, LLMConnection, ModelSetting
from app.providers.target import DiscoveredModel


class ModelSource:
    DISCOVERED = "DISCOVERED"
    MANUAL = "MANUAL"


def exposed_id(prefix: str | None, upstream_id: str) -> str:
    return f"{prefix}.{upstream_id}" if prefix else upstream_id


async def replace_models(
    connection_id: uuid.UUID, prefix: str | None, models: list[DiscoveredModel], source: str
) -> datetime:
    """Swap the connection's list in one transaction; readers see the old list or the new."""
    unique = {m.id: m for m in models}
    now = datetime.now(UTC)
    async with write_transaction(LLMConnection._meta.db):
        await ConnectionModel.delete().where(ConnectionModel.connection == connection_id)
        if unique:
            await ConnectionModel.insert(
                *(
                    ConnectionModel(
                        connection=connection_id,
                        upstream_id=m.id,
                        exposed_id=exposed_id(prefix, m.id),
                        display_name=m.display_name,
                        source=source,
                    )
                    for m in unique.values()
                )
            )
        await LLMConnection.update(
            {LLMConnection.models_fetched_at: now, LLMConnection.models_error: None}
        ).where(LLMConnection.id == connection_id)
    return now


async def record_failure(connection_id: uuid.UUID, message: str) -> None:
    """Keep the last good list; remember why this refresh failed."""
    await LLMConnection.update({LLMConnection.models_error: message}).where(
        LLMConnection.id == connection_id
    )


async def model_exists(model_id: str) -> bool:
    return await ConnectionModel.exists().where(ConnectionModel.exposed_id == model_id)


async def set_model_enabled(model_id: str, enabled: bool) -> None:
    now = datetime.now(UTC)
    async with write_transaction(ModelSetting._meta.db):
        updated = (
            await ModelSetting.update({ModelSetting.enabled: enabled, ModelSetting.updated_at: now})
            .where(ModelSetting.exposed_id == model_id)
            .returning(ModelSetting.exposed_id)
        )
        if not updated:
            await ModelSetting.insert(ModelSetting(exposed_id=model_id, enabled=enabled))
