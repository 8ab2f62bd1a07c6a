"""The console's tests run against a real `serve` on the test database (SQLite and PostgreSQL)
with one connection, "acme", on a loopback fake provider."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.console.driving import CREATE, KEY, gql
from tests.serving import start_serve, wait_healthy
from tests.support import free_port


@pytest.fixture
async def console(database_url, clean_db, fake) -> AsyncIterator[dict[str, Any]]:
    """serve on the test database with one connection, "acme", on a fake provider."""
    server = fake("OPENAI_COMPATIBLE", key=KEY, models=["gpt-fake"])
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(database_url, port, log)
        try:
            await asyncio.to_thread(wait_healthy, port, process)
            fields = {
                "name": "acme",
                "provider": "OPENAI_COMPATIBLE",
                "baseUrl": server.url,
                "apiKey": KEY,
            }
            made = await gql(port, CREATE, {"input": fields})
            assert made["data"]["createConnection"]["userErrors"] == [], made
            yield {
                "url": f"http://127.0.0.1:{port}",
                "port": port,
                "provider": server.url,
                "fake": server,
            }
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 30)
