"""How listing connections scales: latency and queries per page, on a throwaway SQLite database.

make bench          (or: .venv/bin/python -m bench.connections_list [rows])
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

from app.asgi import create_app, start, stop
from app.auth.service import Role, issue_token
from app.connections.inputs import ConnectionInput
from app.db.tables import LLMConnection
from app.providers.catalog import Provider
from app.security.keyring import Keyring
from app.settings import load_settings
from bench.common import admin_caller

CLOSED_PORT = "http://127.0.0.1:9"  # discovery is refused at once: no network beyond loopback
QUERY = """query($first: Int, $after: String) {
  connections(first: $first, after: $after) {
    totalCount pageInfo { endCursor }
    nodes { id name provider baseUrl apiKeyHint tags owner { name } } } }"""


async def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        subprocess.run(  # noqa: ASYNC221 (once, before anything else runs)
            [sys.executable, "-m", "app.cli", "migrate"],
            check=True,
            env={"DATABASE_URL": url, "PATH": ""},
            capture_output=True,
        )
        app = create_app(load_settings({"DATABASE_URL": url}), Keyring("b", {"b": bytes(32)}))
        await start(app)
        try:
            await run(app, rows)
        finally:
            await stop(app)


async def run(app: object, rows: int) -> None:
    service = app.state.services.connections  # type: ignore[attr-defined]
    began = time.perf_counter()
    for i in range(rows):
        data = ConnectionInput(
            provider=Provider.OLLAMA,
            name=f"conn-{i:05d}",
            base_url=CLOSED_PORT,
            plain={"tags": ["bench"]},
        )
        await service.create(admin_caller(), data, verify=False)
    print(f"created {rows} connections in {time.perf_counter() - began:.1f}s")
    token = await issue_token("bench", Role.ADMIN, "bench")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        headers = {"Authorization": f"Bearer {token}"}
        engine = LLMConnection._meta.db
        for first in (10, 50, 500):
            timings, queries = [], 0
            for _ in range(10):
                before = engine.queries
                t0 = time.perf_counter()
                r = await http.post(
                    "/graphql",
                    json={"query": QUERY, "variables": {"first": first}},
                    headers=headers,
                )
                timings.append((time.perf_counter() - t0) * 1000)
                queries = engine.queries - before
                assert "errors" not in r.json(), r.text
            print(
                f"first={first:>3}: median {statistics.median(timings):6.1f} ms, "
                f"max {max(timings):6.1f} ms, {queries} SQL statements per request"
            )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
