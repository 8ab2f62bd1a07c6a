"""Faults the database itself causes, for proving what commits together: a trigger that
refuses every audit insert, or one that stalls in it so a process can be killed there.
Each installs on the test database and removes itself afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from app.db.tables import AuditEvent

SQLITE_REFUSE = """CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event
BEGIN SELECT RAISE(ABORT, 'audit insert refused by the test'); END"""

POSTGRES_REFUSE = [
    """CREATE FUNCTION test_refuse_audit() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit insert refused by the test'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()""",
]

# SQLite has no sleep: the trigger counts a cross join of 2,000 rows three times over, which
# takes far longer than any test waits. The killed process holds the write lock meanwhile.
SQLITE_STALL = [
    "CREATE TABLE test_stall (x INTEGER)",
    """INSERT INTO test_stall WITH RECURSIVE n(x) AS
    (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 2000) SELECT x FROM n""",
    """CREATE TRIGGER test_stall_audit BEFORE INSERT ON audit_event
    BEGIN SELECT count(*) FROM test_stall a, test_stall b, test_stall c; END""",
]

POSTGRES_STALL = [
    """CREATE FUNCTION test_stall_audit() RETURNS trigger AS $$
    BEGIN PERFORM pg_sleep(120); RETURN NEW; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER test_stall_audit BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION test_stall_audit()""",
]

IN_AUDIT_INSERT = """SELECT pid FROM pg_stat_activity
WHERE state = 'active' AND query LIKE 'INSERT INTO "audit_event"%'"""


def _engine() -> Any:
    return AuditEvent._meta.db


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite")


@asynccontextmanager
async def audit_inserts_refused(database_url: str) -> AsyncIterator[None]:
    engine = _engine()
    for statement in [SQLITE_REFUSE] if is_sqlite(database_url) else POSTGRES_REFUSE:
        await engine.run_ddl(statement)
    try:
        yield
    finally:
        await engine.run_ddl("DROP TRIGGER test_refuse_audit" + _on_table(database_url))
        if not is_sqlite(database_url):
            await engine.run_ddl("DROP FUNCTION test_refuse_audit()")


@asynccontextmanager
async def audit_inserts_stall(database_url: str) -> AsyncIterator[None]:
    """Every audit insert stalls (for minutes). On leaving, a PostgreSQL backend still stalled
    for a killed client is terminated, so it frees its locks, and the trigger is removed."""
    engine = _engine()
    for statement in SQLITE_STALL if is_sqlite(database_url) else POSTGRES_STALL:
        await engine.run_ddl(statement)
    try:
        yield
    finally:
        if is_sqlite(database_url):
            await engine.run_ddl("DROP TRIGGER test_stall_audit")
            await engine.run_ddl("DROP TABLE test_stall")
        else:
            for row in await AuditEvent.raw(IN_AUDIT_INSERT):
                await AuditEvent.raw("SELECT pg_terminate_backend({})", row["pid"])
            await engine.run_ddl("DROP TRIGGER test_stall_audit ON audit_event")
            await engine.run_ddl("DROP FUNCTION test_stall_audit()")


async def stalled_in_audit_insert_on_postgres() -> bool:
    return bool(await AuditEvent.raw(IN_AUDIT_INSERT))


def _on_table(database_url: str) -> str:
    return "" if is_sqlite(database_url) else " ON audit_event"
