"""SQLite with connections kept open, shared by several processes: a serving instance, this
process, and short-lived CLI processes that open and close their own connections (the ones whose
last close deletes the WAL when they wrongly believe no one else has the file open)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from app.db.sqlite import KeptSQLiteEngine
from tests.conftest import migrate
from tests.db_files import read_elsewhere, sqlite_files
from tests.documents import CREATE
from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port

WRITES = 60  # from each side


def _short_lived_writer(path: Path, rounds: int) -> subprocess.Popen[bytes]:
    """Another process that writes and closes its connection each round."""
    code = (
        "import sqlite3, sys\n"
        f"for n in range({rounds}):\n"
        "    c = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)\n"
        "    c.execute('INSERT INTO probe(side, n) VALUES (?, ?)', ('cli', n))\n"
        "    c.close()\n"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(path)])


async def _create_over_http(port: int, count: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        for n in range(count):
            body = {
                "query": CREATE,
                "variables": {"input": {"name": f"c{n}", "provider": "OLLAMA"}},
            }
            answer = await http.post(
                "/graphql", json=body, headers={"Authorization": f"Bearer {ADMIN}"}
            )
            assert answer.json()["data"]["createConnection"]["userErrors"] == []


async def test_three_processes_write_one_file_while_this_one_keeps_reading():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shared.sqlite3"
        url = f"sqlite:///{path}"
        migrate(url)
        engine = KeptSQLiteEngine(str(path))
        await engine.run_ddl("PRAGMA journal_mode=WAL")
        await engine.run_ddl("CREATE TABLE probe (side TEXT, n INTEGER)")
        port = free_port()
        with tempfile.TemporaryFile(mode="w+") as log:
            serve = start_serve(url, port, log)
            try:
                wait_healthy(port, serve)
                cli = _short_lived_writer(path, WRITES)
                seen: list[int] = []

                async def write_and_read_here() -> None:
                    for n in range(WRITES):
                        async with engine.transaction():
                            await engine.run_ddl(f"INSERT INTO probe(side, n) VALUES ('here', {n})")
                        rows = await engine.run_ddl("SELECT count(*) AS k FROM llm_connection")
                        seen.append(rows[0]["k"])
                        read_elsewhere(sqlite_files(url))  # the safe way to read the file
                        await asyncio.sleep(0)

                await asyncio.gather(_create_over_http(port, WRITES), write_and_read_here())
                assert await asyncio.to_thread(cli.wait, 60) == 0
            finally:
                serve.terminate()
                serve.wait(timeout=30)
        # This process never lost sight of the others' writes, and the file is whole.
        assert seen == sorted(seen), "a read went back in time"
        assert path.with_name(path.name + "-wal").exists(), "the WAL went while we held it"
        probe = await engine.run_ddl("SELECT side, count(*) AS k FROM probe GROUP BY side")
        assert {row["side"]: row["k"] for row in probe} == {"here": WRITES, "cli": WRITES}
        rows = await engine.run_ddl("SELECT count(*) AS k FROM llm_connection")
        assert rows[0]["k"] == WRITES
        assert await engine.run_ddl("PRAGMA integrity_check") == [{"integrity_check": "ok"}]
        await engine.close()


def _rounds_of_other_writers(path: Path, read_file_here: bool) -> list[str]:
    """This process holds a connection while another writes and closes its own, five times;
    before each, this process reads the database file, itself or through a child. Returns, per
    round, whether this connection read what the writer left ("ok") or what went wrong."""
    held = sqlite3.connect(path, isolation_level=None)
    held.execute("PRAGMA journal_mode=WAL")
    held.execute("CREATE TABLE t (v TEXT)")
    held.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 2000)
    writer = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.executemany('INSERT INTO t VALUES (?)', [('y' * 500,)] * 3000)\n"
        "c.execute('DELETE FROM t WHERE rowid % 7 = 0')\n"
        "print(c.execute('SELECT count(*) FROM t').fetchone()[0])\n"
        "c.close()\n"
    )
    answers = []
    for _ in range(5):
        if read_file_here:
            path.read_bytes()
        else:
            read_elsewhere([path])
        done = subprocess.run(
            [sys.executable, "-c", writer, str(path)], check=True, capture_output=True, text=True
        )
        try:
            [(count,)] = held.execute("SELECT count(*) FROM t").fetchall()
            answers.append(
                "ok" if count == int(done.stdout) else f"read {count}, not {done.stdout}"
            )
        except sqlite3.DatabaseError as exc:
            answers.append(str(exc))
    held.close()
    return answers


@pytest.mark.parametrize("read_file_here", [False, True])
def test_the_root_cause_reading_the_file_in_a_process_that_holds_a_connection(
    tmp_path, read_file_here
):
    """Closing any descriptor of the file drops this process's POSIX locks on it, so the other
    process's last close deletes the WAL under our connection, which then reads stale rows and
    in the end "database disk image is malformed". Reading the file from a child process (as
    the suite does) keeps every read right."""
    answers = _rounds_of_other_writers(tmp_path / "t.sqlite3", read_file_here)
    if read_file_here:
        assert answers != ["ok"] * 5, "SQLite no longer loses the WAL this way"
    else:
        assert answers == ["ok"] * 5
