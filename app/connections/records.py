"""A stored connection as the services see it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.connections.plain_fields import plain_from_row
from app.db.json_columns import load_json
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


async def fetch_connection(connection_id: uuid.UUID) -> ConnectionRecord | None:
    rows = await fetch_connections(LLMConnection.id == connection_id)
    return rows[0] if rows else None


async def load_connections(ids: list[uuid.UUID]) -> list[ConnectionRecord | None]:
    """DataLoader batch: the connections with these ids, in order."""
    by_id = {r.id: r for r in await fetch_connections(LLMConnection.id.is_in(ids))}
    return [by_id.get(i) for i in ids]
