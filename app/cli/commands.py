"""The command line: `python -m app.cli COMMAND` (--help for each).

serve                       migrate, check the keys, bootstrap the first admin token, serve
migrate                     apply the migrations to DATABASE_URL
create-token --user U       create an API token and print it once
tokens list | revoke ID     the tokens, and revoking one
keys status|add|rewrap|retire   master key rotation
export-schema [--check]     write (or check) schema.graphql
"""

from __future__ import annotations

import argparse
import asyncio
import warnings
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from app.cli import tokens
from app.cli.common import database_failure, fail, unreachable_database
from app.cli.migrate import migrate
from app.cli.serve import serve
from app.logs import configure_logging
from app.settings import SettingsError, get_settings

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def export_schema(check: bool) -> None:
    from app.api.schema import schema

    text = schema.as_str() + "\n"
    if check:
        if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text() != text:
            fail("schema.graphql is stale; regenerate it with: make schema")
        print("schema.graphql matches the schema the code builds")
        return
    SCHEMA_FILE.write_text(text)


def _version() -> str:
    try:
        return version("switchboard")
    except PackageNotFoundError:  # pragma: no cover (run from a bare checkout)
        return "unknown"


def _keys(action: str) -> Callable[[argparse.Namespace], None]:
    def run(args: argparse.Namespace) -> None:
        from app.cli.keys import run_keys_command

        asyncio.run(run_keys_command(action, getattr(args, "key_id", None)))

    return run


def _add_keys(commands: Any) -> None:
    keys = commands.add_parser(
        "keys",
        help="master key rotation: status, add, rewrap, retire",
        description="Rotate the master key that seals every stored secret: `add` a new primary, "
        "`rewrap` every secret with it, then `retire` the old one. `status` shows where each "
        "key stands.",
    )
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser(
        "status", help="each key: primary or not, secrets it seals, retired or not"
    )
    status.set_defaults(run=_keys("status"))
    add = actions.add_parser(
        "add",
        help="make a new primary key (the key file, or prints it for SWITCHBOARD_ENCRYPTION_KEYS)",
    )
    add.add_argument("key_id", nargs="?", help="the new key's id (default: generated)")
    add.set_defaults(run=_keys("add"))
    rewrap = actions.add_parser(
        "rewrap", help="re-seal every stored secret with the primary key (resumable)"
    )
    rewrap.set_defaults(run=_keys("rewrap"))
    retire = actions.add_parser(
        "retire", help="retire a key once no stored secret needs it (refused while one does)"
    )
    retire.add_argument("key_id", help="the key id to retire")
    retire.set_defaults(run=_keys("retire"))


def _add_tokens(commands: Any) -> None:
    create = commands.add_parser("create-token", help="create an API token and print it once")
    create.add_argument("--user", required=True, help="user name (created if new)")
    create.add_argument(
        "--role",
        choices=["ADMIN", "MEMBER", "CALLER"],
        default="MEMBER",
        help="ADMIN manages everything, MEMBER reads and keeps personal connections, "
        "CALLER only calls models",
    )
    create.add_argument("--name", default="cli token", help="what the token is for")
    create.set_defaults(run=lambda a: asyncio.run(tokens.create_token(a.user, a.role, a.name)))
    group = commands.add_parser("tokens", help="list tokens, or revoke one")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every token: id, name, user, role, last use, state")
    listing.set_defaults(run=lambda a: asyncio.run(tokens.list_tokens()))
    revoke = actions.add_parser("revoke", help="revoke a token (refused from the next request)")
    revoke.add_argument("id", help="the token's id, as `tokens list` or the API shows it")
    revoke.set_defaults(run=lambda a: asyncio.run(tokens.revoke(a.id)))


def _add_config_files(commands: Any) -> None:
    from app.cli import config_files

    imported = commands.add_parser(
        "import-env",
        help="connections from a .env file: LLM_*, OPENAI_*, ANTHROPIC_*, AZURE_OPENAI_*, "
        "GEMINI_API_KEY, OLLAMA_HOST (a second run changes nothing)",
    )
    imported.add_argument(
        "file", nargs="?", default=".env", help=".env file, or - for the environment"
    )
    imported.add_argument(
        "--dry-run", action="store_true", help="say what would change, change nothing"
    )
    imported.add_argument(
        "--no-verify", action="store_true", help="save without testing each connection first"
    )
    imported.set_defaults(
        run=lambda a: asyncio.run(config_files.import_env(a.file, a.dry_run, not a.no_verify))
    )
    exported = commands.add_parser(
        "export", help="connections, endpoints and workspaces as YAML (secrets as ${ENV_VAR})"
    )
    exported.add_argument("file", nargs="?", default="-", help="where to write it (- : stdout)")
    exported.set_defaults(run=lambda a: config_files.export(a.file))
    applied = commands.add_parser(
        "apply", help="make the database match a file exported before (prints the plan first)"
    )
    applied.add_argument("file", help="the YAML file")
    applied.add_argument("--prune", action="store_true", help="also delete what the file lacks")
    applied.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    applied.add_argument("--verify", action="store_true", help="test each connection it writes")
    applied.set_defaults(run=lambda a: config_files.apply(a.file, a.prune, a.dry_run, a.verify))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m app.cli", description="Switchboard")
    top.add_argument("--version", action="version", version=f"switchboard {_version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "serve", help="migrate, then serve on SWITCHBOARD_HOST:SWITCHBOARD_PORT"
    ).set_defaults(run=lambda a: serve())
    commands.add_parser("migrate", help="apply the migrations to DATABASE_URL").set_defaults(
        run=lambda a: asyncio.run(migrate())
    )
    _add_tokens(commands)
    _add_keys(commands)
    _add_config_files(commands)
    schema = commands.add_parser("export-schema", help="write schema.graphql from the code")
    schema.add_argument("--check", action="store_true", help="fail if schema.graphql is stale")
    schema.set_defaults(run=lambda a: export_schema(a.check))
    _describe(top)
    return top


def _describe(command: argparse.ArgumentParser) -> None:
    """Each subcommand's --help opens with what it does and shows every option's default."""
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                sub = action.choices[choice.dest]
                sub.description = sub.description or choice.help
                sub.formatter_class = argparse.ArgumentDefaultsHelpFormatter
                _describe(sub)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    # Piccolo warns (in colour, twice) before the failure below says it once, plainly.
    warnings.filterwarnings("ignore", message=".*Unable to (connect to|fetch server version)")
    try:
        settings = get_settings()
    except SettingsError as exc:
        fail(f"configuration error: {exc}")
    configure_logging(settings)
    try:
        args.run(args)
    except SettingsError as exc:
        fail(f"configuration error: {exc}")
    except Exception as exc:
        if unreachable_database(exc):
            fail(database_failure(exc))
        raise
