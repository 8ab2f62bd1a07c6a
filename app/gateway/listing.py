"""GET /v1/models: the endpoint names and catalog model ids a caller may use, nothing else."""

from __future__ import annotations

import uuid
from typing import Any

from app.connections.records import fetch_connections
from app.db.tables import ConnectionModel, Endpoint, LLMConnection
from app.gateway.callers import GatewayCaller

MODELS_SQL = (
    "SELECT DISTINCT cm.exposed_id AS model_id, cm.connection AS connection"
    " FROM connection_model cm JOIN llm_connection c ON c.id = cm.connection"
    " LEFT JOIN model_setting ms ON ms.exposed_id = cm.exposed_id"
    " WHERE c.enabled = {} AND COALESCE(ms.enabled, {}) = {}"
)


async def visible_models(caller: GatewayCaller) -> list[tuple[str, str]]:
    """(id, owned_by) pairs: endpoints first ("switchboard"), then models by their connection."""
    connections = {
        c.id: c
        for c in await fetch_connections(LLMConnection.enabled == True)  # noqa: E712
        if caller.may_use(c)
    }
    endpoints = await Endpoint.select(Endpoint.name, Endpoint.connection).order_by(
        Endpoint.name_key
    )
    found: dict[str, str] = {}
    for row in endpoints:
        if row["connection"] in connections and caller.allows(row["name"]):
            found.setdefault(row["name"], "switchboard")
    for row in await ConnectionModel.raw(MODELS_SQL, True, True, True):
        connection = connections.get(_uuid(row["connection"]))
        if connection is not None and caller.allows(row["model_id"]):
            found.setdefault(row["model_id"], connection.provider.value.lower())
    return sorted(found.items(), key=lambda item: (item[1] != "switchboard", item[0]))


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
