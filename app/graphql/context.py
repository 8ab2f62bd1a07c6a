"""Per-request context: who is asking, the services, and per-request DataLoaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from app.auth.service import Viewer, load_users
from app.connections.service import ConnectionService


@dataclass(frozen=True)
class Services:
    """Long-lived services, built once in create_app()."""

    connections: ConnectionService


def _loaders() -> dict[str, DataLoader[Any, Any]]:
    return {"users": DataLoader(load_fn=load_users)}


@dataclass
class Context:
    viewer: Viewer
    services: Services
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=_loaders)


Info = strawberry.Info[Context, None]
