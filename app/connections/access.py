"""Who may see and change which connection.

Workspace-wide connections (no owner): everyone reads them, admins change them. Personal ones:
only their owner uses and changes them; admins may list and delete them (off-boarding) but never
read their secrets. With allowDirectConnections off, personal connections are hidden and unused.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from app.auth.service import Viewer
from app.connections.records import ConnectionRecord
from app.db.tables import LLMConnection
from app.errors import ErrorCode, Problem, not_found
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


class Forbidden(Exception):
    """The viewer's role does not allow this at all (a top-level FORBIDDEN error)."""


def visible(viewer: Viewer, org: OrgSettings) -> list[Any]:
    """Conditions limiting a connection query to what the viewer may see."""
    if not org.allow_direct_connections:
        return [LLMConnection.owner.is_null()]
    if viewer.is_admin:
        return []
    return [LLMConnection.owner.is_null() | (LLMConnection.owner == viewer.user_id)]


def can_see(viewer: Viewer, org: OrgSettings, record: ConnectionRecord) -> bool:
    if record.owner_id is None:
        return True
    return org.allow_direct_connections and (viewer.is_admin or record.owner_id == viewer.user_id)


def refusal(
    viewer: Viewer, org: OrgSettings, record: ConnectionRecord | None, op: Operation
) -> Problem | None:
    """Why the viewer may not do `op` to this connection (NOT_FOUND when they cannot see it).
    Raises Forbidden when a member reaches for a workspace-wide connection."""
    if record is None or not can_see(viewer, org, record):
        return not_found("connection", ("id",))
    if record.owner_id is None:
        if not viewer.is_admin:
            raise Forbidden()
        return None
    if record.owner_id == viewer.user_id or (op in ADMIN_MAY_REACH and viewer.is_admin):
        return None  # whether it may be the default: app.connections.rules
    return Problem(
        ("id",), ErrorCode.NOT_ALLOWED, "only its owner can change a personal connection"
    )


def creation_refusals(viewer: Viewer, org: OrgSettings, provider: Any) -> list[Problem]:
    """Members create personal connections, when allowed, and only OpenAI-compatible ones."""
    if viewer.is_admin:
        return []
    if not org.allow_direct_connections:
        return [
            Problem(
                ("input",),
                ErrorCode.NOT_ALLOWED,
                "personal connections are turned off (allowDirectConnections)",
            )
        ]
    if provider not in PERSONAL_PROVIDERS:
        return [
            Problem(
                ("input", "provider"),
                ErrorCode.NOT_ALLOWED,
                "personal connections must be OPENAI_COMPATIBLE",
            )
        ]
    return []
