"""Relay global IDs: opaque, stable, and naming the type they belong to."""

from __future__ import annotations

import uuid

import strawberry

from app.ids import global_id


def to_global_id(type_name: str, raw_id: uuid.UUID | str) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, raw_id))
