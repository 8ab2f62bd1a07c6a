"""Reading connections: filters, ordering and keyset pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from piccolo.columns.combination import WhereRaw

from app.db.pagination import OrderKey, Page, PageRequest, count_rows, keyset_page, like_pattern
from app.db.tables import LLMConnection
from app.providers.catalog import Provider


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
