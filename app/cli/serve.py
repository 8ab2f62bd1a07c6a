"""`serve`: migrate, check the keys, bootstrap the first admin token, then uvicorn."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from typing import Any

from app.cli.common import fail
from app.cli.migrate import migrate
from app.security.keyring import Keyring, load_keyring
from app.settings import Settings, SettingsError, get_settings


async def prepare(settings: Settings, keyring: Keyring) -> str | None:
    """Check the keyring against the database and create the first admin token if needed."""
    from app.auth.service import bootstrap_admin
    from app.db.engine import bind_tables, close_engine, engine_from_url
    from app.db.tables import ApiToken
    from app.security.key_check import KeyringMismatch, check_keyring

    engine = engine_from_url(settings.database_url)
    bind_tables(engine)
    try:
        await check_keyring(keyring)
        if settings.is_production and settings.admin_token is None:
            if await ApiToken.count() == 0:
                fail(
                    "a first start in production needs SWITCHBOARD_ADMIN_TOKEN (the database has "
                    "no token yet, and production prints none)"
                )
            return None
        return await bootstrap_admin(settings.admin_token)
    except KeyringMismatch as exc:
        fail(str(exc))
    finally:
        await close_engine(engine)


def announce(settings: Settings, token: str | None) -> None:
    """Where to go, and on a first development start the token: printed for a person. With
    SWITCHBOARD_LOG_FORMAT=json the output is a log sink, and a secret never goes there: the
    token is written to the controlling terminal alone, and the log says only that it was."""
    url = f"http://{settings.host}:{settings.port}"
    say = logging.getLogger("switchboard").info if settings.log_format == "json" else print
    say(
        f"\nSwitchboard: the admin console at {url}/ (sign in with an admin token), GraphiQL at "
        f"{url}/graphql, the gateway at {url}/v1, health at {url}/health"
    )
    if token is None:
        return
    if settings.admin_token:
        say("The admin token is the one in SWITCHBOARD_ADMIN_TOKEN.\n")
        return
    message = (
        "\nFirst start: created an admin token. It is shown this once; store it now:\n\n"
        f"    {token}\n\nSign in with it at {url}/, or try it:\n\n"
        f"    curl -s {url}/graphql -H 'Authorization: Bearer {token}' \\\n"
        "      -H 'Content-Type: application/json' \\\n"
        '      -d \'{"query": "query Me { viewer { name role } }"}\'\n\n'
        "More tokens (roles ADMIN, MEMBER or CALLER; --help says more):\n"
        "    .venv/bin/python -m app.cli create-token --user admin --role CALLER --name my-app\n"
    )
    if settings.log_format != "json":
        print(message)
    elif _to_terminal(message):
        say("First start: created an admin token; it was shown on the terminal only.")
    else:
        say(
            "First start: created an admin token, not shown: there is no terminal and the log "
            "is no place for a secret. Make one with: python -m app.cli create-token "
            "--user admin --role ADMIN"
        )


def _to_terminal(text: str) -> bool:
    try:
        with open("/dev/tty", "w") as terminal:
            terminal.write(text)
    except OSError:
        return False
    return True


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
        # uvicorn's records go through app.logs: one format, the request id on each line.
        "log_config": None,
        # Subscriptions (/graphql over WebSocket) on wsproto, which never logs frames: the
        # first one carries the token.
        "ws": "wsproto",
    }
    if settings.workers == 1:
        uvicorn.run(create_app(settings, keyring), **options)
        return
    # Each worker process builds its own app from the same environment; their metrics are
    # summed at scrape time through prometheus-client's multiprocess directory.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="switchboard-"))
    uvicorn.run("app.asgi:create_worker_app", factory=True, workers=settings.workers, **options)
