"""API tokens: a recognisable prefix (so scanners find leaked ones) and 256 random bits."""

from __future__ import annotations

import hashlib
import secrets

from app.validation import TOKEN_PREFIX

DISPLAY_CHARS = 8


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    return token[:DISPLAY_CHARS]


def bearer_token(authorization: str | None) -> str | None:
    """The token in an `Authorization: Bearer <token>` value, or None: the one reading of that
    header for GraphQL, the gateway, /metrics, the rate limits and subscriptions."""
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
