"""Relay global IDs, as the API and the audit trail name objects: opaque, stable, and naming
the type they belong to. Decoding is the GraphQL layer's (app.graphql.ids)."""

from __future__ import annotations

import base64
import uuid


def global_id(type_name: str, raw_id: uuid.UUID | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode().rstrip("=")
