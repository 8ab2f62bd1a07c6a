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
