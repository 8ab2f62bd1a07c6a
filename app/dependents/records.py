"""Endpoints and workspaces as the services see them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns.combination import WhereRaw

from app.db.json_columns import load_json
from app.db.pagination import Listing, OrderKey, like_pattern
from app.db.tables import Endpoint, Workspace
from app.ids import global_id


@dataclass(frozen=True)
class EndpointRecord:
    id: uuid.UUID
    name: str
    description: str | None
    connection_id: uuid.UUID | None
    model: str
    config: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> EndpointRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            connection_id=row["connection"],
            model=row["model"],
            config=load_json(row["config"]),
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True)
class WorkspaceRecord:
    id: uuid.UUID
    name: str
    default_connection_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> WorkspaceRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            default_connection_id=row["default_connection"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


Dependent = EndpointRecord | WorkspaceRecord


async def fetch_endpoint(endpoint_id: uuid.UUID) -> EndpointRecord | None:
    rows = await Endpoint.select().where(Endpoint.id == endpoint_id)
    return EndpointRecord.from_row(rows[0]) if rows else None


async def endpoint_named(name: str) -> EndpointRecord | None:
    """Names are unique case-insensitively."""
    rows = await Endpoint.select().where(Endpoint.name_key == name.strip().casefold())
    return EndpointRecord.from_row(rows[0]) if rows else None


def endpoint_listing(search: str | None, connection_id: uuid.UUID | None) -> Listing:
    """Endpoints by name: those whose name or model matches, of one connection or all."""
    where = _matching("name,model", search)
    if connection_id is not None:
        where.append(Endpoint.connection == connection_id)
    return Listing(Endpoint, where, [OrderKey(Endpoint.name_key), OrderKey(Endpoint.id)])


def workspace_listing(search: str | None) -> Listing:
    """Workspaces by name, those whose name matches."""
    where = _matching("name", search)
    return Listing(Workspace, where, [OrderKey(Workspace.name_key), OrderKey(Workspace.id)])


def _matching(columns: str, text: str | None) -> list[Any]:
    """Case-insensitive substring search over these columns."""
    if not text or not text.strip():
        return []
    pattern = like_pattern(text.strip().lower())
    names = columns.split(",")
    clause = " OR ".join(f"lower({c}) LIKE {{}} ESCAPE '\\'" for c in names)
    return [WhereRaw(f"({clause})", *([pattern] * len(names)))]


async def fetch_workspace(workspace_id: uuid.UUID) -> WorkspaceRecord | None:
    rows = await Workspace.select().where(Workspace.id == workspace_id)
    return WorkspaceRecord.from_row(rows[0]) if rows else None


def endpoint_snapshot(r: EndpointRecord | None) -> dict[str, Any] | None:
    """What the audit trail compares, in the API's field names."""
    if r is None:
        return None
    return {
        "name": r.name,
        "description": r.description,
        "model": r.model,
        "config": r.config,
        "connectionId": global_id("LLMConnection", r.connection_id) if r.connection_id else None,
    }


def workspace_snapshot(r: WorkspaceRecord | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "name": r.name,
        "defaultConnectionId": (
            global_id("LLMConnection", r.default_connection_id) if r.default_connection_id else None
        ),
    }
