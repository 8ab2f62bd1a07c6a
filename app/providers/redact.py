"""Scrub secrets from provider error text before it reaches a response or a log."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Things that look like keys even when we do not know them (OpenAI echoes "sk-...abcd").
KEY_LIKE = re.compile(r"\b(?:sk|pk|rk|sess|key|AIza|ya29)[-_.A-Za-z0-9*]{6,}", re.IGNORECASE)
TOKEN_SPLIT = re.compile(r"[\s\"',:;()\[\]{}<>]+")
MIN_FRAGMENT = 6
MAX_TEXT = 300


def redact(text: str, secrets: Iterable[str], limit: int | None = MAX_TEXT) -> str:
    """Remove every secret, every long fragment of one, and anything shaped like a key."""
    known = [s for s in secrets if s]
    for secret in known:
        text = text.replace(secret, "[redacted]")
    for token in set(TOKEN_SPLIT.split(text)):
        stripped = token.strip("*.")
        if len(stripped) >= MIN_FRAGMENT and any(stripped in secret for secret in known):
            text = text.replace(token, "[redacted]")
    text = KEY_LIKE.sub("[redacted]", text)
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"
