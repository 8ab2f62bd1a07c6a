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
from typing import Any

from graphql import DocumentNode, FieldNode, GraphQLSchema, value_from_ast_untyped

from app.api.usage import asked_usage
from app.db.counts import row_counts
from app.graphql.cost import Bound, bounded_lists
from app.model_catalog.cache import catalog
from app.providers.catalog import CATALOG
from app.spend.prices import default_lists
from app.usage.queries import UsageShape, most_buckets, usage_shape

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


async def list_bounds(
    document: DocumentNode, schema: GraphQLSchema, context: Any, max_fields: int
) -> dict[tuple[str, str], Bound]:
    """The bounds of the lists `document` selects (those the API knows a bound for)."""
    asked = bounded_lists(document, schema, max_fields)
    bounds: dict[tuple[str, str], Bound] = {
        key: value for key, value in FIXED.items() if key in asked
    }
    if USAGE in asked:
        bounds[USAGE] = usage_buckets_bound(await usage_shape(), int(time.time() * 1000))
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
    shape: UsageShape, now_ms: int
) -> Callable[[FieldNode, Mapping[str, Any]], float]:
    """The most buckets a `usage` field can answer, from its own arguments (most_buckets)."""

    def bound(node: FieldNode, variables: Mapping[str, Any]) -> float:
        written = dict(variables)
        arguments = {
            a.name.value: value_from_ast_untyped(a.value, written) for a in node.arguments or ()
        }
        query, group_by = asked_usage(arguments)
        return most_buckets(shape, query, group_by, now_ms)

    return bound
