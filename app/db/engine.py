"""Piccolo engines built from DATABASE_URL, with a query counter for N+1 tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from app.db.deadlines import DatabaseUnavailable, bounded, database_deadline
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
    """Counts every statement an engine runs (tests read `queries` before and after), keeps
    each request to its share of connections, and bounds every statement by the database
    timeout (app.db.deadlines: past it, the statement is abandoned, not awaited)."""

    queries: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0  # tests reset it, then read it
    timeout: float | None = None  # seconds a statement may take, its turn for a connection included
    cleanup_waits: bool = True  # does cancelling a statement wait for its cleanup (asyncpg)?

    async def run_querystring(self, querystring: QueryString, in_pool: bool = True) -> Any:
        self.queries += 1
        work = self._in_turn(querystring, in_pool)
        return await bounded(work, self.timeout, self.cleanup_waits)

    async def run_ddl(self, ddl: str, in_pool: bool = True) -> Any:
        work = super().run_ddl(ddl, in_pool)  # type: ignore[misc]
        return await bounded(work, self.timeout, self.cleanup_waits)

    async def _in_turn(self, querystring: QueryString, in_pool: bool) -> Any:
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
    cleanup_waits = False  # a statement runs on its connection's thread; cancelling leaves it be


class BoundedPostgresTransaction(PostgresTransaction):
    """Piccolo's transaction with every wait bounded: taking a connection, BEGIN, COMMIT,
    ROLLBACK and giving the connection back. A connection stuck when the server froze is
    given back by a task of its own; the answer does not wait for it."""

    __slots__ = ()

    def _timeout(self) -> float | None:
        return getattr(self.engine, "timeout", None)

    async def get_connection(self) -> Any:
        return await bounded(super().get_connection(), self._timeout())

    async def begin(self) -> None:
        await bounded(super().begin(), self._timeout())

    async def commit(self) -> None:
        await bounded(super().commit(), self._timeout())

    async def rollback(self) -> None:
        await bounded(super().rollback(), self._timeout())

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            with contextlib.suppress(DatabaseUnavailable):
                await bounded(self._give_back(), self._timeout())
        return exception is None

    async def _give_back(self) -> None:
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()


class SwitchboardPostgresEngine(QueryCounting, PostgresEngine):
    def transaction(self, allow_nested: bool = True) -> BoundedPostgresTransaction:
        return BoundedPostgresTransaction(engine=self, allow_nested=allow_nested)


def engine_from_url(url: str, timeout: float | None = None) -> Engine:
    """The engine; with `timeout`, every wait on the database is bounded by it (serving).
    Commands such as migrate leave it unbounded: a migration may take as long as it takes."""
    target = parse_database_url(url)
    engine: SwitchboardSQLiteEngine | SwitchboardPostgresEngine
    if target.kind == "sqlite":
        assert target.sqlite_path is not None
        target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite serialises writers across processes: waiting beats failing, up to the timeout.
        engine = SwitchboardSQLiteEngine(path=str(target.sqlite_path), timeout=timeout or 30)
    else:
        engine = SwitchboardPostgresEngine(config={"dsn": target.postgres_dsn})
    engine.timeout = timeout
    return engine


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


def is_postgres(engine: Engine) -> bool:
    """PostgreSQL (several instances may share it) rather than the embedded SQLite."""
    return isinstance(engine, PostgresEngine)


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


async def database_reachable(engine: Engine, timeout: float | None = None) -> bool:  # noqa: ASYNC109
    """Does the database answer (within `timeout` seconds, when given)?"""
    try:
        if timeout is None:
            await engine.run_ddl("SELECT 1")
        else:
            with database_deadline(timeout):
                await bounded(engine.run_ddl("SELECT 1"), timeout)
    except Exception:
        return False
    return True


def is_foreign_key_violation(exc: BaseException) -> bool:
    """True when a referenced row vanished (or is still referenced) on either backend."""
    name = type(exc).__name__
    return name == "ForeignKeyViolationError" or (
        name == "IntegrityError" and "FOREIGN KEY constraint failed" in str(exc)
    )


def is_deadlock(exc: BaseException) -> bool:
    """PostgreSQL aborted this transaction to break a lock cycle (the cache-version triggers
    make two writers of connection rows meet on one more row): retrying it is safe."""
    return type(exc).__name__ in ("DeadlockDetectedError", "SerializationError")


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
