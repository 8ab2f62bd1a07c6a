"""Endpoints and workspaces: create, update, delete, validation, and how they are listed."""

from __future__ import annotations

import pytest

from app.db.tables import LLMConnection
from tests.documents import (
    CREATE_ENDPOINT,
    CREATE_WORKSPACE,
    create,
    create_endpoint,
    two_connections_with_dependents,
)

pytestmark = pytest.mark.db


async def test_endpoints_and_workspaces(admin, fake):
    a, b, ep, ws = await two_connections_with_dependents(admin, fake)
    assert ep["connection"]["name"] == "a" and ep["config"] == {"temperature": 0.2}
    assert ws["defaultConnection"]["name"] == "a" and ws["effectiveConnection"]["name"] == "a"
    listed = await admin(
        "{ endpoints { totalCount nodes { name model } } workspaces { totalCount nodes { name } } }"
    )
    assert listed["endpoints"] == {"totalCount": 1, "nodes": [{"name": "chat", "model": "llama3"}]}
    assert listed["workspaces"]["nodes"] == [{"name": "research"}]
    moved = await admin(
        """mutation($id: ID!, $c: ID!) { updateEndpoint(id: $id, input: {connectionId: $c, model: "qwen"}) {
        endpoint { model connection { name } } userErrors { code } } }""",
        {"id": ep["id"], "c": b["id"]},
    )
    assert moved["updateEndpoint"]["endpoint"] == {"model": "qwen", "connection": {"name": "b"}}
    cleared = await admin(
        """mutation($id: ID!) { updateWorkspace(id: $id, input: {defaultConnectionId: null}) {
        workspace { defaultConnection { name } effectiveConnection { name } } } }""",
        {"id": ws["id"]},
    )
    assert cleared["updateWorkspace"]["workspace"] == {
        "defaultConnection": None,
        "effectiveConnection": {"name": "a"},
    }
    by_name = await admin('{ endpoint(name: "CHAT") { name } }')
    assert by_name["endpoint"] == {"name": "chat"}
    gone = await admin(
        "mutation($id: ID!) { deleteEndpoint(id: $id) { deletedId userErrors { code } } }",
        {"id": ep["id"]},
    )
    assert gone["deleteEndpoint"]["deletedId"] == ep["id"]
    gone = await admin(
        "mutation($id: ID!) { deleteWorkspace(id: $id) { deletedId userErrors { code } } }",
        {"id": ws["id"]},
    )
    assert gone["deleteWorkspace"]["deletedId"] == ws["id"]


async def test_endpoint_validation(admin, fake):
    a, _, _, _ = await two_connections_with_dependents(admin, fake)
    cases = [
        (
            {"name": "x", "connectionId": a["id"], "model": "gpt-4o"},
            ["input", "model"],
            "VALIDATION",
        ),
        (
            {"name": "x", "connectionId": "TExNQ29ubmVjdGlvbjpub3Bl", "model": "m"},
            ["input", "connectionId"],
            "NOT_FOUND",
        ),
        (
            {"name": "CHAT", "connectionId": a["id"], "model": "llama3"},
            ["input", "name"],
            "DUPLICATE_NAME",
        ),
        (
            {"name": "bad/name", "connectionId": a["id"], "model": "llama3"},
            ["input", "name"],
            "VALIDATION",
        ),
        ({"name": "x", "connectionId": a["id"], "model": ""}, ["input", "model"], "VALIDATION"),
    ]
    for fields, path, code in cases:
        errors = (await admin(CREATE_ENDPOINT, {"input": fields}))["createEndpoint"]["userErrors"]
        assert {"field": path, "code": code} in [
            {"field": e["field"], "code": e["code"]} for e in errors
        ], errors
    assert (await admin("{ endpoints { totalCount } }"))["endpoints"]["totalCount"] == 1
    errors = await admin(
        CREATE_WORKSPACE,
        {"input": {"name": "w", "defaultConnectionId": "TExNQ29ubmVjdGlvbjpub3Bl"}},
    )
    assert errors["createWorkspace"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_dependents_are_listed_and_batched(admin, fake):
    a, b, ep, ws = await two_connections_with_dependents(admin, fake)
    data = await admin(
        "query($id: ID!) { dependents(connectionId: $id) { __typename ... on Endpoint { name } ... on Workspace { name } } }",
        {"id": a["id"]},
    )
    assert data["dependents"] == [
        {"__typename": "Endpoint", "name": "chat"},
        {"__typename": "Workspace", "name": "research"},
    ]
    for i in range(4):
        c = await create(admin, name=f"extra-{i}", provider="OLLAMA")
        await create_endpoint(admin, name=f"ep-{i}", connectionId=c["id"], model="anything")
    engine = LLMConnection._meta.db
    query = "query($n: Int) { connections(first: $n) { nodes { name dependentCount dependents { __typename } } } }"

    async def cost(n: int) -> int:
        before = engine.queries
        await admin(query, {"n": n})
        return engine.queries - before

    assert await cost(1) == await cost(6)
    counts = {
        n["name"]: n["dependentCount"]
        for n in (await admin(query, {"n": 10}))["connections"]["nodes"]
    }
    assert counts == {"a": 2, "b": 0, **{f"extra-{i}": 1 for i in range(4)}}
