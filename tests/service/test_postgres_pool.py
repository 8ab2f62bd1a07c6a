"""On PostgreSQL a pooled connection goes back without asyncpg's reset query (RESET ALL and
friends): one round trip fewer per statement, and nothing leaks since no session state is set."""

from __future__ import annotations

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine

from app.db.tables import LLMConnection

pytestmark = pytest.mark.db


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite has no pool
async def test_pooled_connections_are_not_reset_after_each_statement(admin, monkeypatch):
    assert isinstance(LLMConnection._meta.db, PostgresEngine)
    sent: list[str] = []
    original = asyncpg.connection.Connection.execute

    async def recorded(self, query, *args, **kwargs):
        sent.append(query)
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "execute", recorded)
    await admin("{ viewer { name } connections(first: 5) { totalCount } }")
    assert not [q for q in sent if "RESET ALL" in q or "pg_advisory_unlock_all" in q]
