"""Reading connections: the stored row as a record, the snapshot the audit trail diffs, and the
list queries (filters, order, pages)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from piccolo.columns.combination import WhereRaw

from app.audit.service import Target
from app.connections.plain_fields import plain_from_row, plain_snapshot
from app.db.json_columns import load_json
from app.db.pagination import OrderKey, Page, PageRequest, count_rows, keyset_page, like_pattern
from app.db.prepared import Prepared
from app.db.tables import LLMConnection
from app.providers.catalog import AuthMethod, Provider


@dataclass(frozen=True)
class StoredHeader:
    name: str
    sealed: str
    hint: str


@dataclass(frozen=True)
class ConnectionRecord:
    id: uuid.UUID
    name: str
    provider: Provider
    auth_method: AuthMethod
    base_url: str
    config: dict[str, str]
    api_key_sealed: str | None
    api_key_hint: str | None
    service_account_sealed: str | None
    custom_headers: tuple[StoredHeader, ...]
    plain: Mapping[str, Any]  # the declared plain fields (app.connections.plain_fields)
    enabled: bool
    is_default: bool
    owner_id: uuid.UUID | None
    last_verification: dict[str, Any] | None
    version: int
    models_fetched_at: datetime | None
    models_error: str | None
    created_at: datetime
    updated_at: datetime
    credentials_updated_at: datetime

    @property
    def prefix_id(self) -> str | None:
        return self.plain["prefix_id"]

    @property
    def model_ids(self) -> tuple[str, ...]:
        return self.plain["model_ids"]

    @property
    def has_secrets(self) -> bool:
        return bool(self.api_key_sealed or self.service_account_sealed or self.custom_headers)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ConnectionRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            provider=Provider(row["provider"]),
            auth_method=AuthMethod(row["auth_method"]),
            base_url=row["base_url"],
            config=load_json(row["config"]),
            api_key_sealed=row["api_key_sealed"],
            api_key_hint=row["api_key_hint"],
            service_account_sealed=row["service_account_sealed"],
            custom_headers=tuple(StoredHeader(**h) for h in load_json(row["custom_headers"])),
            plain=plain_from_row(row),
            enabled=bool(row["enabled"]),
            is_default=bool(row["is_default"]),
            owner_id=row["owner"],
            last_verification=load_json(row["last_verification"]),
            version=row["version"],
            models_fetched_at=row["models_fetched_at"],
            models_error=row["models_error"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            credentials_updated_at=row["credentials_updated_at"],
        )


async def fetch_connections(*conditions: Any) -> list[ConnectionRecord]:
    query = LLMConnection.select()
    for condition in conditions:
        query = query.where(condition)
    return [ConnectionRecord.from_row(row) for row in await query]


_BY_ID = Prepared(LLMConnection, lambda i: LLMConnection.select().where(LLMConnection.id == i), 1)


async def fetch_connection(connection_id: uuid.UUID) -> ConnectionRecord | None:
    rows = await _BY_ID.run(connection_id)
    return ConnectionRecord.from_row(rows[0]) if rows else None


async def load_connections(ids: list[uuid.UUID]) -> list[ConnectionRecord | None]:
    """DataLoader batch: the connections with these ids, in order."""
    by_id = {r.id: r for r in await fetch_connections(LLMConnection.id.is_in(ids))}
    return [by_id.get(i) for i in ids]


CONNECTION_SECRETS = ("apiKey", "serviceAccountJson", "customHeaderValues")


def connection_target(record: ConnectionRecord) -> Target:
    return Target("LLMConnection", record.id, record.name)


def connection_snapshot(r: ConnectionRecord | None) -> dict[str, Any] | None:
    """Secrets are represented by their sealed form, which only ever shows *that* they changed."""
    if r is None:
        return None
    return {
        "name": r.name,
        "provider": r.provider.value,
        "authMethod": r.auth_method.value,
        "baseUrl": r.base_url,
        "config": r.config,
        **plain_snapshot(r.plain),
        "enabled": r.enabled,
        "isDefault": r.is_default,
        "customHeaderNames": [h.name for h in r.custom_headers] or None,
        "apiKey": r.api_key_sealed,
        "serviceAccountJson": r.service_account_sealed,
        "customHeaderValues": [h.sealed for h in r.custom_headers] or None,
    }


class OwnerScope(Enum):
    MINE = "MINE"
    GLOBAL = "GLOBAL"


class ConnectionOrderField(Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    UPDATED_AT = "UPDATED_AT"


@dataclass(frozen=True)
class ConnectionQuery:
    providers: tuple[Provider, ...] = ()
    enabled: bool | None = None
    is_default: bool | None = None
    tag: str | None = None
    search: str | None = None
    owner: OwnerScope | None = None
    viewer_id: uuid.UUID | None = None
    order: ConnectionOrderField = ConnectionOrderField.NAME
    descending: bool = False
    scope: list[Any] = field(default_factory=list)  # who may see what (app.connections.access)


def conditions(q: ConnectionQuery) -> list[Any]:
    where: list[Any] = list(q.scope)
    if q.providers:
        where.append(LLMConnection.provider.is_in([p.value for p in q.providers]))
    if q.enabled is not None:
        where.append(LLMConnection.enabled == q.enabled)
    if q.is_default is not None:
        where.append(LLMConnection.is_default == q.is_default)
    if q.tag:
        # Tags are stored as a JSON array of validated tokens, so '"tag"' matches one exactly.
        where.append(
            WhereRaw(
                "CAST(tags AS TEXT) LIKE {} ESCAPE '\\'",
                like_pattern(f'"{q.tag.strip().lower()}"'),
            )
        )
    if q.search and q.search.strip():
        pattern = like_pattern(q.search.strip().lower())
        where.append(
            WhereRaw(
                "(lower(name) LIKE {} ESCAPE '\\'"
                " OR lower(coalesce(description, '')) LIKE {} ESCAPE '\\')",
                pattern,
                pattern,
            )
        )
    if q.owner is OwnerScope.GLOBAL:
        where.append(LLMConnection.owner.is_null())
    elif q.owner is OwnerScope.MINE:
        where.append(LLMConnection.owner == q.viewer_id)
    return where


def order_keys(q: ConnectionQuery) -> list[OrderKey]:
    column = {
        ConnectionOrderField.NAME: LLMConnection.name_key,
        ConnectionOrderField.CREATED_AT: LLMConnection.created_at,
        ConnectionOrderField.UPDATED_AT: LLMConnection.updated_at,
    }[q.order]
    return [OrderKey(column, q.descending), OrderKey(LLMConnection.id, q.descending)]


async def list_connections(q: ConnectionQuery, request: PageRequest) -> Page:
    return await keyset_page(LLMConnection, conditions(q), order_keys(q), request)


async def count_connections(q: ConnectionQuery) -> int:
    return await count_rows(LLMConnection, conditions(q))
