"""Every wait on the database has a deadline, and a call past it is abandoned, not awaited.

A database that stops answering (a frozen server, a full pool, a lock held by another process)
must cost a request its deadline, never more: each statement, pool acquisition, BEGIN, COMMIT,
ROLLBACK and connection release runs in a task of its own that the caller waits on for at most
the database timeout. Past it the task is cancelled and left to clean up on its own (asyncpg
then sends a cancel request and waits for it, which on a frozen server takes as long as the
freeze), and the caller gets DatabaseUnavailable at once. Cancelling a request (its own
deadline) abandons its statement the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from app.errors import Unavailable

T = TypeVar("T")


_override: ContextVar[float | None] = ContextVar("database_deadline", default=None)
_abandoned: set[asyncio.Future[Any]] = set()  # kept referenced until their clean-up ends


class DatabaseUnavailable(Unavailable):
    """The database did not answer within its timeout, or could not be reached at all."""

    code = "DATABASE_UNAVAILABLE"

    def __init__(self, why: str) -> None:
        super().__init__(f"The database is not answering: {why}. Try again shortly.")


@contextlib.contextmanager
def database_deadline(seconds: float) -> Iterator[None]:
    """Within this block, each database call waits at most `seconds` (e.g. a health check)."""
    token = _override.set(seconds)
    try:
        yield
    finally:
        _override.reset(token)


def effective_timeout(default: float | None) -> float | None:
    override = _override.get()
    if override is None:
        return default
    return override if default is None else min(override, default)


async def bounded(
    work: Awaitable[T],
    timeout: float | None,  # noqa: ASYNC109
    cleanup_waits: bool = True,
) -> T:
    """`work`'s result, or DatabaseUnavailable once `timeout` seconds have passed.
    `cleanup_waits=False` says cancelling `work` returns at once (SQLite's statements run on
    threads the cancellation does not wait for): it is then awaited in place, with no task."""
    timeout = effective_timeout(timeout)
    if timeout is None:
        return await work
    if not cleanup_waits:
        try:
            async with asyncio.timeout(timeout):
                return await work
        except TimeoutError:
            raise DatabaseUnavailable(f"the database did not answer within {timeout:g} s") from None
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait((task,), timeout=timeout)
    except BaseException:  # the caller was cancelled: its statement goes too, unawaited
        _abandon(task)
        raise
    if not done:
        _abandon(task)
        raise DatabaseUnavailable(f"the database did not answer within {timeout:g} s")
    try:
        return task.result()
    except (OSError, ConnectionError) as exc:
        raise DatabaseUnavailable(f"the database cannot be reached ({type(exc).__name__})") from exc
    except Exception as exc:
        if _is_connection_failure(exc):
            failed = type(exc).__name__
            raise DatabaseUnavailable(f"the database connection failed ({failed})") from exc
        raise


def _abandon(task: asyncio.Future[Any]) -> None:
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget)


def _forget(task: asyncio.Future[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: an abandoned call's failure is no one's to report


CONNECTION_FAILURES = frozenset(
    {"PostgresConnectionError", "CannotConnectNowError", "TooManyConnectionsError"}
)


def _is_connection_failure(exc: BaseException) -> bool:
    """asyncpg's lost or refused connections, by class name (asyncpg is PostgreSQL's only)."""
    return any(cls.__name__ in CONNECTION_FAILURES for cls in type(exc).__mro__)
