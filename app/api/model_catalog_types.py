"""GraphQL types for models as one connection sees them."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from app.api.context import Info


@strawberry.enum(description="Where an offering came from: the provider's listing, or modelIds.")
class ModelSource(Enum):
    DISCOVERED = "DISCOVERED"
    MANUAL = "MANUAL"


@strawberry.type(name="ConnectionModel", description="A model one connection serves.")
class ConnectionModelType:
    model_id: str = strawberry.field(description="The exposed id, prefix applied.")
    upstream_id: str
    display_name: str | None
    source: ModelSource

    @strawberry.field(description="False when hidden with setModelEnabled.")
    async def enabled(self, info: Info) -> bool:
        return bool(await info.context.loaders["model_switches"].load(self.model_id))

    @classmethod
    def of(cls, row: dict[str, Any]) -> ConnectionModelType:
        return cls(
            model_id=row["exposed_id"],
            upstream_id=row["upstream_id"],
            display_name=row["display_name"],
            source=ModelSource(row["source"]),
        )
