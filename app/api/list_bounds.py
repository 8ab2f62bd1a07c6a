"""How long the schema's unpaginated lists can be now, for the cost gate (app.graphql.cost): a
list is priced at what bounds it rather than at a guess, so an ordinary query over real data is
admitted (200 models with their offerings, say), and one that fans out over data that exists is
still refused. Only the lists a document selects are looked at. A bound comes from what the
request reads anyway (the provider catalog in code; the model catalog held in memory, which
the `models` resolver then serves from) or, for the lists whose length is a table's, from one
statement counting those tables."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from graphql import DocumentNode, FieldNode, GraphQLSchema, value_from_ast_untyped

from app.db.counts import row_counts
from app.graphql.cost import Bound, bounded_lists
from app.model_catalog.cache import catalog
from app.providers.catalog import CATALOG
from app.spend.prices import default_lists
from app.usage.queries import Dimension, UsageShape, usage_shape

SPECS = CATALOG.values()
FIXED: dict[tuple[str, str], float] = {
    ("Query", "providers"): len(CATALOG),
    ("ProviderInfo", "authMethods"): max(len(s.auth_methods) for s in SPECS),
    ("ProviderInfo", "authOptions"): max(len(s.auth_methods) for s in SPECS),
    ("ProviderInfo", "configFields"): max(len(s.config_fields) for s in SPECS),
}
OFFERINGS = ("Model", "offerings")
# A list no longer than these tables' rows together (a connection's dependents are endpoints
# and workspaces; a refresh answers each connection once...).
COUNTED: dict[tuple[str, str], tuple[str, ...]] = {
    ("LLMConnection", "dependents"): ("endpoint", "workspace"),
    ("Query", "dependents"): ("endpoint", "workspace"),
    ("DeleteConnectionPayload", "dependents"): ("endpoint", "workspace"),
    ("RefreshModelsPayload", "results"): ("llm_connection",),
    ("Query", "budgets"): ("budget",),
    ("Query", "modelPrices"): ("model_price",),
}
USAGE = ("Query", "usage")
DAY_SECONDS = 86_400
# A filter naming one of these leaves that dimension one value.
NARROWED = {
    "connectionId": Dimension.CONNECTION,
    "endpointId": Dimension.ENDPOINT,
    "userId": Dimension.USER,
    "model": Dimension.MODEL,
}


async def list_bounds(
    document: DocumentNode, schema: GraphQLSchema, context: Any, max_fields: int
) -> dict[tuple[str, str], Bound]:
    """The bounds of the lists `document` selects (those the API knows a bound for)."""
    asked = bounded_lists(document, schema, max_fields)
    bounds: dict[tuple[str, str], Bound] = {
        key: value for key, value in FIXED.items() if key in asked
    }
    if USAGE in asked:
        bounds[USAGE] = usage_buckets_bound(await usage_shape(), time.time())
    if OFFERINGS in asked and context.catalog_version is not None:
        held = await catalog(context.catalog_version)
        # Every shared connection that offers a model, and a member's own one besides.
        bounds[OFFERINGS] = held.most_offerings() + 1
    counted = [key for key in COUNTED if key in asked]
    if counted:
        rows = await row_counts(t for key in counted for t in COUNTED[key])
        for key in counted:
            bounds[key] = sum(rows[t] for t in COUNTED[key])
        if ("Query", "modelPrices") in counted:  # the admin's, and the shipped ones
            shipped = sum(len(lst.prices) for lst in default_lists())
            bounds[("Query", "modelPrices")] = rows["model_price"] + shipped
    return bounds


def usage_buckets_bound(
    shape: UsageShape, now: float
) -> Callable[[FieldNode, Mapping[str, Any]], float]:
    """The most buckets a `usage` field can answer, from its own arguments: the product of its
    dimensions' distinct values in the counts (one where its filter names it), days (or hours)
    in its range among the days counted."""

    def bound(node: FieldNode, variables: Mapping[str, Any]) -> float:
        arguments = node.arguments or ()
        given = {a.name.value: value_from_ast_untyped(a.value, dict(variables)) for a in arguments}
        group_by = given.get("groupBy") or []
        group_by = group_by if isinstance(group_by, list) else [group_by]
        given_filter = given.get("filter")
        where = given_filter if isinstance(given_filter, dict) else {}
        days = _days(shape, where, now)
        size = 1.0
        for name in {str(d) for d in group_by}:
            dim = Dimension.__members__.get(name)
            if dim is Dimension.DAY:
                size *= days
            elif dim is Dimension.HOUR:
                size *= days * 24
            elif dim is not None:
                narrowed = any(where.get(k) and d is dim for k, d in NARROWED.items())
                size *= 1 if narrowed else shape.distinct.get(dim, 1)
        return size

    return bound


def _days(shape: UsageShape, where: Mapping[str, Any], now: float) -> int:
    """Days of the asked range [from, to) that hold counts."""
    if shape.first_day is None or shape.last_day is None:
        return 0
    first = max(shape.first_day, _day(where.get("from"), shape.first_day))
    last = min(shape.last_day, int(now // DAY_SECONDS), _day(where.get("to"), shape.last_day))
    return max(0, last - first + 1)


def _day(value: Any, otherwise: int) -> int:
    try:
        return int(datetime.fromisoformat(str(value)).timestamp() // DAY_SECONDS)
    except (TypeError, ValueError, OverflowError):
        return otherwise
