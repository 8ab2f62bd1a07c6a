"""Calls are queued in memory and written in batches off the request path: when a batch is
full, on a timer, and at shutdown. The queue is bounded; while the database refuses batches it
holds what it can, and the log says how many records were dropped. Adding never blocks and
never fails a call."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from app.usage.journal import Journal
from app.usage.store import write_batch

log = logging.getLogger("switchboard.usage")

Writer = Callable[[Sequence[dict[str, Any]]], Awaitable[None]]
Probe = Callable[[], Awaitable[bool]]


async def database_answers() -> bool:
    from app.db.engine import database_reachable
    from app.db.tables import GatewayCall

    return await database_reachable(GatewayCall._meta.db)


class Recorder:
    def __init__(
        self,
        capacity: int = 100_000,
        batch: int = 1000,
        interval: float = 1.0,
        write: Writer = write_batch,
        reachable: Probe = database_answers,
        journal: Journal | None = None,
    ) -> None:
        self.capacity = capacity
        self.batch = batch
        self.interval = interval
        self.write = write
        self.reachable = reachable
        self.journal = journal  # each record also goes there first, so a crash loses none
        self.queue: deque[dict[str, Any]] = deque()
        self.dropped = 0
        self.written = 0
        self._full = asyncio.Event()
        self._writing = asyncio.Lock()  # one flush at a time: a flush returns once all is written
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._failing_since: float | None = None

    def add(self, row: dict[str, Any]) -> None:
        if self.journal is not None:
            try:
                self.journal.append(row)
            except OSError as exc:  # a full disk must not fail the call
                log.warning("usage: the journal refused a record (%s)", exc)
        if len(self.queue) >= self.capacity:
            self.dropped += 1
            return
        self.queue.append(row)
        if len(self.queue) >= self.batch:
            self._full.set()

    def start(self) -> None:
        if self.journal is not None:
            self.journal.open()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="usage-recorder")

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Stop the timer (a write under way finishes) and write what is queued, within
        `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                if self._task is not None:
                    self._stopping = True
                    self._full.set()
                    await self._task
                await self.flush()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        self._stopping = False
        if self.queue:
            kept = "kept in the journal for the next start" if self.journal else "dropped"
            log.warning("usage: %d records not written at shutdown, %s", len(self.queue), kept)
            self.dropped += 0 if self.journal else len(self.queue)
            self.queue.clear()
            if self.journal is not None:
                self.journal.release()
        elif self.journal is not None:
            self.journal.close()

    async def _run(self) -> None:
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._full.wait()
            self._full.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write everything queued, a batch at a time; on a failure keep the batch queued (as
        far as the bound allows) and try again on the next tick."""
        async with self._writing:
            await self._flush()

    async def _flush(self) -> None:
        # Only what was queued when the flush began: calls arriving while it writes wait for
        # the next tick, or a busy gateway would keep the flush writing a few rows at a time.
        sealed = self.journal.seal() if self.journal is not None else []
        left = len(self.queue)
        while left and self.queue:
            taken = [self.queue.popleft() for _ in range(min(self.batch, left, len(self.queue)))]
            left -= len(taken)
            try:
                await self.write(taken)
            except Exception as exc:
                if not await self.reachable():
                    self._requeue(taken, exc)
                    return
                await self._one_by_one(taken)  # the database answers: some record is refused
                continue
            self.written += len(taken)
            if self._failing_since is not None:
                log.warning("usage: the database takes records again (%d dropped)", self.dropped)
                self._failing_since = None
        if self.journal is not None:  # everything the sealed segments hold is written now
            self.journal.written(sealed)

    async def _one_by_one(self, taken: list[dict[str, Any]]) -> None:
        """Write the batch a record at a time, dropping (and logging) the ones refused, so one
        bad record never holds the queue up."""
        for row in taken:
            try:
                await self.write([row])
            except Exception as exc:
                self.dropped += 1
                log.warning("usage: the database refused a record (%s); dropped", exc)
            else:
                self.written += 1

    def _requeue(self, taken: list[dict[str, Any]], exc: Exception) -> None:
        room = max(0, self.capacity - len(self.queue))
        kept = taken[:room]
        self.queue.extendleft(reversed(kept))
        self.dropped += len(taken) - len(kept)
        now = time.monotonic()
        if self._failing_since is None or now - self._failing_since > 60:
            self._failing_since = now
            log.warning(
                "usage: could not write %d records (%s); %d queued, %d dropped so far",
                len(taken),
                type(exc).__name__,
                len(self.queue),
                self.dropped,
            )
