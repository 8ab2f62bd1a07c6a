"""How long the schema's unpaginated lists can be now, for the cost gate (app.graphql.cost): a
list is priced at what bounds it rather than at a guess, so an ordinary query over real data is
admitted (200 models with their offerings, say), and one that fans out over data that exists is
still refused. Only the lists a document selects are looked at. A bound comes from what the
request reads anyway (the provider catalog in code; the model catalog held in memory, which
the `models` resolver then serves from) or, for the lists whose length is a table's, from one
statement counting those tables."""

from __future__ import annotations

from typing import Any

from graphql import DocumentNode, GraphQLSchema

from app.db.counts import row_counts
from app.graphql.cost import bounded_lists
from app.model_catalog.cache import catalog
from app.providers.catalog import CATALOG
from app.spend.prices import default_lists

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


async def list_bounds(
    document: DocumentNode, schema: GraphQLSchema, context: Any, max_fields: int
) -> dict[tuple[str, str], float]:
    """The bounds of the lists `document` selects (those the API knows a bound for)."""
    asked = bounded_lists(document, schema, max_fields)
    bounds = {key: value for key, value in FIXED.items() if key in asked}
    if OFFERINGS in asked and context.catalog_version is not None:
        held = await catalog(context.catalog_version)
        # Every shared connection that offers a model, and a member's own one besides.
        bounds[OFFERINGS] = held.most_offerings() + 1
    counted = [key for key in COUNTED if key in asked]
    if counted:
        rows = await row_counts(t for key in counted for t in COUNTED[key])
        for key in counted:
            bounds[key] = sum(rows[t] for t in COUNTED[key])
        if ("Query", "modelPrices") in bounds:  # the admin's, and the shipped ones
            bounds[("Query", "modelPrices")] += sum(len(lst.prices) for lst in default_lists())
    return bounds
