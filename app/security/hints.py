"""What a stored secret shows of itself: its last 4 characters (none when it is short)."""

from __future__ import annotations

HINT_PREFIX = "…"
HINT_VISIBLE = 4
HINT_MIN_LENGTH = 9  # secrets of 8 characters or fewer show "…" alone


def hint(secret: str) -> str:
    if len(secret) < HINT_MIN_LENGTH:
        return HINT_PREFIX
    return HINT_PREFIX + secret[-HINT_VISIBLE:]
