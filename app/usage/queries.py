"""Usage answered in SQL on either database: whole days from usage_day, whole hours from
usage_hour, and the partial hours at either end of the asked range from gateway_call itself (by
the time index), summed together per asked dimension. Only percentiles are finished in Python,
from the summed bucket counts."""

from __future__ import annotations

import math
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from app.db.pagination import Listing, OrderKey
from app.db.recent import Recent
from app.db.tables import AppUser, Endpoint, GatewayCall, LastUse, LLMConnection, UsageDay
from app.usage.buckets import COUNT, percentile
from app.usage.store import DAYS, HOURS, KEY_COLUMNS, LATENCY_AT, NAMES, SUMS, Period
from app.usage.trace import DAY_MS, HOUR_MS

LATENCY = tuple(f"lat_{i}" for i in range(COUNT))
BASE = ("hour", *NAMES)


class Dimension(Enum):
    CONNECTION = "connection_key"
    ENDPOINT = "endpoint_key"
    USER = "user_key"
    MODEL = "model"
    HOUR = "hour"
    DAY = "hour / 24"


@dataclass(frozen=True)
class UsageQuery:
    from_ms: int | None = None
    to_ms: int | None = None
    connection: str | None = None  # the keys as stored: ids as text
    endpoint: str | None = None
    user: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class Bucket:
    values: dict[Dimension, Any]  # CONNECTION/ENDPOINT/USER: id text or None; HOUR/DAY: index
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    cached_input_tokens: int = 0
    cost_pusd: int = 0  # the priced calls' cost, in pico-dollars
    unpriced: int = 0  # calls that used tokens with no price known

    @property
    def priced(self) -> bool:
        """Whether any call was priced (a bucket of unpriced calls alone has no cost)."""
        return self.unpriced < self.requests


COUNTED = SUMS[:LATENCY_AT]  # what usage_hour sums besides latency buckets


async def usage_buckets(query: UsageQuery, group_by: Sequence[Dimension]) -> list[Bucket]:
    dims = list(dict.fromkeys(group_by))
    parts, params = _parts(query, Dimension.HOUR in dims)
    if not parts:
        return []
    outer = [f"{d.value} AS d{i}" for i, d in enumerate(dims)]
    sums = [f"SUM({c}) AS {c}" for c in (*COUNTED, *LATENCY)]
    sql = f"SELECT {', '.join(outer + sums)} FROM ({' UNION ALL '.join(parts)}) AS t"  # noqa: S608
    if dims:
        grouped = ", ".join(f"d{i}" for i in range(len(dims)))
        sql += f" GROUP BY {grouped} ORDER BY {grouped}"
    rows = await GatewayCall.raw(sql, *params)
    return [_bucket(row, dims) for row in rows if row["requests"]]


def _bucket(row: dict[str, Any], dims: list[Dimension]) -> Bucket:
    counts = [int(row[c] or 0) for c in LATENCY]
    values = {d: row[f"d{i}"] for i, d in enumerate(dims)}
    for d in (Dimension.CONNECTION, Dimension.ENDPOINT, Dimension.USER):
        if d in values:
            values[d] = values[d] or None
    return Bucket(
        values=values,
        requests=int(row["requests"]),
        errors=int(row["errors"] or 0),
        input_tokens=int(row["input_tokens"] or 0),
        output_tokens=int(row["output_tokens"] or 0),
        latency_p50_ms=percentile(counts, 0.5),
        latency_p95_ms=percentile(counts, 0.95),
        cached_input_tokens=int(row["cached_input_tokens"] or 0),
        cost_pusd=int(row["cost_pusd"] or 0),
        unpriced=int(row["unpriced"] or 0),
    )


def _parts(query: UsageQuery, by_hour: bool) -> tuple[list[str], list[Any]]:
    """The sub-selects and their params: whole days from usage_day (unless grouped by hour),
    whole hours from usage_hour, and the partial hours at either end from gateway_call."""
    start = query.from_ms or 0
    first_hour = math.ceil(start / HOUR_MS)
    end_hour = query.to_ms // HOUR_MS if query.to_ms is not None else None
    parts: list[str] = []
    params: list[Any] = []
    if end_hour is not None and first_hour >= end_hour:  # within one hour, or two partial ones
        edges = [(start, query.to_ms)] if query.to_ms is not None else []
    else:
        edges = [(start, first_hour * HOUR_MS)]
        if end_hour is not None and query.to_ms is not None:
            edges.append((end_hour * HOUR_MS, query.to_ms))
        for period, low, high in _whole(first_hour, end_hour, by_hour):
            parts.append(_counted(query, period, low, high, params))
    for low, high in edges:
        if high is not None and low < high:
            parts.append(_calls(query, low, high, params))
    return parts, params


def _whole(first: int, end: int | None, by_hour: bool) -> list[tuple[Period, int, int | None]]:
    """Whole hours [first, end) as whole days and the hours either side of them."""
    first_day = math.ceil(first / DAYS.hours)
    end_day = end // DAYS.hours if end is not None else None
    if by_hour or (end_day is not None and first_day >= end_day):
        return [(HOURS, first, end)]
    found = [(DAYS, first_day, end_day), (HOURS, first, first_day * DAYS.hours)]
    if end is not None and end_day is not None:
        found.append((HOURS, end_day * DAYS.hours, end))
    return [(period, low, high) for period, low, high in found if high is None or low < high]


def named(query: UsageQuery) -> dict[Dimension, str | None]:
    """The one connection, endpoint, user or model a query names of each (None: every one);
    each dimension's value is the column that holds it."""
    return {
        Dimension.CONNECTION: query.connection,
        Dimension.ENDPOINT: query.endpoint,
        Dimension.USER: query.user,
        Dimension.MODEL: query.model,
    }


def _filters(query: UsageQuery, params: list[Any]) -> list[str]:
    where = []
    for dim, value in named(query).items():
        if value is not None:
            where.append(f"{dim.value} = {{}}")
            params.append(value)
    return where


def _counted(query: UsageQuery, period: Period, low: int, high: int | None, params: list) -> str:
    """Counted periods [low, high) of usage_hour or usage_day, each as its first hour."""
    where = [f"{period.column} >= {{}}"] + ([f"{period.column} < {{}}"] if high is not None else [])
    params.extend(b for b in (low, high) if b is not None)
    where += _filters(query, params)
    hour = "hour" if period is HOURS else f"{period.column} * {period.hours} AS hour"
    columns = ", ".join((hour, *NAMES, *COUNTED, *LATENCY))
    return f"SELECT {columns} FROM {period.table} WHERE {' AND '.join(where)}"  # noqa: S608


def _calls(query: UsageQuery, low: int, high: int, params: list[Any]) -> str:
    params.extend((low, high))
    where = ["started_ms >= {}", "started_ms < {}", *_filters(query, params)]
    latency = ", ".join(
        f"SUM(CASE WHEN latency_bucket = {i} THEN 1 ELSE 0 END) AS lat_{i}" for i in range(COUNT)
    )
    return (
        f"SELECT {', '.join(BASE)}, COUNT(*) AS requests,"  # noqa: S608
        " SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,"
        f" SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,"
        " SUM(cached_input_tokens) AS cached_input_tokens, SUM(cost_pusd) AS cost_pusd,"
        " SUM(CASE WHEN cost_pusd IS NULL THEN 1 ELSE 0 END) AS unpriced, "
        f"{latency}"
        f" FROM gateway_call WHERE {' AND '.join(where)} GROUP BY {', '.join(BASE)}"
    )


async def last_uses(subjects: Sequence[str]) -> list[int | None]:
    """The last call time (epoch ms) of each subject ('connection:<id>'...), in order."""
    if not subjects:
        return []
    rows = await LastUse.select(LastUse.subject, LastUse.last_ms).where(
        LastUse.subject.is_in(list(subjects))
    )
    found = {row["subject"]: row["last_ms"] for row in rows}
    return [found.get(subject) for subject in subjects]


async def calls_since(column: str, keys: Sequence[str], since_ms: int) -> dict[str, int]:
    """How many calls each key (of `column`: endpoint_key, workspace_key...) made since then."""
    if not keys:
        return {}
    marks = ", ".join("{}" for _ in keys)
    sql = (
        f"SELECT {column} AS k, COUNT(*) AS n FROM gateway_call"  # noqa: S608
        f" WHERE {column} IN ({marks}) AND started_ms >= {{}} GROUP BY {column}"
    )
    rows = await GatewayCall.raw(sql, *keys, since_ms)
    return {row["k"]: int(row["n"]) for row in rows}


async def recent_calls(subjects: Sequence[tuple[str, str]]) -> list[int]:
    """DataLoader batch: calls in the last 24 hours per (kind, id)."""
    since = int(time.time() * 1000) - DAY_MS
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, key in subjects:
        by_kind[kind].append(key)
    counts = {
        kind: await calls_since(KEY_COLUMNS[kind], keys, since) for kind, keys in by_kind.items()
    }
    return [counts[kind].get(key, 0) for kind, key in subjects]


@dataclass(frozen=True)
class DirectUse:
    """Gateway calls through a connection by model id (no endpoint, no workspace)."""

    calls: int
    last_ms: int | None
    token_keys: tuple[str, ...]  # the callers' tokens, busiest first


async def direct_use(connection_id: str, since_ms: int) -> DirectUse:
    rows = await GatewayCall.raw(
        "SELECT token_key, COUNT(*) AS n, MAX(started_ms) AS last FROM gateway_call"
        " WHERE connection_key = {} AND started_ms >= {} AND endpoint_key = {}"
        " AND workspace_key = {} GROUP BY token_key ORDER BY COUNT(*) DESC",
        connection_id,
        since_ms,
        "",
        "",
    )
    calls = sum(int(row["n"]) for row in rows)
    last = max((int(row["last"]) for row in rows), default=None)
    return DirectUse(calls, last, tuple(row["token_key"] for row in rows))


SummaryKey = tuple[str, str, int | None, str | None]  # kind, id, since (ms), user (None: all)


async def summaries(keys: Sequence[SummaryKey]) -> list[Bucket | None]:
    """DataLoader batch: each connection's or endpoint's totals since a time, one query per
    (kind, since, user) however many are asked."""
    groups: dict[tuple[str, int | None, str | None], list[int]] = defaultdict(list)
    for index, (kind, _, since, user) in enumerate(keys):
        groups[(kind, since, user)].append(index)
    found: list[Bucket | None] = [None] * len(keys)
    for (kind, since, user), indexes in groups.items():
        dim = Dimension.CONNECTION if kind == "connection" else Dimension.ENDPOINT
        buckets = await usage_buckets(UsageQuery(from_ms=since, user=user), [dim])
        by_key = {b.values[dim]: b for b in buckets}
        for index in indexes:
            found[index] = by_key.get(keys[index][1])
    return found


def call_listing(query: UsageQuery) -> Listing:
    """The gateway calls a query selects, newest first."""
    where: list[Any] = []
    if query.from_ms is not None:
        where.append(GatewayCall.started_ms >= query.from_ms)
    if query.to_ms is not None:
        where.append(GatewayCall.started_ms < query.to_ms)
    for dim, value in named(query).items():
        if value is not None:
            where.append(GatewayCall._meta.get_column_by_name(dim.value) == value)
    newest = [
        OrderKey(GatewayCall.started_ms, descending=True),
        OrderKey(GatewayCall.id, descending=True),
    ]
    return Listing(GatewayCall, where, newest)


NAMED: dict[Dimension, Any] = {
    Dimension.CONNECTION: LLMConnection,
    Dimension.ENDPOINT: Endpoint,
    Dimension.USER: AppUser,
}


async def names_of(buckets: Sequence[Bucket]) -> dict[Dimension, dict[str, str]]:
    """The names of the connections, endpoints and users buckets count, one query per kind."""
    names: dict[Dimension, dict[str, str]] = {}
    for dim, table in NAMED.items():
        ids = [uuid.UUID(k) for k in {b.values.get(dim) or "" for b in buckets} if k]
        rows = await table.select(table.id, table.name).where(table.id.is_in(ids)) if ids else []
        names[dim] = {str(row["id"]): row["name"] for row in rows}
    return names


SpendAsked = tuple[int, str | None, str]  # since (epoch ms), a kind of KEY_COLUMNS or None, its id


async def spent_since(asked: Sequence[SpendAsked]) -> list[tuple[int, int]]:
    """What the recorded calls of each (kind, id) cost (pico-dollars, priced calls only) and
    used (input plus output tokens) since a time; kind None: every call. One statement."""
    parts: list[str] = []
    params: list[Any] = []
    for i, (since_ms, kind, key) in enumerate(asked):
        where = "started_ms >= {}"
        params.append(since_ms)
        if kind is not None:
            where += f" AND {KEY_COLUMNS[kind]} = {{}}"
            params.append(key)
        parts.append(
            f"SELECT {i} AS i, SUM(cost_pusd) AS usd,"  # noqa: S608 (constant names only)
            f" SUM(input_tokens + output_tokens) AS tokens FROM gateway_call WHERE {where}"
        )
    rows = await GatewayCall.raw(" UNION ALL ".join(parts), *params) if parts else []
    found = {int(row["i"]): (int(row["usd"] or 0), int(row["tokens"] or 0)) for row in rows}
    return [found.get(i, (0, 0)) for i in range(len(asked))]


@dataclass(frozen=True)
class UsageShape:
    """How varied the counted usage is, for the cost gate: what bounds the buckets a usage
    query can answer (most_buckets)."""

    distinct: dict[Dimension, int]  # CONNECTION, ENDPOINT, USER, MODEL
    first_day: int | None  # epoch days (UTC) of the oldest and newest counts
    last_day: int | None

    def days(self, from_ms: int | None, to_ms: int | None, now_ms: int) -> int:
        """Days of the range [from, to) that hold counts."""
        if self.first_day is None or self.last_day is None:
            return 0
        first = self.first_day if from_ms is None else max(self.first_day, from_ms // DAY_MS)
        last = min(self.last_day, now_ms // DAY_MS)
        if to_ms is not None:
            last = min(last, (to_ms - 1) // DAY_MS)
        return max(0, last - first + 1)


def most_buckets(
    shape: UsageShape, query: UsageQuery, group_by: Sequence[Dimension], now_ms: int
) -> int:
    """The most buckets usage_buckets can answer: the product of each dimension's distinct
    values (one where the query names it) and the days, or hours, of its range."""
    days = shape.days(query.from_ms, query.to_ms, now_ms)
    given = named(query)
    size = 1
    for dim in set(group_by):
        if dim is Dimension.DAY:
            size *= days
        elif dim is Dimension.HOUR:
            size *= days * DAYS.hours
        else:
            size *= 1 if given[dim] is not None else shape.distinct[dim]
    return size


SHAPE: Recent[UsageShape] = Recent(ttl=30.0)  # usage writes move no cache generation


async def usage_shape() -> UsageShape:
    """One statement over the daily counts (a few thousand rows at ten million calls), read at
    most every 30 seconds."""
    return await SHAPE.get("shape", _read_shape)


async def _read_shape() -> UsageShape:
    kinds = list(named(UsageQuery()))
    counts = ", ".join(f"COUNT(DISTINCT {d.value}) AS n_{d.name.lower()}" for d in kinds)
    sql = f"SELECT {counts}, MIN(day) AS first, MAX(day) AS last FROM usage_day"  # noqa: S608
    [row] = await UsageDay.raw(sql)
    return UsageShape(
        {d: int(row[f"n_{d.name.lower()}"] or 0) for d in kinds}, row["first"], row["last"]
    )
