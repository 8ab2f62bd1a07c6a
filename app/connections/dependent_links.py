"""What a connection needs to know of the things that depend on it, and nothing more.

The kinds of dependents (endpoints, workspaces, ...) live in app.dependents, which builds on
connections; the composition root hands the connection service an implementation of this, so
deletion can refuse, move or unlink dependents without connections importing them.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from app.audit.service import Actor
from app.connections.records import ConnectionRecord


class DependentLinks(Protocol):
    async def of(self, connection_ids: list[uuid.UUID]) -> list[list[Any]]:
        """Every dependent of each connection, in order (one query per kind)."""
        ...

    async def move(self, connection_id: uuid.UUID, to: uuid.UUID | None, actor: Actor) -> None:
        """Point every dependent of `connection_id` at `to` (None unlinks them), each move
        audited."""
        ...

    async def refusal(self, target: ConnectionRecord, moving: list[Any]) -> str | None:
        """Why these dependents may not move to `target`, or None."""
        ...
