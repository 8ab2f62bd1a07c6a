"""What every command shares: how it fails, and the database session a command works in."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any, NoReturn
from urllib.parse import urlsplit

from app.settings import get_settings


def fail(message: str) -> NoReturn:
    """One line on stderr, exit status 2: what an operator reads in a log."""
    print(f"switchboard: {message}", file=sys.stderr)
    raise SystemExit(2)


def database_shown(url: str) -> str:
    """DATABASE_URL as a log may show it: no password."""
    if url.startswith("sqlite"):
        return url
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{parts.hostname}{port}{parts.path}"


def unreachable_database(exc: BaseException) -> bool:
    """A failure to reach or open the database (not a bug): connection refused, unknown host,
    authentication, a missing database, a file SQLite cannot open."""
    import asyncpg

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError | asyncpg.PostgresConnectionError | asyncpg.InterfaceError):
            return True
        if isinstance(
            seen, asyncpg.InvalidCatalogNameError | asyncpg.InvalidAuthorizationSpecificationError
        ):
            return True
        if isinstance(seen, sqlite3.OperationalError) and "unable to open" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def database_failure(exc: BaseException) -> str:
    return (
        f"the database at {database_shown(get_settings().database_url)} could not be reached "
        f"({type(exc).__name__}: {exc})"
    )


@contextlib.asynccontextmanager
async def database() -> AsyncIterator[Any]:
    """The tables bound to DATABASE_URL for one command, closed after it."""
    from app.db.engine import bind_tables, close_engine, engine_from_url, open_engine

    engine = engine_from_url(get_settings().database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        yield engine
    finally:
        await close_engine(engine)


def operator() -> tuple[Any, Any]:
    """(viewer, actor) for what an operator does at the command line: an admin, audited as
    "cli"."""
    from app.audit.service import Actor
    from app.auth.service import Role, Viewer

    return Viewer(uuid.UUID(int=0), "cli", Role.ADMIN, uuid.UUID(int=0)), Actor(None, "cli", None)
