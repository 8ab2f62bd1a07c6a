"""The registry of what can depend on a connection. Each kind says where its link lives, how
it reads, how the audit trail sees it, and why it cannot use a personal connection. Deleting a
connection, listing its dependents and the personal-connection rule all go through here, so a
new kind of dependent is one entry (plus its table and its GraphQL type)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from piccolo.table import Table

from app.audit.service import Actor, Target, record_change
from app.connections.records import ConnectionRecord
from app.db.tables import Endpoint, Workspace
from app.dependents.records import (
    EndpointRecord,
    WorkspaceRecord,
    endpoint_snapshot,
    workspace_snapshot,
)
from app.dependents.served import model_refusal


@dataclass(frozen=True)
class DependentKind:
    type_name: str  # the API's type name
    noun: str  # in messages and audit actions: "endpoint" -> endpoint.create
    table: type[Table]
    link: str  # the column that references the connection
    record: type  # what rows read as
    from_row: Callable[[dict[str, Any]], Any]
    snapshot: Callable[[Any], dict[str, Any] | None]
    personal_refusal: str  # why it may not use a personal connection

    async def fetch(self, row_id: uuid.UUID) -> Any | None:
        rows = await self.table.select().where(self.table._meta.primary_key == row_id)
        return self.from_row(rows[0]) if rows else None


ENDPOINT = DependentKind(
    "Endpoint",
    "endpoint",
    Endpoint,
    "connection",
    EndpointRecord,
    EndpointRecord.from_row,
    endpoint_snapshot,
    "endpoints are shared: they cannot use a personal connection",
)
WORKSPACE = DependentKind(
    "Workspace",
    "workspace",
    Workspace,
    "default_connection",
    WorkspaceRecord,
    WorkspaceRecord.from_row,
    workspace_snapshot,
    "a personal connection cannot be a workspace default",
)
KINDS: tuple[DependentKind, ...] = (ENDPOINT, WORKSPACE)


def kind_of(dependent: Any) -> DependentKind:
    return next(k for k in KINDS if isinstance(dependent, k.record))


def personal_refusal(kind: DependentKind, connection: ConnectionRecord) -> str | None:
    """The rule, in one place: shared things never use someone's personal connection."""
    return kind.personal_refusal if connection.owner_id is not None else None


class Links:
    """app.connections.deletion.DependentLinks over every registered kind."""

    async def of(self, connection_ids: list[uuid.UUID]) -> list[list[Any]]:
        grouped: dict[uuid.UUID, list[Any]] = {cid: [] for cid in connection_ids}
        for kind in KINDS:
            column = kind.table._meta.get_column_by_name(kind.link)
            name_key = kind.table._meta.get_column_by_name("name_key")
            rows = await kind.table.select().where(column.is_in(connection_ids)).order_by(name_key)
            for row in rows:
                grouped[row[kind.link]].append(kind.from_row(row))
        return [grouped[cid] for cid in connection_ids]

    async def move(self, connection_id: uuid.UUID, to: uuid.UUID | None, actor: Actor) -> None:
        """Statement-time, so dependents that appeared since they were read move too; each
        move is in the audit trail as that dependent's update (connectionId: old -> new)."""
        for kind in KINDS:
            column = kind.table._meta.get_column_by_name(kind.link)
            moved = (
                await kind.table.update({column: to})
                .where(column == connection_id)
                .returning(*kind.table.all_columns())
            )
            for row in moved:
                after = kind.from_row(row)
                before = kind.from_row({**row, kind.link: connection_id})
                target = Target(kind.type_name, after.id, after.name)
                await record_change(
                    actor,
                    f"{kind.noun}.update",
                    target,
                    kind.snapshot(before),
                    kind.snapshot(after),
                )

    async def refusal(self, target: ConnectionRecord, moving: list[Any]) -> str | None:
        for kind in dict.fromkeys(kind_of(d) for d in moving):
            refused = personal_refusal(kind, target)
            if refused:
                return refused
        for dependent in moving:
            if isinstance(dependent, EndpointRecord):
                refused = await model_refusal(target, dependent.model)
                if refused:
                    return f"endpoint {dependent.name!r} cannot move: {refused}"
        return None
