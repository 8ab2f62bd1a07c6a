"""Writing a batch of finished calls: their gateway_call rows, the hourly and daily counts they
add to and the last-use times they move, in one transaction (all or nothing, so the counts always
equal the calls kept)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from app.db.bulk import insert_many
from app.db.engine import write_transaction
from app.db.tables import GatewayCall, LastUse, UsageHour
from app.usage.buckets import COUNT
from app.usage.trace import HOURS_A_DAY

ROWS_PER_STATEMENT = 500  # far below either database's limit on bound parameters
CALL_COLUMNS = tuple(column._meta.db_column_name for column in GatewayCall._meta.columns)
NAMES = ("connection_key", "endpoint_key", "user_key", "model")  # what a count is kept per
SUMS = (
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cost_pusd",
    "unpriced",
    *(f"lat_{i}" for i in range(COUNT)),
)
LATENCY_AT = SUMS.index("lat_0")


@dataclass(frozen=True)
class Period:
    """A table of counts per period (usage_hour, usage_day) and how a call's hour maps to it."""

    table: str
    column: str
    hours: int

    @property
    def upsert(self) -> str:
        # Built from the constant names above only; values are always bound parameters.
        key = ", ".join((self.column, *NAMES))
        added = ", ".join(f"{c} = {self.table}.{c} + excluded.{c}" for c in SUMS)
        return (
            f"INSERT INTO {self.table} ({key}, {', '.join(SUMS)}) VALUES {{rows}}"  # noqa: S608
            f" ON CONFLICT ({key}) DO UPDATE SET {added}"
        )


HOURS = Period("usage_hour", "hour", 1)
DAYS = Period("usage_day", "day", HOURS_A_DAY)


def days_from_hours(hours: str = "") -> str:
    """The statement that counts usage_day's rows again from usage_hour's, for the hours the
    condition `hours` keeps (a SQL condition on `hour`, with placeholders; empty: all)."""
    day = f"hour / {HOURS_A_DAY}"
    where = f" WHERE {hours}" if hours else ""
    return (
        f"INSERT INTO {DAYS.table} ({DAYS.column}, {', '.join(NAMES)}, {', '.join(SUMS)})"  # noqa: S608
        f" SELECT {day}, {', '.join(NAMES)}, {', '.join(f'SUM({c})' for c in SUMS)}"
        f" FROM {HOURS.table}{where} GROUP BY {day}, {', '.join(NAMES)}"
    )


LAST_USE_SQL = (
    "INSERT INTO last_use (subject, last_ms) VALUES {rows} ON CONFLICT (subject)"
    " DO UPDATE SET last_ms = {greatest}(last_use.last_ms, excluded.last_ms)"
)
# Each kind of thing a call names, and the gateway_call column that holds its id.
KEY_COLUMNS = {
    "connection": "connection_key",
    "endpoint": "endpoint_key",
    "workspace": "workspace_key",
    "token": "token_key",
    "user": "user_key",
}
SUBJECTS = tuple(  # what last_use remembers
    (kind, KEY_COLUMNS[kind]) for kind in ("connection", "endpoint", "workspace", "token")
)


async def write_batch(rows: Sequence[dict[str, Any]]) -> None:
    engine = GatewayCall._meta.db
    async with write_transaction(engine, cached=False):
        await insert_many(
            GatewayCall, CALL_COLUMNS, [[_value(row, c) for c in CALL_COLUMNS] for row in rows]
        )
        for period in (HOURS, DAYS):
            await _add_counts(period, rows)
        await _move_last_use(rows, "MAX" if isinstance(engine, SQLiteEngine) else "GREATEST")


# What a record journaled before these columns existed holds: no cache counts, no known cost.
ADDED_LATER = {"cached_input_tokens": 0, "cache_write_tokens": 0, "cost_pusd": None}


def _value(row: dict[str, Any], column: str) -> Any:
    return row[column] if column in row else ADDED_LATER[column]


def counts_of(rows: Sequence[dict[str, Any]], hours: int = 1) -> dict[tuple[Any, ...], list[int]]:
    """The sums of these calls per period of `hours` (1: hours, 24: days) and names."""
    counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(SUMS))
    for row in rows:
        sums = counts[(row["hour"] // hours, *(row[k] for k in NAMES))]
        sums[0] += 1
        sums[1] += row["status"] >= 400
        sums[2] += row["input_tokens"]
        sums[3] += row["output_tokens"]
        sums[4] += row.get("cached_input_tokens", 0)
        cost = row.get("cost_pusd")
        sums[5] += cost or 0
        sums[6] += cost is None
        sums[LATENCY_AT + row["latency_bucket"]] += 1
    return counts


async def _add_counts(period: Period, rows: Sequence[dict[str, Any]]) -> None:
    items = list(counts_of(rows, period.hours).items())
    width = 1 + len(NAMES) + len(SUMS)
    per_statement = ROWS_PER_STATEMENT // 10
    for start in range(0, len(items), per_statement):
        chunk = items[start : start + per_statement]
        values = ", ".join("(" + ", ".join(["{}"] * width) + ")" for _ in chunk)
        params = [value for key, sums in chunk for value in (*key, *sums)]
        await UsageHour.raw(period.upsert.format(rows=values), *params)


async def _move_last_use(rows: Sequence[dict[str, Any]], greatest: str) -> None:
    latest: dict[str, int] = {}
    for row in rows:
        for kind, column in SUBJECTS:
            if row[column]:
                subject = f"{kind}:{row[column]}"
                latest[subject] = max(latest.get(subject, 0), row["started_ms"])
    pairs = list(latest.items())
    for start in range(0, len(pairs), ROWS_PER_STATEMENT):
        chunk = pairs[start : start + ROWS_PER_STATEMENT]
        values = ", ".join("({}, {})" for _ in chunk)
        sql = LAST_USE_SQL.replace("{greatest}", greatest).format(rows=values)
        await LastUse.raw(sql, *(value for pair in chunk for value in pair))
