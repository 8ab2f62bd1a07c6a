"""GET /v1/models: the endpoint names and catalog model ids a caller may use, nothing else."""

from __future__ import annotations

from app.connections.records import fetch_connections
from app.db.tables import Endpoint, LLMConnection
from app.gateway.callers import GatewayCaller
from app.model_catalog.listing import offerings


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
    for offering in await offerings():
        connection = connections.get(offering.connection_id)
        if connection is not None and caller.allows(offering.model_id):
            found.setdefault(offering.model_id, connection.provider.value.lower())
    return sorted(found.items(), key=lambda item: (item[1] != "switchboard", item[0]))
