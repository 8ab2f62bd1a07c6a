"""Hints and sealing for a connection's secrets (API key, service-account JSON, header values)."""

from __future__ import annotations

import uuid

from app.security.envelope import open_sealed, seal
from app.security.keyring import Keyring
from app.security.sealed_fields import secret_context

HINT_PREFIX = "…"
HINT_VISIBLE = 4
HINT_MIN_LENGTH = 9  # keys of 8 characters or fewer show "…" alone


def hint(secret: str) -> str:
    if len(secret) < HINT_MIN_LENGTH:
        return HINT_PREFIX
    return HINT_PREFIX + secret[-HINT_VISIBLE:]


def looks_masked(value: str) -> bool:
    """True for what an edit form shows instead of a key: "…WXYZ", "sk-…WXYZ", "****WXYZ"."""
    return "…" in value or "***" in value or "•" in value or value.startswith("...")


def seal_for(
    keyring: Keyring, key_id: str, connection_id: uuid.UUID, field: str, plaintext: str
) -> str:
    return seal(keyring, plaintext, secret_context(connection_id, field), key_id=key_id)


def open_for(keyring: Keyring, connection_id: uuid.UUID, field: str, sealed: str) -> str:
    return open_sealed(keyring, sealed, secret_context(connection_id, field))
