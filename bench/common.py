"""A throwaway migrated SQLite database and a started app, for benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from app.asgi import create_app, start, stop
from app.auth.service import Role, issue_token
from app.security.keyring import Keyring
from app.settings import load_settings


@asynccontextmanager
async def bench_app(**settings: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """(app, client with an admin token) on a fresh database; DATABASE_URL may point elsewhere."""
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        subprocess.run(  # noqa: ASYNC221 (once, before anything else runs)
            [sys.executable, "-m", "app.cli", "migrate"],
            check=True,
            capture_output=True,
            env={**os.environ, "DATABASE_URL": url},
        )
        app = create_app(
            load_settings({"DATABASE_URL": url, **settings}), Keyring("b", {"b": bytes(32)})
        )
        await start(app)
        try:
            token = await issue_token("bench", Role.ADMIN, "bench")
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", headers=headers
            ) as client:
                yield app, client
        finally:
            await stop(app)


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> Any:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, timeout=300
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def admin_caller() -> Any:
    """An admin as the connection service sees one, for benchmarks that skip GraphQL."""
    import uuid

    from app.audit.service import Actor
    from app.auth.service import Viewer
    from app.connections.access import Caller
    from app.org.settings import OrgSettings

    viewer = Viewer(uuid.uuid4(), "bench", Role.ADMIN, uuid.uuid4())
    return Caller(viewer, OrgSettings(), Actor(None, "bench", None))
