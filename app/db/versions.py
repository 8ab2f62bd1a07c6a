"""Counters that say whether what an instance cached from the database still holds. The
database moves them itself: triggers on every write that such a cache depends on (migrations
2026-12-04T01:08:03 and 2026-12-04T03:10:02) bump them in that write's transaction, and every
request reads them all (one tiny statement) before trusting a cache. A revocation, a settings
change or a new model therefore reaches the very next request on every instance, whoever wrote
it, with no message bus."""

from __future__ import annotations

from dataclasses import dataclass

from app.db.prepared import Prepared
from app.db.tables import CacheVersion

AUTH = "auth"  # tokens, their users and organisation settings
CATALOG = "catalog"  # connections, their models and the model switches


@dataclass(frozen=True)
class Versions:
    auth: int
    catalog: int


_ALL = Prepared(CacheVersion, lambda: CacheVersion.select(CacheVersion.key, CacheVersion.version))


async def read_versions() -> Versions:
    rows = await _ALL.run()
    found = {row["key"]: int(row["version"]) for row in rows}
    return Versions(found.get(AUTH, 0), found.get(CATALOG, 0))


async def read_version() -> int:
    """The auth version alone (callers outside a GraphQL request)."""
    return (await read_versions()).auth
