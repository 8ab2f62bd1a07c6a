"""The rule that an endpoint's model is one its connection serves, in one place: creating or
editing an endpoint and moving endpoints to another connection both ask it."""

from __future__ import annotations

from app.connections.records import ConnectionRecord
from app.db.tables import ConnectionModel


async def model_refusal(connection: ConnectionRecord, model: str) -> str | None:
    """Why `connection` cannot serve `model`, or None. While its model list is unknown (never
    fetched and none given) any model is accepted."""
    if not (connection.models_fetched_at or connection.model_ids):
        return None
    offered = await ConnectionModel.select(ConnectionModel.exposed_id).where(
        ConnectionModel.connection == connection.id
    )
    known = [row["exposed_id"] for row in offered]
    if model in known:
        return None
    sample = ", ".join(known[:5]) or "none"
    return f"connection {connection.name!r} does not serve model {model!r} (it serves: {sample})"
