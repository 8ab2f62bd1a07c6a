"""Which connection may be the default: the one owner of that rule.

Planning asks it before any provider is called (create and update), and setDefaultConnection
asks it inside its transaction, with the row as it is then.
"""

from __future__ import annotations

import uuid

PERSONAL = "a personal connection cannot be the default"
DISABLED = "a disabled connection cannot be the default; enable it first"


def default_refusal(owner_id: uuid.UUID | None, enabled: bool) -> str | None:
    """Why a connection with this owner and state may not be the default, or None.
    The default serves the whole organisation, so it must be workspace-wide and enabled."""
    if owner_id is not None:
        return PERSONAL
    if not enabled:
        return DISABLED
    return None
