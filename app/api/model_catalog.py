"""The merged model catalog: queries and the model switches."""

from __future__ import annotations

import strawberry

from app.api.connections.types import LLMConnectionType
from app.api.context import Info
from app.api.model_catalog_types import ModelSource
from app.api.providers import Provider
from app.db.pagination import Page, PaginationError
from app.graphql.errors import UserError, bad_argument, maps_problems
from app.graphql.node import Node, register_node, to_global_id
from app.graphql.pagination import Connection, build_connection, load_page, page_request
from app.graphql.permissions import ADMIN_ONLY
from app.ids import uuid_of
from app.model_catalog import listing
from app.model_catalog.cache import Catalog, catalog
from app.model_catalog.store import set_model_enabled


@strawberry.type
class ModelOffering:
    upstream_id: str
    source: ModelSource
    connection_record: strawberry.Private[listing.Offering]

    @strawberry.field
    async def connection(self, info: Info) -> LLMConnectionType:
        record = await info.context.loaders["connections"].load(
            self.connection_record.connection_id
        )
        return LLMConnectionType.of(record)


@strawberry.type(description="A merged catalog entry: one per exposed model id.")
class Model(Node):
    model_id: str
    enabled: bool
    offerings: list[ModelOffering] = strawberry.field(
        description="Every enabled connection that serves it (a load-balancing group)."
    )

    @classmethod
    def of(cls, entry: listing.CatalogEntry) -> Model:
        return cls(
            id=to_global_id("Model", entry.model_id),
            model_id=entry.model_id,
            enabled=entry.enabled,
            offerings=[
                ModelOffering(
                    upstream_id=o.upstream_id, source=ModelSource(o.source), connection_record=o
                )
                for o in entry.offerings
            ],
        )


def _model_id(global_id: str) -> str | None:
    from app.ids import parse_global_id

    parsed = parse_global_id(global_id)
    return parsed[1] if parsed and parsed[0] == "Model" else None


@register_node("Model")
async def resolve_model(info: Info, global_id: str) -> Model | None:
    model_id = _model_id(global_id)
    found = await listing.entries([model_id]) if model_id else []
    return Model.of(found[0]) if found else None


@strawberry.input
class ModelFilter:
    connection_id: strawberry.ID | None = None
    provider: list[Provider] | None = None  # type: ignore[valid-type]
    enabled: bool | None = strawberry.field(
        default=True, description="Defaults to true: hidden models are left out unless asked for."
    )
    search: str | None = None


@strawberry.type
class ModelQueries:
    @strawberry.field(description="Every enabled connection's models, merged by exposed id.")
    async def models(
        self,
        info: Info,
        filter: ModelFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Model]:
        f = filter or ModelFilter()
        connection_id = uuid_of(f.connection_id, "LLMConnection") if f.connection_id else None
        if f.connection_id and connection_id is None:
            return build_connection(Page([], False, False), Model.of, _zero)
        query = listing.ModelQuery(connection_id, tuple(f.provider or ()), f.enabled, f.search)
        size = page_request(first, after).size()
        version = info.context.catalog_version
        if version is not None and not (f.search and f.search.strip()):
            held = await catalog(version)
            page = _from_memory(held, query, size, after)
            if page is not None:

                async def count() -> int:
                    return len(held.selection(query))

                return build_connection(page, Model.of, count)

        async def fetch() -> Page:
            ids, more = await listing.page_ids(query, size, after)
            return _page(await listing.entries(ids), more, after)

        return build_connection(
            await load_page(fetch), Model.of, lambda: listing.count_models(query)
        )


def _from_memory(
    held: Catalog, query: listing.ModelQuery, size: int, after: str | None
) -> Page | None:
    """The page from the cached catalog; None when the cursor's model is gone (SQL then finds
    the next one in the database's collation)."""
    try:
        found = held.page(query, size, after)
    except PaginationError as exc:
        raise bad_argument(str(exc)) from None
    if found is None:
        return None
    ids, more = found
    return _page([held.entries[i] for i in ids], more, after)


def _page(entries: list[listing.CatalogEntry], more: bool, after: str | None) -> Page:
    return Page(entries, more, after is not None, lambda e: listing.encode_cursor(e.model_id))


async def _zero() -> int:
    return 0


@strawberry.type
class ModelPayload:
    model: Model | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ModelMutations:
    @strawberry.mutation(
        permission_classes=ADMIN_ONLY, description="Hide or show a model; survives refreshes."
    )
    @maps_problems
    async def set_model_enabled(self, info: Info, id: strawberry.ID, enabled: bool) -> ModelPayload:
        model_id = _model_id(id) or ""
        await set_model_enabled(info.context.actor, model_id, enabled)
        found = await listing.entries([model_id])
        return ModelPayload(model=Model.of(found[0]) if found else None)
