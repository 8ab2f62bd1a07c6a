"""The command line: serve, migrate, create-token, export-schema.

python -m app.cli serve            migrate, check the key, bootstrap the admin token, serve
python -m app.cli migrate          apply piccolo_migrations/ to DATABASE_URL
python -m app.cli create-token --user alice --role MEMBER
python -m app.cli export-schema [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NoReturn

from app.logs import configure_logging
from app.security.keyring import Keyring, load_keyring
from app.settings import Settings, SettingsError, get_settings

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def fail(message: str) -> NoReturn:
    print(f"switchboard: {message}", file=sys.stderr)
    raise SystemExit(2)


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


async def migrate(quiet: bool = False) -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.engine.finder import engine_finder

    from app.db.engine import close_engine, engine_from_url, open_engine

    settings = get_settings()
    engine = engine_from_url(settings.database_url)
    await open_engine(engine)  # WAL mode for SQLite
    await close_engine(engine)
    output = io.StringIO()
    try:
        async with migration_lock(settings.database_url):
            with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
                result = await run_forwards(app_name="switchboard")
    finally:
        migrations_engine = engine_finder()  # piccolo_conf's, which kept its connections
        if migrations_engine is not None:
            await close_engine(migrations_engine)
    if not result.success:
        fail(f"migrations failed: {result.message}\n{output.getvalue()}")


async def prepare(settings: Settings, keyring: Keyring) -> str | None:
    """Check the keyring against the database and create the first admin token if needed."""
    from app.auth.service import bootstrap_admin
    from app.db.engine import bind_tables, close_engine, engine_from_url
    from app.security.key_check import KeyringMismatch, check_keyring

    engine = engine_from_url(settings.database_url)
    bind_tables(engine)
    try:
        await check_keyring(keyring)
        if settings.is_production and settings.admin_token is None:
            return None
        return await bootstrap_admin(settings.admin_token)
    except KeyringMismatch as exc:
        fail(str(exc))
    finally:
        await close_engine(engine)


def announce(settings: Settings, token: str | None) -> None:
    url = f"http://{settings.host}:{settings.port}"
    print(f"\nSwitchboard: GraphiQL at {url}/graphql, health at {url}/health")
    if token is None:
        return
    if settings.admin_token:
        print("The admin token is the one in SWITCHBOARD_ADMIN_TOKEN.\n")
        return
    print(
        "\nFirst start: created an admin token. It is shown this once; store it now:\n\n"
        f"    {token}\n\nTry it:\n\n"
        f"    curl -s {url}/graphql -H 'Authorization: Bearer {token}' \\\n"
        "      -H 'Content-Type: application/json' \\\n"
        '      -d \'{"query": "{ viewer { name role } }"}\'\n\n'
        "More tokens: .venv/bin/python -m app.cli create-token --user NAME --role ADMIN|MEMBER\n"
    )


def serve() -> None:
    settings = get_settings()
    if settings.workers > 1 and not settings.redis_url:
        fail(
            f"SWITCHBOARD_WORKERS={settings.workers} needs REDIS_URL: without it each worker "
            "would count rate limits on its own"
        )
    try:
        keyring = load_keyring(settings)
    except SettingsError as exc:
        fail(f"configuration error: {exc}")
    asyncio.run(migrate(quiet=True))
    token = asyncio.run(prepare(settings, keyring))
    announce(settings, token)
    _run_server(settings, keyring)


def _run_server(settings: Settings, keyring: Keyring) -> None:
    import uvicorn

    from app.asgi import create_app

    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        # On SIGTERM: stop accepting, give requests in flight this long, then cancel them.
        "timeout_graceful_shutdown": max(1, round(settings.shutdown_timeout)),
    }
    if settings.workers == 1:
        uvicorn.run(create_app(settings, keyring), **options)
        return
    # Each worker process builds its own app from the same environment; their metrics are
    # summed at scrape time through prometheus-client's multiprocess directory.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="switchboard-"))
    uvicorn.run("app.asgi:create_app", factory=True, workers=settings.workers, **options)


async def create_token(user: str, role: str, name: str) -> None:
    from app.auth.service import Role, issue_token
    from app.db.engine import bind_tables, engine_from_url

    bind_tables(engine_from_url(get_settings().database_url))
    token = await issue_token(user, Role(role), name)
    print(token)


def export_schema(check: bool) -> None:
    from app.graphql.schema import schema

    text = schema.as_str() + "\n"
    if check:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
            fail("schema.graphql is stale; regenerate it with: make schema")
        return
    SCHEMA_FILE.write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description="Switchboard")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="migrate, then serve on SWITCHBOARD_HOST:SWITCHBOARD_PORT")
    commands.add_parser("migrate", help="apply the migrations to DATABASE_URL")
    token = commands.add_parser("create-token", help="create an API token and print it once")
    token.add_argument("--user", required=True, help="user name (created if new)")
    token.add_argument("--role", choices=["ADMIN", "MEMBER"], default="MEMBER")
    token.add_argument("--name", default="cli token", help="what the token is for")
    keys = commands.add_parser("keys", help="master key rotation: add, rewrap, status, retire ID")
    keys.add_argument("action", choices=["add", "rewrap", "status", "retire"])
    keys.add_argument("key_id", nargs="?", help="the key id (add: optional; retire: required)")
    schema = commands.add_parser("export-schema", help="write schema.graphql from the code")
    schema.add_argument("--check", action="store_true", help="fail if schema.graphql is stale")
    args = parser.parse_args(argv)

    try:
        settings = get_settings()
    except SettingsError as exc:
        fail(f"configuration error: {exc}")
    configure_logging(settings)
    if args.command == "serve":
        serve()
    elif args.command == "migrate":
        asyncio.run(migrate())
    elif args.command == "create-token":
        asyncio.run(create_token(args.user, args.role, args.name))
    elif args.command == "keys":
        from app.security.keys_command import run_keys_command

        try:
            asyncio.run(run_keys_command(args.action, args.key_id))
        except SettingsError as exc:
            fail(f"configuration error: {exc}")
    elif args.command == "export-schema":
        export_schema(args.check)


if __name__ == "__main__":
    main()
