"""The per-request context: who is asking, the services (built in app.composition), and
per-request DataLoaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from app.audit.service import Actor
from app.auth.service import Viewer, load_tokens, load_users
from app.composition import Services
from app.connections.access import Caller
from app.connections.records import load_connections
from app.db.versions import Versions
from app.dependents.kinds import Links
from app.graphql.cost import Bound
from app.model_catalog.listing import model_switches, models_of_connections
from app.org.settings import OrgSettings, load_org_settings
from app.usage.queries import last_uses, recent_calls, summaries


def _loaders() -> dict[str, DataLoader[Any, Any]]:
    """Per-request batches: whatever a response mentions, each kind costs one query."""
    return {
        "users": DataLoader(load_fn=load_users),
        "tokens": DataLoader(load_fn=load_tokens),
        "connections": DataLoader(load_fn=load_connections),
        "connection_models": DataLoader(load_fn=models_of_connections),
        "model_switches": DataLoader(load_fn=model_switches),
        "dependents": DataLoader(load_fn=Links().of),
        "last_use": DataLoader(load_fn=last_uses),  # 'connection:<id>' -> epoch ms
        "recent_calls": DataLoader(load_fn=recent_calls),  # (kind, id) -> calls in 24 h
        "usage_summaries": DataLoader(load_fn=summaries),  # (kind, id, since, user) -> totals
    }


@dataclass
class Context:
    viewer: Viewer
    services: Services
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=_loaders)
    cache_version: int | None = None  # read at the start of the request (app.db.versions)
    catalog_version: int | None = None  # likewise, for the merged model catalog
    # What bounds the lists the operation selects, for the cost gate (app.api.list_bounds).
    list_bounds: dict[tuple[str, str], Bound] = field(default_factory=dict)
    _org: OrgSettings | None = None

    @classmethod
    def read_at(
        cls, viewer: Viewer, services: Services, request_id: str, versions: Versions
    ) -> Context:
        """The context of one operation, its caches valid at the versions read at its start."""
        return cls(
            viewer=viewer,
            services=services,
            request_id=request_id,
            cache_version=versions.auth,
            catalog_version=versions.catalog,
        )

    async def org_settings(self) -> OrgSettings:
        """The organisation's switches, read once per request."""
        if self._org is None:
            self._org = await load_org_settings(self.cache_version)
        return self._org

    @property
    def actor(self) -> Actor:
        return Actor(self.viewer.user_id, self.viewer.name, self.request_id)

    async def caller(self) -> Caller:
        """Who asks, for the connection rules and the audit trail."""
        return Caller(self.viewer, await self.org_settings(), self.actor)


Info = strawberry.Info[Context, None]
