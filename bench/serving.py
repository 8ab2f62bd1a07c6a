"""Benchmarks' servers: a migrated `serve` process on a database, and a scratch PostgreSQL
database that is dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import asyncpg

from tests.serving import start_serve, wait_healthy
from tests.support import free_port

PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def serving(
    url: str, log: IO[str], command: tuple[str, ...] = ("app.cli", "serve"), **settings: str
) -> Iterator[tuple[int, Any]]:
    subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
    )
    port = free_port()
    process = start_serve(url, port, log, command, SWITCHBOARD_LOG_LEVEL="WARNING", **settings)
    try:
        wait_healthy(port, process)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def scratch_postgres() -> Iterator[str | None]:
    name = f"switchboard_bench_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(PG_SERVER)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        asyncio.run(admin(f"CREATE DATABASE {name}"))
    except (OSError, asyncpg.PostgresError):
        yield None
        return
    try:
        yield PG_SERVER.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(admin(f"DROP DATABASE {name} WITH (FORCE)"))
