"""Another Switchboard instance on the test database, as a second server behind a load balancer
would be: its own settings, keyring and rate-limit store; the tables it shares are already
bound and open."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.asgi import create_app
from app.security.keyring import Keyring
from app.settings import load_settings
from tests.conftest import TEST_KEYRING, TEST_SETTINGS, test_resolver


@asynccontextmanager
async def instance(
    database_url: str,
    settings: dict[str, str] | None = None,
    keyring: Keyring = TEST_KEYRING,
    token: str | None = None,
    namespace: str | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for a fresh app; with `token`, every request carries it."""
    loaded = load_settings({"DATABASE_URL": database_url, **TEST_SETTINGS, **(settings or {})})
    app: Any = create_app(
        loaded,
        keyring,
        resolve=test_resolver,
        store_namespace=namespace or f"switchboard-test-{uuid.uuid4().hex}",
    )
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sb", headers=headers
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
    finally:
        for outbound in app.state.outbound:
            await outbound.client.aclose()
        if not loaded.redis_url:
            await app.state.rate_limit_store.delete_all()


REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def require_redis() -> str:
    """The test Redis's URL; a skip when none answers (a failure in CI, where it must)."""
    import redis.asyncio as redis

    try:
        await redis.from_url(REDIS_URL).ping()
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but {REDIS_URL} did not answer: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL
