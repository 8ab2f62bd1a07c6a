"""The command line.

python -m app.cli serve            migrate, check the key, bootstrap the admin token, serve
python -m app.cli migrate          apply the migrations to DATABASE_URL
python -m app.cli create-token --user alice --role MEMBER
python -m app.cli keys status|add|rewrap|retire
python -m app.cli export-schema [--check]
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from app.cli.common import fail
from app.cli.migrate import migrate
from app.cli.serve import serve
from app.cli.tokens import create_token
from app.logs import configure_logging
from app.settings import SettingsError, get_settings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


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
