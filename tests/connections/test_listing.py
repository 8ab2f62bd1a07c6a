"""The connections list: filters, stable ordering, Relay paging, constant queries."""

from __future__ import annotations

import pytest

from app.db.tables import LLMConnection
from tests.documents import LIST, create

pytestmark = pytest.mark.db


async def _seed(admin, count: int, **extra) -> list[str]:
    names = [f"conn-{i:03d}" for i in range(count)]
    for name in reversed(names):  # insertion order differs from name order
        await create(admin, name=name, provider="OLLAMA", **extra)
    return names


async def test_forward_and_backward_paging_visits_every_row_once(admin):
    names = await _seed(admin, 7)
    seen, after = [], None
    while True:
        data = (await admin(LIST, {"first": 3, "after": after}))["connections"]
        assert data["totalCount"] == 7
        seen += [n["name"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == names
    back, before = [], None
    while True:
        data = (await admin(LIST, {"last": 3, "before": before}))["connections"]
        back = [n["name"] for n in data["nodes"]] + back
        if not data["pageInfo"]["hasPreviousPage"]:
            break
        before = data["pageInfo"]["startCursor"]
    assert back == names


async def test_page_info_and_edges(admin):
    await _seed(admin, 3)
    first = (await admin(LIST, {"first": 2}))["connections"]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    rest = (await admin(LIST, {"first": 2, "after": first["pageInfo"]["endCursor"]}))["connections"]
    assert [n["name"] for n in rest["nodes"]] == ["conn-002"]
    assert not rest["pageInfo"]["hasNextPage"] and rest["pageInfo"]["hasPreviousPage"]


async def test_default_page_size_is_50(admin):
    await _seed(admin, 52)
    data = (await admin(LIST))["connections"]
    assert len(data["nodes"]) == 50 and data["totalCount"] == 52 and data["pageInfo"]["hasNextPage"]


async def test_ordering(admin):
    await _seed(admin, 3)
    desc = (await admin(LIST, {"orderBy": {"field": "NAME", "direction": "DESC"}}))["connections"]
    assert [n["name"] for n in desc["nodes"]] == ["conn-002", "conn-001", "conn-000"]
    created = (await admin(LIST, {"orderBy": {"field": "CREATED_AT"}, "first": 2}))["connections"]
    page2 = await admin(
        LIST, {"orderBy": {"field": "CREATED_AT"}, "after": created["pageInfo"]["endCursor"]}
    )
    ordered = [n["name"] for n in created["nodes"]] + [
        n["name"] for n in page2["connections"]["nodes"]
    ]
    assert ordered == ["conn-002", "conn-001", "conn-000"]


async def test_filters(admin, fresh_secret):
    await create(
        admin,
        name="openai-prod",
        provider="OPENAI",
        apiKey=fresh_secret,
        tags=["prod"],
        description="The big one",
        isDefault=True,
    )
    await create(
        admin, name="groq-dev", provider="GROQ", apiKey=fresh_secret, tags=["dev", "fast_lane"]
    )
    await create(admin, name="ollama", provider="OLLAMA", enabled=False, tags=["dev"])

    async def names(filter_):
        return sorted(
            n["name"] for n in (await admin(LIST, {"filter": filter_}))["connections"]["nodes"]
        )

    assert await names({"provider": "OPENAI"}) == ["openai-prod"]
    assert await names({"provider": ["OPENAI", "GROQ"]}) == ["groq-dev", "openai-prod"]
    assert await names({"enabled": False}) == ["ollama"]
    assert await names({"isDefault": True}) == ["openai-prod"]
    assert await names({"tag": "dev"}) == ["groq-dev", "ollama"]
    assert await names({"tag": "fast_lane"}) == ["groq-dev"]
    assert await names({"tag": "fast%lane"}) == []
    assert await names({"tag": "de"}) == []
    assert await names({"search": "BIG"}) == ["openai-prod"]
    assert await names({"search": "-"}) == ["groq-dev", "openai-prod"]
    assert await names({"search": "%"}) == []
    assert await names({"owner": "GLOBAL"}) == ["groq-dev", "ollama", "openai-prod"]
    assert await names({"owner": "MINE"}) == []
    assert await names({"provider": "GROQ", "tag": "prod"}) == []
    total = (await admin(LIST, {"filter": {"tag": "dev"}, "first": 1}))["connections"]["totalCount"]
    assert total == 2


async def test_list_costs_a_constant_number_of_queries(admin):
    engine = LLMConnection._meta.db
    query = "query($n: Int) { connections(first: $n) { totalCount nodes { id name owner { name } lastVerification { status } } } }"

    async def queries_for(n: int) -> int:
        before = engine.queries
        data = await admin(query, {"n": n})
        assert len(data["connections"]["nodes"]) == n
        return engine.queries - before

    await _seed(admin, 40)
    assert await queries_for(2) == await queries_for(40)
