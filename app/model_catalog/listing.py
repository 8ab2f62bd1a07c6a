"""The merged catalog: one entry per exposed model id across enabled connections.

A page costs a constant number of queries: the ids, the count, their offerings, their switches.
"""

from __future__ import annotations

import base64
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.db.pagination import PaginationError, like_pattern
from app.db.tables import ConnectionModel, ModelSetting
from app.ids import as_uuid
from app.providers.catalog import Provider


@dataclass(frozen=True)
class ModelQuery:
    connection_id: uuid.UUID | None = None
    providers: tuple[Provider, ...] = ()
    enabled: bool | None = True
    search: str | None = None


@dataclass(frozen=True)
class Offering:
    connection_id: uuid.UUID
    upstream_id: str
    source: str


@dataclass(frozen=True)
class CatalogEntry:
    model_id: str
    enabled: bool
    offerings: tuple[Offering, ...]


# Which connections offer which models: the one join that the catalog, the gateway's routing
# and /v1/models read, with its two conditions of use.
FROM = (
    " FROM connection_model cm JOIN llm_connection c ON c.id = cm.connection"
    " LEFT JOIN model_setting ms ON ms.exposed_id = cm.exposed_id"
)
ENABLED_CONNECTION = "c.enabled = {}"  # with True
SWITCHED_ON = "COALESCE(ms.enabled, {}) = {}"  # with True, True: no switch row means on
SHARED = "c.owner IS NULL"  # the merged catalog is organisation-wide: personal ones stay out


@dataclass(frozen=True)
class Offered:
    """One model on one enabled connection."""

    model_id: str  # as callers name it (the connection's prefix included)
    connection_id: uuid.UUID
    upstream_id: str
    source: str
    provider: str
    switched_on: bool  # the model's switch (no switch row: on)


async def offerings(
    model_ids: Sequence[str] | None = None, *, usable_only: bool = True, shared_only: bool = False
) -> list[Offered]:
    """Which enabled connections offer which models, by model id and then connection name: the
    one query that the gateway's routing and /v1/models (usable models, personal connections
    included: a caller keeps the ones it may use) and the catalog (every shared offering,
    switched on or off) read. `model_ids` narrows it to those models."""
    clauses: list[str] = [ENABLED_CONNECTION]
    args: list[Any] = [True]
    if usable_only:
        clauses.append(SWITCHED_ON)
        args += [True, True]
    if shared_only:
        clauses.append(SHARED)
    if model_ids is not None:
        if not model_ids:
            return []
        clauses.append("cm.exposed_id IN (" + ", ".join("{}" for _ in model_ids) + ")")
        args += list(model_ids)
    sql = (
        "SELECT cm.exposed_id AS model_id, cm.connection AS connection, cm.upstream_id,"
        f" cm.source, c.provider, ms.enabled AS switch{FROM} WHERE {' AND '.join(clauses)}"
        " ORDER BY cm.exposed_id, c.name_key, c.id"
    )
    return [
        Offered(
            row["model_id"],
            as_uuid(row["connection"]),
            row["upstream_id"],
            row["source"],
            row["provider"],
            row["switch"] is None or bool(row["switch"]),
        )
        for row in await ConnectionModel.raw(sql, *args)
    ]


def _where(q: ModelQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = [ENABLED_CONNECTION, SHARED]
    args: list[Any] = [True]
    if q.connection_id is not None:
        clauses.append("cm.connection = {}")
        args.append(q.connection_id)
    if q.providers:
        clauses.append("c.provider IN (" + ", ".join("{}" for _ in q.providers) + ")")
        args.extend(p.value for p in q.providers)
    if q.enabled is not None:
        clauses.append(SWITCHED_ON)
        args.extend([True, q.enabled])
    if q.search and q.search.strip():
        clauses.append("lower(cm.exposed_id) LIKE {} ESCAPE '\\'")
        args.append(like_pattern(q.search.strip().lower()))
    return " WHERE " + " AND ".join(clauses), args


def encode_cursor(model_id: str) -> str:
    return base64.urlsafe_b64encode(model_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise PaginationError("the cursor is not valid for this list") from None


async def page_ids(q: ModelQuery, size: int, after: str | None) -> tuple[list[str], bool]:
    where, args = _where(q)
    if after is not None:
        where += " AND cm.exposed_id > {}"
        args.append(decode_cursor(after))
    sql = (
        f"SELECT cm.exposed_id AS model_id{FROM}{where}"
        f" GROUP BY cm.exposed_id ORDER BY cm.exposed_id LIMIT {size + 1}"
    )
    rows = await ConnectionModel.raw(sql, *args)
    ids = [row["model_id"] for row in rows]
    return ids[:size], len(ids) > size


async def count_models(q: ModelQuery) -> int:
    where, args = _where(q)
    rows = await ConnectionModel.raw(
        f"SELECT COUNT(DISTINCT cm.exposed_id) AS n{FROM}{where}", *args
    )
    return int(rows[0]["n"])


async def entries(model_ids: list[str]) -> list[CatalogEntry]:
    """Catalog entries for these ids, in order: offerings from enabled shared connections."""
    found = await offerings(model_ids, usable_only=False, shared_only=True)
    offered: dict[str, list[Offering]] = defaultdict(list)
    switched: dict[str, bool] = {}
    for o in found:
        offered[o.model_id].append(Offering(o.connection_id, o.upstream_id, o.source))
        switched[o.model_id] = o.switched_on
    return [
        CatalogEntry(model_id, switched[model_id], tuple(offered[model_id]))
        for model_id in model_ids
        if offered[model_id]
    ]


async def models_of_connections(connection_ids: list[uuid.UUID]) -> list[list[dict[str, Any]]]:
    """DataLoader batch: every stored model of each connection, ordered by exposed id."""
    rows = (
        await ConnectionModel.select(
            ConnectionModel.connection,
            ConnectionModel.upstream_id,
            ConnectionModel.exposed_id,
            ConnectionModel.display_name,
            ConnectionModel.source,
        )
        .where(ConnectionModel.connection.is_in(connection_ids))
        .order_by(ConnectionModel.exposed_id)
    )
    grouped: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["connection"]].append(row)
    return [grouped[cid] for cid in connection_ids]


async def model_switches(model_ids: list[str]) -> list[bool]:
    """DataLoader batch: whether each exposed model id is enabled."""
    rows = await ModelSetting.select(ModelSetting.exposed_id, ModelSetting.enabled).where(
        ModelSetting.exposed_id.is_in(model_ids)
    )
    enabled = {row["exposed_id"]: bool(row["enabled"]) for row in rows}
    return [enabled.get(model_id, True) for model_id in model_ids]
