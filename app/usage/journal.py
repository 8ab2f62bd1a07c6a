"""Answered calls survive a crash: each record is appended to a local journal before its answer
completes, and what a process had not yet written to the database is replayed at the next start.

- A record is one line of JSON appended with one write(2) to a segment file: a killed process
  loses nothing the kernel has (kill -9 included). A power cut or a kernel crash can still lose
  what the kernel had not written back to disk (up to about 30 s of records with Linux's
  defaults): no fsync is made per call, which would cost milliseconds.
- The recorder seals the segment at each flush (new records go to a fresh one) and deletes the
  sealed ones once everything queued at that flush is in the database.
- Every segment is held under an exclusive flock by its process. At start-up, the segments no
  live process holds (its process died) are replayed; a record already in the database (it was
  written just before the crash) is skipped by its id, so replaying twice counts once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from app.db.engine import write_transaction
from app.db.tables import GatewayCall
from app.usage.store import write_batch

log = logging.getLogger("switchboard.usage")

SUFFIX = ".usage.jsonl"
REPLAY_BATCH = 1000
MAX_SEALED = 64  # segments (open files) waiting for the database at most; then one grows
_ENCODE = msgspec.json.Encoder()
_DECODE = msgspec.json.Decoder(dict[str, Any])


def journal_folder(base: Path, database_url: str) -> Path:
    """One folder per database: a journal is only ever replayed into the database its calls
    were answered for (the URL is hashed: it may hold a password)."""
    return base / hashlib.sha256(database_url.encode()).hexdigest()[:16]


class Segment:
    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self.fd)  # the lock goes with the descriptor


class Journal:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.current: Segment | None = None
        self.sealed: list[Segment] = []
        self.appended = False  # the current segment holds records

    def open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.current = self._new_segment()

    def _new_segment(self) -> Segment:
        path = self.folder / f"{os.getpid()}-{time.time_ns()}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return Segment(path, fd)

    def append(self, row: dict[str, Any]) -> None:
        if self.current is not None:
            os.write(self.current.fd, _ENCODE.encode(row) + b"\n")
            self.appended = True

    def seal(self) -> list[Segment]:
        """Start a new segment and return the sealed ones: every record appended before this
        call is in them or (while the database refuses writes and MAX_SEALED are waiting) in
        the current one, which is then kept until a later seal. An empty segment is kept."""
        if self.current is not None and self.appended and len(self.sealed) < MAX_SEALED:
            self.sealed.append(self.current)
            self.current = self._new_segment()
            self.appended = False
        return list(self.sealed)

    def written(self, segments: Sequence[Segment]) -> None:
        """Everything in these segments is in the database (or was refused by it)."""
        for segment in segments:
            segment.discard()
            self.sealed.remove(segment)

    def release(self) -> None:
        """Let go of every segment, kept on disk for the next start to replay."""
        for segment in [*self.sealed, *([self.current] if self.current else [])]:
            os.close(segment.fd)
        self.sealed, self.current = [], None

    def close(self) -> None:
        """At a clean stop, after the recorder wrote what it held: nothing is left to replay."""
        for segment in [*self.sealed, *([self.current] if self.current else [])]:
            segment.discard()
        self.sealed, self.current = [], None


async def replay(folder: Path) -> int:
    """Write the records of every segment no live process holds, then delete it; how many
    calls were missing from the database. Run at start-up, before serving: its file work may
    block."""
    found = missing = 0
    for segment in _unheld_segments(folder):
        rows = _records(segment.path)
        for start in range(0, len(rows), REPLAY_BATCH):
            missing += await write_unrecorded(rows[start : start + REPLAY_BATCH])
        segment.discard()
        found += len(rows)
    if found:
        log.warning(
            "usage: a stopped process's journal held %d calls; %d were not in the database "
            "and are now",
            found,
            missing,
        )
    return missing


def _unheld_segments(folder: Path) -> list[Segment]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue  # another process replayed it meanwhile
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)  # its process is alive
            continue
        found.append(Segment(path, fd))
    return found


def _records(path: Path) -> list[dict[str, Any]]:
    rows = []
    for line in path.read_bytes().splitlines():
        try:
            rows.append(_DECODE.decode(line))
        except msgspec.DecodeError:
            continue  # a line torn by the crash
    return rows


async def write_unrecorded(rows: Sequence[dict[str, Any]]) -> int:
    """write_batch for the rows whose call is not in the database yet (in one transaction);
    how many those were."""
    async with write_transaction(GatewayCall._meta.db, cached=False):
        ids = [uuid.UUID(row["id"]) for row in rows]
        found = await GatewayCall.select(GatewayCall.id).where(GatewayCall.id.is_in(ids))
        present = {str(row["id"]) for row in found}
        fresh = [row for row in rows if row["id"] not in present]
        if fresh:
            await write_batch(fresh)
    return len(fresh)
