"""SQLite kept open: per process one writer connection and a few readers, each with the one
thread that uses it, instead of Piccolo's new connection (and thread, and WAL deletion) per
statement.

- Writes take turns on the writer inside this process (an asyncio lock), so they never spin in
  SQLite's busy handler against each other; other processes still wait on SQLite's own lock.
- Reads outside a transaction go to an idle reader and see every write committed before they
  start (WAL: readers never block the writer, nor it them).
- The WAL stays (the connections stay open) and commits do not fsync (`synchronous=NORMAL`):
  a power cut can lose the last commits, never corrupt the file.
- Connections belong to the process that opened them: after a fork the child opens its own.

One hazard comes with connections that stay open, and it is why an earlier attempt read a
"malformed" database: SQLite's locks are POSIX locks, which a process loses on *every* descriptor
of the file as soon as it closes *any* descriptor of it. A process that holds a connection and
also opens and closes the database file itself (to read its bytes, copy it...) drops the shared
lock that tells other processes it is still there; the next process to close its last connection
then believes it is the last user, checkpoints and deletes the WAL under the open connection,
which then reads stale pages and finally "database disk image is malformed". Nothing in a
process holding these connections may open the database file except through SQLite
(tests/db_files.py reads it from a child process).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from app.db.deadlines import DatabaseUnavailable, effective_timeout

READERS = 4  # as many as one request may run at once (engine.STATEMENTS_PER_REQUEST)
_READ = re.compile(r"\s*(SELECT|VALUES|EXPLAIN)\b", re.IGNORECASE)


class Link:
    """One sqlite3 connection and the single thread that uses it."""

    def __init__(self, connect: dict[str, Any]) -> None:
        self._connect = connect
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._connection: sqlite3.Connection | None = None
        self._begin_with_next: str | None = None  # a BEGIN that goes with the next statement

    async def open(self) -> Link:
        self._connection = await self._call(self._open)
        return self

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(**self._connect, check_same_thread=False)
        connection.row_factory = dict_factory
        connection.execute("PRAGMA foreign_keys = 1")
        connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def _call(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    async def execute(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return await self._call(self._fetch, self._take_begin(), sql, args)

    def _fetch(self, begin: str | None, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        assert self._connection is not None
        if begin is not None:
            if sql in ("COMMIT", "ROLLBACK"):  # a transaction that ran no statement
                return []
            self._begin(begin)
        return self._connection.execute(sql, args).fetchall()

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._call(self._fetch_many, self._take_begin(), sql, rows)

    def _fetch_many(self, begin: str | None, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        assert self._connection is not None
        if begin is not None:
            self._begin(begin)
        self._connection.executemany(sql, rows)

    async def begin(self, kind: str) -> None:
        """Sent with the transaction's first statement, in the same turn of the thread (one
        hand-over fewer per transaction); a transaction that runs none sends nothing."""
        self._begin_with_next = f"BEGIN {kind}"

    def _take_begin(self) -> str | None:
        begin, self._begin_with_next = self._begin_with_next, None
        return begin

    def _begin(self, sql: str) -> None:
        assert self._connection is not None
        self._rollback_if_open()
        self._connection.execute(sql)

    def release(self, open_work: bool = True) -> None:
        """Queue a rollback of whatever the last owner left open (cancelled in the middle of a
        statement, or failed): the one thread runs it before the next owner's first statement,
        and without waiting for the next owner, so no other process waits on an open write.
        `open_work=False`: the owner's COMMIT answered, so nothing is open."""
        self._begin_with_next = None
        if open_work:
            self._thread.submit(self._rollback_if_open)

    def _rollback_if_open(self) -> None:
        if self._connection is not None and self._connection.in_transaction:
            self._connection.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            await self._call(self._connection.close)
            self._connection = None
        self._thread.shutdown(wait=False)


class LinkPool:
    """The connections of one process: a writer and up to READERS readers, opened on demand."""

    def __init__(self, connect: dict[str, Any]) -> None:
        self.pid = os.getpid()
        self._connect = connect
        self._writer: Link | None = None
        self._idle: list[Link] = []
        self._all: list[Link] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def _turns(self) -> None:
        """The lock and the reader slots belong to one event loop; a CLI may run several in turn
        (the connections themselves serve any loop)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._write_turn = asyncio.Lock()
            self._reader_slots = asyncio.Semaphore(READERS)

    async def _open(self) -> Link:
        link = await Link(self._connect).open()
        self._all.append(link)
        return link

    @contextlib.asynccontextmanager
    async def writer(self, timeout: float | None = None) -> AsyncIterator[Link]:  # noqa: ASYNC109
        """The writer, once this process's earlier writes are done: waited for `timeout`
        seconds at most (a lock never left waiting for a cleanup, so a plain timeout is safe)."""
        self._turns()
        limit = effective_timeout(timeout)
        try:
            async with asyncio.timeout(limit):
                await self._write_turn.acquire()
        except TimeoutError:
            raise DatabaseUnavailable(f"no turn to write within {limit} s") from None
        try:
            if self._writer is None:
                self._writer = await self._open()
            yield self._writer
        finally:
            self._write_turn.release()

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[Link]:
        self._turns()
        async with self._reader_slots:
            link = self._idle.pop() if self._idle else await self._open()
            try:
                yield link
            finally:
                self._idle.append(link)

    async def close(self) -> None:
        links, self._all, self._idle, self._writer = self._all, [], [], None
        for link in links:
            await link.close()


class KeptTransaction(SQLiteTransaction):
    """A transaction on the writer, holding the process's write turn until it ends. Whatever
    happens inside (an error, a failed COMMIT, a cancellation even between a statement and its
    answer), the writer goes back with no transaction open (Link.release)."""

    __slots__ = ("_turn",)

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        assert isinstance(self.engine, KeptSQLiteEngine)
        self._turn = self.engine.links().writer(getattr(self.engine, "timeout", None))
        self.connection = await self._turn.__aenter__()
        try:
            await self.begin()
        except BaseException as exc:
            self.connection.release()
            await self._turn.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def begin(self) -> None:
        await self.connection.begin(self.transaction_type.value)

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception is None and not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            # Rolls back an error's (or a cancelled COMMIT's) work; after a COMMIT that
            # answered there is none, and the thread is not woken for nothing.
            self.connection.release(open_work=not self._committed)
            self.engine.current_transaction.reset(self.context)
            await self._turn.__aexit__(exception_type, exception, traceback)
        return exception is None


class KeptSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine on connections kept for the life of the process."""

    def __init__(self, path: str, timeout: float = 30) -> None:
        super().__init__(path=path, timeout=timeout)
        self._links: LinkPool | None = None

    def links(self) -> LinkPool:
        if self._links is None or self._links.pid != os.getpid():
            # A forked child never touches its parent's connections (nor closes them).
            self._links = LinkPool(self.connection_kwargs)
        return self._links

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        sql, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._statement(sql, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False) -> Any:
        return await self._statement(ddl, ())

    async def _statement(self, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        transaction = self.current_transaction.get()
        if transaction is not None:
            return await transaction.connection.execute(sql, args)
        links = self.links()
        use = links.reader() if _READ.match(sql) else links.writer()
        async with use as link:
            return await link.execute(sql, args)

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> KeptTransaction:
        return KeptTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    async def close(self) -> None:
        if self._links is not None and self._links.pid == os.getpid():
            await self._links.close()
        self._links = None
