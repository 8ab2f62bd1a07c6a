"""Relay global IDs, as the API and the audit trail name objects: opaque, stable, and naming
the type they belong to."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any


def global_id(type_name: str, raw_id: uuid.UUID | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode().rstrip("=")


def parse_global_id(text: str) -> tuple[str, str] | None:
    """(type name, raw id), or None for anything that is not one of our IDs."""
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, raw_id = decoded.partition(":")
    return (type_name, raw_id) if sep and type_name and raw_id else None


def uuid_of(text: str, type_name: str) -> uuid.UUID | None:
    """The UUID behind a global ID of the given type, or None."""
    parsed = parse_global_id(text)
    if parsed is None or parsed[0] != type_name:
        return None
    try:
        return uuid.UUID(parsed[1])
    except ValueError:
        return None


def as_uuid(value: Any) -> uuid.UUID:
    """A UUID column as a raw query returns it (SQLite gives its text)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
