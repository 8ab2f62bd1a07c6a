"""Who may see and change which connection.

Workspace-wide connections (no owner): everyone reads them, admins change them. Personal ones:
only their owner uses and changes them; admins may list and delete them (off-boarding) but never
read their secrets. With allowDirectConnections off, personal connections are hidden and unused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any

from app.audit.service import Actor
from app.auth.service import Viewer
from app.connections.records import ConnectionRecord, fetch_connections
from app.db.tables import LLMConnection
from app.errors import ErrorCode, Forbidden, Problem, ProblemsFound, not_found
from app.org.settings import OrgSettings
from app.providers.catalog import Provider

PERSONAL_PROVIDERS = (Provider.OPENAI_COMPATIBLE,)


class Operation(Enum):
    EDIT = "edit"  # update, rotate, enable, verify, test against stored secrets
    DELETE = "delete"
    MAKE_DEFAULT = "make default"


# What an admin may do to someone else's personal connection (off-boarding); making it the
# default goes through too, for the default rule to refuse with its own reason.
ADMIN_MAY_REACH = (Operation.DELETE, Operation.MAKE_DEFAULT)


@dataclass(frozen=True)
class Caller:
    """Who asks: what the access rules look at, and who the audit trail names."""

    viewer: Viewer
    org: OrgSettings
    actor: Actor

    @property
    def owner_of_new(self) -> uuid.UUID | None:
        """Admins create workspace-wide connections; members personal ones."""
        return None if self.viewer.is_admin else self.viewer.user_id


def visible(viewer: Viewer, org: OrgSettings) -> list[Any]:
    """Conditions limiting a connection query to what the viewer may see."""
    if not org.allow_direct_connections:
        return [LLMConnection.owner.is_null()]
    if viewer.is_admin:
        return []
    return [LLMConnection.owner.is_null() | (LLMConnection.owner == viewer.user_id)]


async def find_visible(
    viewer: Viewer,
    org: OrgSettings,
    *,
    connection_id: uuid.UUID | None = None,
    name: str | None = None,
    default: bool = False,
) -> ConnectionRecord | None:
    """One connection this viewer may see: by id, by name (case-insensitive) or the default."""
    conditions: list[Any] = []
    if connection_id is not None:
        conditions.append(LLMConnection.id == connection_id)
    if name is not None:
        conditions.append(LLMConnection.name_key == name.strip().casefold())
    if default:
        conditions.append(LLMConnection.is_default == True)  # noqa: E712 (SQL comparison)
    rows = await fetch_connections(*conditions, *visible(viewer, org))
    return rows[0] if rows else None


def can_see(viewer: Viewer, org: OrgSettings, record: ConnectionRecord) -> bool:
    if record.owner_id is None:
        return True
    return org.allow_direct_connections and (viewer.is_admin or record.owner_id == viewer.user_id)


def reach(
    caller: Caller,
    record: ConnectionRecord | None,
    op: Operation,
    field: tuple[str, ...] = ("id",),
) -> ConnectionRecord:
    """The connection, if the caller may do `op` to it. Raises ProblemsFound (NOT_FOUND when
    they cannot see it, NOT_ALLOWED for someone else's personal connection), or Forbidden when
    a member reaches for a workspace-wide connection."""
    viewer = caller.viewer
    if record is None or not can_see(viewer, caller.org, record):
        raise ProblemsFound([not_found("connection", field)])
    if record.owner_id is None:
        if not viewer.is_admin:
            raise Forbidden(f"{op.value} on a workspace-wide connection (it needs an ADMIN token)")
        return record
    if record.owner_id == viewer.user_id or (op in ADMIN_MAY_REACH and viewer.is_admin):
        return record  # whether it may be the default: app.connections.checks
    message = "only its owner can change a personal connection"
    raise ProblemsFound([Problem(field, ErrorCode.NOT_ALLOWED, message)])


def check_creation(caller: Caller, provider: Any) -> None:
    """Members create personal connections, when allowed, and only OpenAI-compatible ones."""
    if caller.viewer.is_admin:
        return
    if not caller.org.allow_direct_connections:
        message = "personal connections are turned off (allowDirectConnections)"
        raise ProblemsFound([Problem(("input",), ErrorCode.NOT_ALLOWED, message)])
    if provider not in PERSONAL_PROVIDERS:
        message = "personal connections must be OPENAI_COMPATIBLE"
        raise ProblemsFound([Problem(("input", "provider"), ErrorCode.NOT_ALLOWED, message)])
