"""One counter that says whether what an instance cached from the database still holds. The
database moves it itself: triggers on every write that such a cache depends on (see the
migration 2026-12-04T01:08:03) bump it in that write's transaction, and every request reads it
(one tiny statement) before trusting its cache. A revocation or a settings change therefore
reaches the very next request on every instance, whoever wrote it, with no message bus."""

from __future__ import annotations

from app.db.tables import CacheVersion

AUTH = "auth"  # tokens, their users and organisation settings


async def read_version(key: str = AUTH) -> int:
    rows = await CacheVersion.select(CacheVersion.version).where(CacheVersion.key == key)
    return int(rows[0]["version"]) if rows else 0
