"""refreshModels: concurrent, bounded, each failure kept to itself."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.documents import MODELS_KEY, REFRESH, create, list_catalog

pytestmark = pytest.mark.db


async def test_refresh_all_is_concurrent_bounded_and_isolates_failures(admin, fake):
    from tests.fakes.server import Concurrency

    tracker = Concurrency()
    broken = fake("OPENAI", key=MODELS_KEY, models=["kept"])
    await create(
        admin, name="broken", provider="OPENAI_COMPATIBLE", baseUrl=broken.url, apiKey=MODELS_KEY
    )
    slow = []
    for i in range(7):
        server = fake("OLLAMA", models=[f"m{i}"])
        await create(admin, name=f"slow-{i}", provider="OLLAMA", baseUrl=server.url)
        server.mode, server.delay = "slow", 0.4  # under the 1 s read timeout: slow but fine
        server.concurrency = tracker
        slow.append(server)
    broken.mode = "500"
    payload = (await admin(REFRESH))["refreshModels"]
    results = {r["connection"]["name"]: r for r in payload["results"]}
    assert len(results) == 8 and payload["userErrors"] == []
    assert all(
        results[f"slow-{i}"]["ok"] and results[f"slow-{i}"]["modelCount"] == 1 for i in range(7)
    )
    assert results["broken"]["status"] == "INVALID_RESPONSE" and not results["broken"]["ok"]
    assert results["broken"]["connection"]["modelsError"].startswith("INVALID_RESPONSE")
    assert "kept" in {m["modelId"] for m in await list_catalog(admin)}, (
        "a failed refresh keeps the last good list"
    )
    # SWITCHBOARD_REFRESH_CONCURRENCY is 4 in the tests: calls overlapped, and never more than 4.
    assert 2 <= tracker.peak <= 4, tracker.peak


async def test_refresh_one_and_unknown(admin, fake):
    server = fake("OLLAMA", models=["a"])
    conn = await create(admin, name="one", provider="OLLAMA", baseUrl=server.url)
    server.models = ["a", "b"]
    payload = (await admin(REFRESH, {"id": conn["id"]}))["refreshModels"]
    assert [r["modelCount"] for r in payload["results"]] == [2]
    missing = (await admin(REFRESH, {"id": "TExNQ29ubmVjdGlvbjpub3Bl"}))["refreshModels"]
    assert missing["userErrors"][0]["code"] == "NOT_FOUND"


async def test_one_slow_provider_does_not_delay_the_others_past_its_timeout(admin, fake):
    stuck = fake("OLLAMA", models=["s"])
    await create(admin, name="stuck", provider="OLLAMA", baseUrl=stuck.url)
    await create(admin, name="fine", provider="OLLAMA", baseUrl=fake("OLLAMA", models=["f"]).url)
    stuck.mode, stuck.delay = "slow", 5
    started = time.monotonic()
    payload = (await admin(REFRESH))["refreshModels"]
    results = {r["connection"]["name"]: r["status"] for r in payload["results"]}
    assert results == {"stuck": "TIMEOUT", "fine": "OK"}
    assert time.monotonic() - started < 3
    await asyncio.sleep(0)
