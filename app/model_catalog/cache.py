"""The merged catalog held in memory while the database says it still holds.

Grouping 20,000 offerings by model id, counting them and gathering a page's offerings cost the
database three scans per `models` page. Here one read of every offering builds the catalog; it
serves every page, count and filter (but a search, which stays in SQL) until the catalog version
moves. Triggers move it on every write to connection_model, model_setting and llm_connection
(migration 2026-12-04T03:10:02), whoever writes, so every instance sees a change on its next
request; a write by this process (even earlier in the same request) rebuilds it too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from app.db.engine import write_generation
from app.db.tables import ConnectionModel
from app.model_catalog.listing import (
    CatalogEntry,
    ModelQuery,
    Offering,
    decode_cursor,
    offerings,
)


@dataclass
class Catalog:
    ids: list[str]  # in the database's order
    position: dict[str, int]
    entries: dict[str, CatalogEntry]
    providers: dict[str, frozenset[str]]
    _selections: dict[ModelQuery, list[str]] = field(default_factory=dict)

    def selection(self, q: ModelQuery) -> list[str]:
        """The ids the query's filters keep, in order (q has no search)."""
        found = self._selections.get(q)
        if found is None:
            found = [i for i in self.ids if self._keeps(q, i)]
            self._selections[q] = found
        return found

    def most_offerings(self) -> int:
        """The most connections that offer any one model (the cost gate's bound)."""
        return max((len(entry.offerings) for entry in self.entries.values()), default=0)

    def _keeps(self, q: ModelQuery, model_id: str) -> bool:
        entry = self.entries[model_id]
        if q.enabled is not None and entry.enabled != q.enabled:
            return False
        if q.connection_id is not None and all(
            o.connection_id != q.connection_id for o in entry.offerings
        ):
            return False
        return not q.providers or any(p.value in self.providers[model_id] for p in q.providers)

    def page(self, q: ModelQuery, size: int, after: str | None) -> tuple[list[str], bool] | None:
        """The page's ids and whether more follow; None when the cursor's id is gone (SQL then
        finds the next id in the database's collation)."""
        ids = self.selection(q)
        start = 0
        if after is not None:
            at = self.position.get(decode_cursor(after))
            if at is None:
                return None
            start = _first_after(ids, self.position, at)
        chosen = ids[start : start + size + 1]
        return chosen[:size], len(chosen) > size


def _first_after(ids: list[str], position: dict[str, int], at: int) -> int:
    low, high = 0, len(ids)
    while low < high:
        middle = (low + high) // 2
        if position[ids[middle]] <= at:
            low = middle + 1
        else:
            high = middle
    return low


async def _build() -> Catalog:
    offered: dict[str, list[Offering]] = defaultdict(list)
    providers: dict[str, set[str]] = defaultdict(set)
    switches: dict[str, bool] = {}
    for o in await offerings(usable_only=False, shared_only=True):
        offered[o.model_id].append(Offering(o.connection_id, o.upstream_id, o.source))
        providers[o.model_id].add(o.provider)
        switches[o.model_id] = o.switched_on
    ids = list(offered)
    return Catalog(
        ids=ids,
        position={model_id: n for n, model_id in enumerate(ids)},
        entries={i: CatalogEntry(i, switches[i], tuple(offered[i])) for i in ids},
        providers={i: frozenset(p) for i, p in providers.items()},
    )


_CACHED: tuple[tuple[int, int, int], Catalog] | None = None


async def catalog(version: int) -> Catalog:
    """The catalog as of the catalog version the request read (and this process's writes)."""
    global _CACHED
    key = (id(ConnectionModel._meta.db), version, write_generation())
    if _CACHED is not None and _CACHED[0] == key:
        return _CACHED[1]
    built = await _build()
    _CACHED = (key, built)
    return built
