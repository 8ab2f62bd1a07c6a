"""Usage over GraphQL: `usage(filter, groupBy)` buckets, `gatewayCalls` (newest first), and the
summaries and last-use times the connection and endpoint types show. Members see only their own
calls; admins see every call."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import strawberry
from strawberry.utils.str_converters import to_camel_case

from app.api.auth import ApiTokenType, User
from app.api.context import Info
from app.graphql.node import Node, to_global_id
from app.graphql.pagination import Connection, listed
from app.ids import uuid_of
from app.money import usd_of_picos
from app.usage.queries import (
    Bucket,
    Dimension,
    UsageQuery,
    call_listing,
    names_of,
    usage_buckets,
)
from app.usage.trace import DAY_MS, HOUR_MS

NOTHING = "-"  # a key no call has: what a filter naming something unknown matches


@strawberry.enum(name="UsageDimension")
class UsageDimension(Enum):
    CONNECTION = "CONNECTION"
    ENDPOINT = "ENDPOINT"
    USER = "USER"
    MODEL = "MODEL"
    HOUR = "HOUR"
    DAY = "DAY"


@strawberry.input(description="Which calls: a time range [from, to) and any of the others.")
class UsageFilter:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    connection_id: strawberry.ID | None = None
    endpoint_id: strawberry.ID | None = None
    user_id: strawberry.ID | None = None
    model: str | None = strawberry.field(default=None, description="As callers asked for it.")


@strawberry.type(description="Calls counted for one value of each asked dimension.")
class UsageBucket:
    connection_id: strawberry.ID | None = None
    connection_name: str | None = None
    endpoint_id: strawberry.ID | None = None
    endpoint_name: str | None = None
    user_id: strawberry.ID | None = None
    user_name: str | None = None
    model: str | None = None
    hour: datetime | None = None
    day: datetime | None = strawberry.field(default=None, description="Midnight UTC.")
    requests: int = 0
    errors: int = strawberry.field(default=0, description="Answered with HTTP 400 or above.")
    input_tokens: int = 0
    output_tokens: int = 0
    latency_p50_ms: float | None = strawberry.field(
        default=None, description="Estimated from latency buckets (as histogram_quantile does)."
    )
    latency_p95_ms: float | None = None
    cost_usd: Decimal | None = strawberry.field(
        default=None, description="What the priced calls cost; null when every call was unpriced."
    )
    unpriced_requests: int = strawberry.field(
        default=0,
        description="Calls that used tokens of a model with no price (never counted as $0).",
    )
    cached_input_tokens: int = strawberry.field(
        default=0, description="Of the input tokens, those read from the provider's cache."
    )


@strawberry.type(description="Calls through one connection or endpoint since a time.")
class UsageSummary:
    requests: int
    errors: int
    input_tokens: int
    output_tokens: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    cost_usd: Decimal | None = strawberry.field(
        description="What the priced calls cost; null when every call was unpriced."
    )
    unpriced_requests: int
    cached_input_tokens: int


def _money(b: Bucket) -> dict[str, Any]:
    """A bucket's cost fields (cost null when no call of it was priced)."""
    return {
        "cost_usd": usd_of_picos(b.cost_pusd) if b.priced else None,
        "unpriced_requests": b.unpriced,
        "cached_input_tokens": b.cached_input_tokens,
    }


T = TypeVar("T")

if TYPE_CHECKING:
    from app.api.connections.types import LLMConnectionType

CONNECTION_TYPES = "app.api.connections.types"


@strawberry.type(name="GatewayCall", description="One call through the gateway.")
class GatewayCallType(Node):
    at: datetime
    operation: str
    model: str = strawberry.field(description="As the caller asked for it.")
    upstream_model: str | None = strawberry.field(description="As sent to the provider.")
    status: int = strawberry.field(description="HTTP status answered; 499: the caller left.")
    attempts: int
    latency_ms: int
    time_to_first_token_ms: int | None
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int = strawberry.field(description="Of the input, read from the cache.")
    cache_write_tokens: int = strawberry.field(description="Of the input, written to the cache.")
    cost_usd: Decimal | None = strawberry.field(
        description="With the price in force when it was made; null: its model had no price."
    )
    user_id: strawberry.ID | None
    token_id: strawberry.ID | None
    connection_id: strawberry.ID | None
    endpoint_id: strawberry.ID | None
    workspace_id: strawberry.ID | None
    connection_key: strawberry.Private[str]
    user_key: strawberry.Private[str]
    token_key: strawberry.Private[str]

    @strawberry.field(description="The connection that served it; null once it is deleted.")
    async def connection(
        self, info: Info
    ) -> Annotated[LLMConnectionType, strawberry.lazy(CONNECTION_TYPES)] | None:
        from app.api.connections.types import LLMConnectionType  # it shows usage too

        return await _linked(info, "connections", self.connection_key, LLMConnectionType.of)

    @strawberry.field(description="Whose token made it.")
    async def user(self, info: Info) -> User | None:
        return await _linked(info, "users", self.user_key, User.of)

    @strawberry.field(description="The token that made it (revoked tokens included).")
    async def token(self, info: Info) -> ApiTokenType | None:
        return await _linked(info, "tokens", self.token_key, ApiTokenType.of)

    @classmethod
    def of(cls, row: dict[str, Any]) -> GatewayCallType:
        def ref(type_name: str, key: str) -> strawberry.ID | None:
            return to_global_id(type_name, row[key]) if row[key] else None

        return cls(
            id=to_global_id("GatewayCall", row["id"]),
            at=_time(row["started_ms"]),
            operation=row["operation"],
            model=row["model"],
            upstream_model=row["upstream_model"] or None,
            status=row["status"],
            attempts=row["attempts"],
            latency_ms=row["latency_ms"],
            time_to_first_token_ms=row["first_token_ms"],
            input_tokens=row["input_tokens"],
            output_tokens=row["output_tokens"],
            cached_input_tokens=row["cached_input_tokens"],
            cache_write_tokens=row["cache_write_tokens"],
            cost_usd=None if row["cost_pusd"] is None else usd_of_picos(row["cost_pusd"]),
            user_id=ref("User", "user_key"),
            token_id=ref("ApiToken", "token_key"),
            connection_id=ref("LLMConnection", "connection_key"),
            endpoint_id=ref("Endpoint", "endpoint_key"),
            workspace_id=ref("Workspace", "workspace_key"),
            connection_key=row["connection_key"],
            user_key=row["user_key"],
            token_key=row["token_key"],
        )


async def _linked(info: Info, loader: str, key: str, of: Callable[[Any], T]) -> T | None:
    """What a call links to, by its key, through the request's batch loader (one query a page)."""
    if not key:
        return None
    found = await info.context.loaders[loader].load(uuid.UUID(key))
    return of(found) if found else None


def _time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def _key(global_id: strawberry.ID | None, type_name: str) -> str | None:
    if global_id is None:
        return None
    found = uuid_of(global_id, type_name)
    return str(found) if found else NOTHING


async def written(info: Info) -> None:
    """This instance's queued calls written first, so a caller reads its own calls at once
    (other instances' arrive within their flush interval, a second)."""
    await info.context.services.usage.recorder.flush()


def visible_query(info: Info, f: UsageFilter | None) -> UsageQuery:
    """The filter as asked, narrowed to the viewer's own calls unless an admin asks."""
    query = _query_of(f or UsageFilter())
    if not info.context.viewer.is_admin:
        own = str(info.context.viewer.user_id)
        query = replace(query, user=own if query.user in (None, own) else NOTHING)
    return query


def _query_of(f: UsageFilter) -> UsageQuery:
    return UsageQuery(
        from_ms=_ms(f.from_),
        to_ms=_ms(f.to),
        connection=_key(f.connection_id, "LLMConnection"),
        endpoint=_key(f.endpoint_id, "Endpoint"),
        user=_key(f.user_id, "User"),
        model=f.model,
    )


def asked_usage(arguments: Mapping[str, Any]) -> tuple[UsageQuery, list[Dimension]]:
    """A `usage` field's arguments as a document writes them, before they are checked (for the
    cost gate): its query and its dimensions. What is malformed counts as not given; the field
    is refused for it when it runs."""
    raw = arguments.get("filter")
    raw = raw if isinstance(raw, Mapping) else {}
    values: dict[str, Any] = {}
    for f in UsageFilter.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        value = raw.get(f.graphql_name or to_camel_case(f.python_name))
        values[f.python_name] = value if isinstance(value, str) else None
    values["from_"], values["to"] = _moment(values["from_"]), _moment(values["to"])
    group_by = arguments.get("groupBy")
    names = group_by if isinstance(group_by, list) else [group_by]
    dims = [Dimension[n] for n in names if isinstance(n, str) and n in Dimension.__members__]
    return _query_of(UsageFilter(**values)), dims


def _moment(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value is not None else None
    except ValueError:
        return None


async def summary(info: Info, since: datetime | None, kind: str, key: str) -> UsageSummary:
    """A connection's or endpoint's totals (batched: one query for a whole page of them)."""
    user = visible_query(info, None).user
    await written(info)
    found = await info.context.loaders["usage_summaries"].load((kind, key, _ms(since), user))
    b = found or Bucket({}, 0, 0, 0, 0, None, None)
    return UsageSummary(
        requests=b.requests,
        errors=b.errors,
        input_tokens=b.input_tokens,
        output_tokens=b.output_tokens,
        latency_p50_ms=b.latency_p50_ms,
        latency_p95_ms=b.latency_p95_ms,
        **_money(b),
    )


async def _buckets_out(buckets: Sequence[Bucket]) -> list[UsageBucket]:
    """Each bucket with the names of what it counts (one query per kind named)."""
    names = await names_of(buckets)
    out = []
    for b in buckets:
        item = UsageBucket(
            requests=b.requests,
            errors=b.errors,
            input_tokens=b.input_tokens,
            output_tokens=b.output_tokens,
            latency_p50_ms=b.latency_p50_ms,
            latency_p95_ms=b.latency_p95_ms,
            **_money(b),
        )
        _set_dimensions(item, b.values, names)
        out.append(item)
    return out


def _set_dimensions(
    item: UsageBucket, values: dict[Dimension, Any], names: dict[Dimension, dict[str, str]]
) -> None:
    for dim, type_name, attr in (
        (Dimension.CONNECTION, "LLMConnection", "connection"),
        (Dimension.ENDPOINT, "Endpoint", "endpoint"),
        (Dimension.USER, "User", "user"),
    ):
        key = values.get(dim)
        if key:
            setattr(item, f"{attr}_id", to_global_id(type_name, key))
            setattr(item, f"{attr}_name", names[dim].get(key))
    if Dimension.MODEL in values:
        item.model = values[Dimension.MODEL]
    if Dimension.HOUR in values:
        item.hour = _time(int(values[Dimension.HOUR]) * HOUR_MS)
    if Dimension.DAY in values:
        item.day = _time(int(values[Dimension.DAY]) * DAY_MS)


@strawberry.type
class UsageQueries:
    @strawberry.field(
        description="Gateway calls counted by the asked dimensions (none: one total). Members "
        "count their own calls only."
    )
    async def usage(
        self, info: Info, group_by: list[UsageDimension], filter: UsageFilter | None = None
    ) -> list[UsageBucket]:
        dims = [Dimension[d.value] for d in group_by]
        await written(info)
        return await _buckets_out(await usage_buckets(visible_query(info, filter), dims))

    @strawberry.field(description="Newest first. Members see their own calls only.")
    async def gateway_calls(
        self,
        info: Info,
        filter: UsageFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[GatewayCallType]:
        listing = call_listing(visible_query(info, filter))
        await written(info)
        return await listed(listing, GatewayCallType.of, first, after)
