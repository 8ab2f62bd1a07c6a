"""Relay global IDs: opaque, stable, and naming the type they belong to."""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry

from app.ids import global_id


def to_global_id(type_name: str, raw_id: uuid.UUID | str) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, raw_id))


def from_global_id(global_id: str) -> tuple[str, str] | None:
    """(type name, raw id), or None for anything that is not one of our IDs."""
    try:
        decoded = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, raw_id = decoded.partition(":")
    return (type_name, raw_id) if sep and type_name and raw_id else None


def uuid_of(global_id: str, type_name: str) -> uuid.UUID | None:
    """The UUID behind a global ID of the given type, or None."""
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] != type_name:
        return None
    try:
        return uuid.UUID(parsed[1])
    except ValueError:
        return None
