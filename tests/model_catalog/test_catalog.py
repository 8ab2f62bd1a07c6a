"""The merged model catalog and its switches."""

from __future__ import annotations

import pytest

from app.db.tables import LLMConnection
from tests.documents import (
    MODELS,
    MODELS_KEY,
    REFRESH,
    SET_ENABLED,
    SET_MODEL,
    UPDATE,
    create,
    list_catalog,
)

pytestmark = pytest.mark.db


async def test_two_regions_serving_one_model_merge_into_one_entry(admin, fake):
    us = fake("OPENAI", key=MODELS_KEY, models=["gpt-4o", "gpt-4o-mini"])
    eu = fake("OPENAI", key=MODELS_KEY, models=["gpt-4o", "o1"])
    await create(
        admin, name="azure-us", provider="OPENAI_COMPATIBLE", baseUrl=us.url, apiKey=MODELS_KEY
    )
    await create(
        admin, name="azure-eu", provider="OPENAI_COMPATIBLE", baseUrl=eu.url, apiKey=MODELS_KEY
    )
    catalog = {m["modelId"]: m for m in await list_catalog(admin)}
    assert sorted(catalog) == ["gpt-4o", "gpt-4o-mini", "o1"]
    assert [o["connection"]["name"] for o in catalog["gpt-4o"]["offerings"]] == [
        "azure-eu",
        "azure-us",
    ]
    node = await admin(
        "query($id: ID!) { node(id: $id) { ... on Model { modelId offerings { upstreamId } } } }",
        {"id": catalog["gpt-4o"]["id"]},
    )
    assert node["node"]["modelId"] == "gpt-4o" and len(node["node"]["offerings"]) == 2


async def test_prefix_and_manual_lists(admin, fake):
    server = fake("OPENAI", key=MODELS_KEY, models=["gpt-4o"])
    conn = await create(
        admin,
        name="lab",
        provider="OPENAI_COMPATIBLE",
        baseUrl=server.url,
        apiKey=MODELS_KEY,
        prefixId="lab",
    )
    manual = await create(
        admin,
        name="fixed",
        provider="OPENAI_COMPATIBLE",
        baseUrl=server.url,
        apiKey=MODELS_KEY,
        modelIds=["only-this", "and-that"],
    )
    ids = {m["modelId"]: m["offerings"][0] for m in await list_catalog(admin)}
    assert ids["lab.gpt-4o"] == {
        "upstreamId": "gpt-4o",
        "source": "DISCOVERED",
        "connection": {"name": "lab"},
    }
    assert ids["only-this"]["source"] == "MANUAL" and "and-that" in ids
    assert len(server.requests) == 1, "a manual list needs no upstream call"
    await admin(UPDATE, {"id": conn["id"], "input": {"prefixId": "lab2"}})
    assert "lab2.gpt-4o" in {m["modelId"] for m in await list_catalog(admin)}
    await admin(UPDATE, {"id": manual["id"], "input": {"modelIds": ["swapped"]}})
    names = {m["modelId"] for m in await list_catalog(admin, connectionId=manual["id"])}
    assert names == {"swapped"}


async def test_disabled_connections_and_models_leave_the_catalog(admin, fake):
    server = fake("OLLAMA", models=["llama3", "qwen"])
    conn = await create(admin, name="ollama", provider="OLLAMA", baseUrl=server.url)
    catalog = {m["modelId"]: m for m in await list_catalog(admin)}
    hidden = await admin(SET_MODEL, {"id": catalog["qwen"]["id"], "enabled": False})
    assert hidden["setModelEnabled"] == {
        "model": {"modelId": "qwen", "enabled": False},
        "userErrors": [],
    }
    assert [m["modelId"] for m in await list_catalog(admin)] == ["llama3"]
    assert [m["modelId"] for m in await list_catalog(admin, enabled=False)] == ["qwen"]
    await admin(REFRESH, {"id": conn["id"]})
    assert [m["modelId"] for m in await list_catalog(admin)] == ["llama3"], (
        "the switch survives refreshes"
    )
    await admin(SET_ENABLED, {"id": conn["id"], "enabled": False})
    assert await list_catalog(admin) == []
    missing = await admin(SET_MODEL, {"id": "TW9kZWw6bm9uZQ", "enabled": False})
    assert missing["setModelEnabled"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_catalog_filters_and_paging(admin, fake):
    a = fake("OLLAMA", models=[f"m{i:02d}" for i in range(7)])
    b = fake("ANTHROPIC", key=MODELS_KEY, models=["claude-x"])
    conn_a = await create(admin, name="a", provider="OLLAMA", baseUrl=a.url)
    await create(admin, name="b", provider="ANTHROPIC", baseUrl=b.url, apiKey=MODELS_KEY)
    seen, after = [], None
    while True:
        page = (await admin(MODELS, {"first": 3, "after": after}))["models"]
        assert page["totalCount"] == 8
        seen += [m["modelId"] for m in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["claude-x", *[f"m{i:02d}" for i in range(7)]]
    assert [m["modelId"] for m in await list_catalog(admin, provider="ANTHROPIC")] == ["claude-x"]
    assert len(await list_catalog(admin, connectionId=conn_a["id"])) == 7
    assert [m["modelId"] for m in await list_catalog(admin, search="M03")] == ["m03"]
    assert await list_catalog(admin, search="%") == []


async def test_catalog_costs_a_constant_number_of_queries(admin, fake):
    engine = LLMConnection._meta.db
    for i in range(3):
        await create(
            admin,
            name=f"c{i}",
            provider="OLLAMA",
            baseUrl=fake("OLLAMA", models=[f"x{j}" for j in range(20)]).url,
        )

    async def queries(first: int) -> int:
        before = engine.queries
        data = await admin(MODELS, {"first": first})
        assert len(data["models"]["nodes"]) == first
        return engine.queries - before

    await queries(2)  # the first reads the whole catalog into memory (tests: test_catalog_cache)
    assert await queries(2) == await queries(20)
    nested = "query($n: Int) { connections(first: $n) { nodes { name models(first: 5) { totalCount nodes { modelId enabled } } } } }"
    before = engine.queries
    await admin(nested, {"n": 1})
    one = engine.queries - before
    before = engine.queries
    await admin(nested, {"n": 3})
    assert engine.queries - before == one
