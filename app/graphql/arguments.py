"""What mutations read from their arguments, the same way everywhere: an ID argument as the
UUID it names (an ID of another type, or no ID at all, names nothing: NO_SUCH, which no row
has, so the service answers NOT_FOUND as for any unknown id), and a partial update's field
(strawberry.Maybe) as UNSET when it was not sent."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from app.ids import uuid_of
from app.validation import UNSET

NO_SUCH = uuid.UUID(int=0)  # what an ID of another type names: nothing, for anyone


def id_of(global_id: str, type_name: str) -> uuid.UUID:
    return uuid_of(global_id, type_name) or NO_SUCH


def optional_id(global_id: str | None, type_name: str) -> uuid.UUID | None:
    return None if global_id is None else id_of(global_id, type_name)


def sent(value: Any, convert: Callable[[Any], Any] | None = None) -> Any:
    """A Maybe field: UNSET when absent, else its value (`convert`ed unless it is null)."""
    if value is None:
        return UNSET
    given = value.value
    return convert(given) if convert is not None and given is not None else given
