"""Piccolo engines built from DATABASE_URL, with a query counter for N+1 tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from app.db.sqlite import KeptSQLiteEngine
from app.db.urls import parse_database_url

POOL_SIZE = 10  # PostgreSQL connections per instance
STATEMENTS_PER_REQUEST = 4  # at once: one request's parallel resolvers leave the rest to others

_request_slots: ContextVar[asyncio.Semaphore | None] = ContextVar("db_slots", default=None)


@contextlib.contextmanager
def request_statement_limit(limit: int = STATEMENTS_PER_REQUEST) -> Iterator[None]:
    """Within this block (and the tasks it starts), at most `limit` statements run at once.
    Without it, one GraphQL request whose root fields all query at once holds the whole pool,
    and every other request, /health included, waits behind it."""
    token = _request_slots.set(asyncio.Semaphore(limit))
    try:
        yield
    finally:
        _request_slots.reset(token)


class QueryCounting:
    """Counts every statement an engine runs (tests read `queries` before and after) and
    keeps each request to its share of connections."""

    queries: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0  # tests reset it, then read it

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        self.queries += 1
        slots = _request_slots.get()
        if slots is None:
            return await self._run(querystring, in_pool)
        async with slots:
            return await self._run(querystring, in_pool)

    async def _run(self, querystring: QueryString, in_pool: bool) -> Any:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await super().run_querystring(querystring, in_pool)  # type: ignore[misc]
        finally:
            self.in_flight -= 1


class SwitchboardSQLiteEngine(QueryCounting, KeptSQLiteEngine):
    pass


class SwitchboardPostgresEngine(QueryCounting, PostgresEngine):
    pass


def engine_from_url(url: str) -> Engine:
    target = parse_database_url(url)
    if target.kind == "sqlite":
        assert target.sqlite_path is not None
        target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # A generous busy timeout: SQLite serialises writers, so waiting beats failing.
        return SwitchboardSQLiteEngine(path=str(target.sqlite_path), timeout=30)
    return SwitchboardPostgresEngine(config={"dsn": target.postgres_dsn})


def bind_tables(engine: Engine) -> None:
    """Point every Switchboard table at `engine` (tables otherwise use piccolo_conf's)."""
    from app.db.tables import ALL_TABLES

    for table in ALL_TABLES:
        table._meta.db = engine


async def _nothing_to_reset(connection: Any) -> None:
    """A pooled connection goes back as it is: Switchboard keeps no session state (its only
    advisory lock is transaction-scoped, no SET, LISTEN or cursor outlives a statement), and
    asyncpg still rolls back an open transaction. This saves the RESET ALL round trip asyncpg
    otherwise sends after every statement."""


async def open_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=POOL_SIZE, reset=_nothing_to_reset)
    else:
        # WAL lets readers proceed while one writer commits; the mode persists in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def close_engine(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            await engine.close_connection_pool()
    elif isinstance(engine, KeptSQLiteEngine):
        await engine.close()


async def database_reachable(engine: Engine) -> bool:
    try:
        await engine.run_ddl("SELECT 1")
    except Exception:
        return False
    return True


def is_foreign_key_violation(exc: BaseException) -> bool:
    """True when a referenced row vanished (or is still referenced) on either backend."""
    name = type(exc).__name__
    return name == "ForeignKeyViolationError" or (
        name == "IntegrityError" and "FOREIGN KEY constraint failed" in str(exc)
    )


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-constraint failure on either backend."""
    name = type(exc).__name__
    text = str(exc)
    return name == "UniqueViolationError" or (
        name == "IntegrityError" and "UNIQUE constraint failed" in text
    )


_generation = 0


def write_generation() -> int:
    """How many write transactions this process has committed: caches of what the database
    says compare it to know that something may have changed (here; other instances' writes
    reach them through their time-to-live)."""
    return _generation


@contextlib.asynccontextmanager
async def write_transaction(engine: Engine, cached: bool = True) -> AsyncIterator[None]:
    """A transaction for read-then-write work; inside another one it joins it, so a service
    can compose steps that each need a transaction into one commit. `cached=False` says it
    writes nothing a cache holds (usage records), so caches stay valid.

    SQLite takes the write lock up front (IMMEDIATE) so two writers never deadlock upgrading a
    read lock; PostgreSQL relies on conditional updates and unique indexes instead.
    """
    global _generation
    if engine.current_transaction.get() is not None:
        yield
        return
    if isinstance(engine, SQLiteEngine):
        from piccolo.engine.sqlite import TransactionType

        transaction = engine.transaction(transaction_type=TransactionType.immediate)
    else:
        transaction = engine.transaction()
    try:
        async with transaction:
            yield
    finally:
        if cached:
            _generation += 1  # even a rollback: cheap, and never stale
