"""One watcher per process tells every subscriber when the connections or the usage change, on
any instance: once a second, while anyone listens, it reads the catalog's cache version (moved by
database triggers on every write to connections, their models and the model switches) and the
newest recorded gateway call; subscribers wake when either moves. The database is the bus, so no
instance needs another to tell it anything (nor Redis)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.db.tables import GatewayCall
from app.db.versions import read_versions

log = logging.getLogger(__name__)
INTERVAL = 1.0  # seconds between looks, while anyone listens


@dataclass(frozen=True)
class Marks:
    catalog: int  # the catalog's cache version
    usage_ms: int  # when the newest recorded gateway call started (epoch ms; 0: none yet)


async def read_marks() -> Marks:
    versions = await read_versions()
    rows = await GatewayCall.raw("SELECT MAX(started_ms) AS last FROM gateway_call")
    return Marks(versions.catalog, int(rows[0]["last"] or 0) if rows else 0)


class ChangeWatch:
    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.marks: Marks | None = None
        self.listeners = 0
        self._moved = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def changes(self) -> AsyncIterator[Marks]:
        """The marks now, then each time they move, until the caller stops listening."""
        self.listeners += 1
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch(), name="live-watch")
        try:
            seen: Marks | None = None
            while True:
                if self.marks is not None and self.marks != seen:
                    seen = self.marks
                    yield seen
                moved = self._moved
                await moved.wait()
        finally:
            self.listeners -= 1
            if self.listeners == 0 and self._task is not None:
                self._task.cancel()
                self._task = None

    async def _watch(self) -> None:
        while True:
            try:
                marks = await read_marks()
            except Exception as exc:  # the database is away: try again at the next look
                log.warning("live updates: could not read what changed (%s)", type(exc).__name__)
            else:
                if marks != self.marks:
                    self.marks = marks
                    moved, self._moved = self._moved, asyncio.Event()
                    moved.set()
            await asyncio.sleep(self.interval)
