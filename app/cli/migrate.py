"""`migrate`: apply piccolo_migrations/ (installed with the package) to DATABASE_URL."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import AsyncIterator

from app.cli.common import fail
from app.settings import get_settings

MIGRATION_LOCK_ID = 0x5357_4221  # "SWB!": one migrator at a time across instances


@contextlib.asynccontextmanager
async def migration_lock(database_url: str) -> AsyncIterator[None]:
    """Several instances starting at once against PostgreSQL take turns migrating (a session
    advisory lock); SQLite needs none, its file lock already serialises writers."""
    from app.db.urls import parse_database_url

    target = parse_database_url(database_url)
    if target.kind != "postgres":
        yield
        return
    import asyncpg

    connection = await asyncpg.connect(target.postgres_dsn)
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
        yield
    finally:
        await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
        await connection.close()


async def _applied(database_url: str) -> int:
    """How many of Switchboard's migrations the database has (0 when it has none yet)."""
    from app.db.engine import close_engine, engine_from_url, open_engine

    engine = engine_from_url(database_url)
    await open_engine(engine)  # also turns on WAL for SQLite
    try:
        rows = await engine.run_ddl(
            "SELECT count(*) AS n FROM migration WHERE app_name = 'switchboard'"
        )
        return int(rows[0]["n"])
    except Exception:  # no migration table yet: a fresh database
        return 0
    finally:
        await close_engine(engine)


async def migrate(quiet: bool = False) -> None:
    """Apply what is missing; say in one line what was done (Piccolo's own report is kept for
    when a migration fails)."""
    os.environ.setdefault("PICCOLO_CONF", "app.db.piccolo_conf")  # found from any directory
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.engine.finder import engine_finder

    from app.db.engine import close_engine

    settings = get_settings()
    output = io.StringIO()
    try:
        async with migration_lock(settings.database_url):  # counted inside: one applies them
            before = await _applied(settings.database_url)
            with contextlib.redirect_stdout(output):
                result = await run_forwards(app_name="switchboard")
    finally:
        migrations_engine = engine_finder()  # piccolo_conf's, which kept its connections
        if migrations_engine is not None:
            await close_engine(migrations_engine)
    if not result.success:
        fail(f"migrations failed: {result.message}\n{output.getvalue()}")
    after = await _applied(settings.database_url)
    if not quiet:
        if after == before:
            print(f"Nothing to apply: the database is up to date ({after} migrations).")
        else:
            print(f"Applied {after - before} migrations: the database is up to date.")
