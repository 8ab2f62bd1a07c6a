"""Relay global IDs: opaque, stable, and naming the type they belong to."""

from __future__ import annotations

import uuid

import strawberry

from app.ids import global_id, parse_global_id


def to_global_id(type_name: str, raw_id: uuid.UUID | str) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, raw_id))


def uuid_of(global_id: str, type_name: str) -> uuid.UUID | None:
    """The UUID behind a global ID of the given type, or None."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != type_name:
        return None
    try:
        return uuid.UUID(parsed[1])
    except ValueError:
        return None
