"""The SQLite file's bytes, read by a child process.

A process that holds SQLite connections must never open and close the database file itself:
closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's shared
lock included, and the next process to close its last connection then deletes the WAL under ours
("database disk image is malformed"; see app/db/sqlite.py). The suite keeps its connections open,
so it reads the file from another process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_READ = (
    "import sys\n"
    "for name in sys.argv[1:]:\n"
    "    data = open(name, 'rb').read()\n"
    "    sys.stdout.buffer.write(len(data).to_bytes(8, 'big') + data)\n"
)


def sqlite_files(database_url: str) -> list[Path]:
    path = Path(database_url.removeprefix("sqlite:///"))
    return [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]


def read_elsewhere(paths: list[Path]) -> list[bytes]:
    """Each file's bytes, as a child process read them."""
    out = subprocess.run(
        [sys.executable, "-c", _READ, *map(str, paths)], capture_output=True, check=True
    ).stdout
    blobs = []
    while out:
        size = int.from_bytes(out[:8], "big")
        blobs.append(out[8 : 8 + size])
        out = out[8 + size :]
    return blobs
