"""Endpoints and workspaces depend on connections: safe deletion, resolution, rotation."""

from __future__ import annotations

import asyncio

import pytest

from app.db.tables import Endpoint, LLMConnection, Workspace
from tests.api.documents import GET, SET_ENABLED, create

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-dependents-0001"

CREATE_ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  endpoint { id name model config connection { id name } } userErrors { field code message } } }"""
CREATE_WORKSPACE = """mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) {
  workspace { id name defaultConnection { name } effectiveConnection { name } } userErrors { field code message } } }"""
DELETE = """mutation($id: ID!, $force: Boolean, $to: ID) { deleteConnection(id: $id, force: $force, reassignTo: $to) {
  deletedId dependents { __typename ... on Endpoint { name } ... on Workspace { name } }
  userErrors { field code message } } }"""
RESOLVE = """query($c: ID, $w: ID) { resolveConnection(connectionId: $c, workspaceId: $w) {
  connection { name } source skipped { source reason connection { name } } userErrors { field code message } } }"""
ROTATE = """mutation($id: ID!, $input: RotateCredentialsInput!) { rotateConnectionCredentials(id: $id, input: $input) {
  connection { apiKeyHint credentialsUpdatedAt version lastVerification { status } }
  verification { status ok message } userErrors { field code message } } }"""
VERIFY = "mutation($id: ID!) { verifyConnection(id: $id) { verification { status } } }"


async def _endpoint(admin, **fields) -> dict:
    data = (await admin(CREATE_ENDPOINT, {"input": fields}))["createEndpoint"]
    assert data["userErrors"] == [], data["userErrors"]
    return data["endpoint"]


async def _workspace(admin, **fields) -> dict:
    data = (await admin(CREATE_WORKSPACE, {"input": fields}))["createWorkspace"]
    assert data["userErrors"] == [], data["userErrors"]
    return data["workspace"]


async def _setup(admin, fake):
    server = fake("OLLAMA", models=["llama3", "qwen"])
    a = await create(admin, name="a", provider="OLLAMA", baseUrl=server.url, isDefault=True)
    b = await create(admin, name="b", provider="OLLAMA", baseUrl=server.url)
    ep = await _endpoint(
        admin, name="chat", connectionId=a["id"], model="llama3", config={"temperature": 0.2}
    )
    ws = await _workspace(admin, name="research", defaultConnectionId=a["id"])
    return a, b, ep, ws


async def test_endpoints_and_workspaces(admin, fake):
    a, b, ep, ws = await _setup(admin, fake)
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
    a, _, _, _ = await _setup(admin, fake)
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
    a, b, ep, ws = await _setup(admin, fake)
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
        await _endpoint(admin, name=f"ep-{i}", connectionId=c["id"], model="anything")
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


async def test_delete_with_dependents_is_refused_then_reassigned(admin, fake):
    a, b, ep, ws = await _setup(admin, fake)
    refused = (await admin(DELETE, {"id": a["id"]}))["deleteConnection"]
    assert refused["deletedId"] is None
    assert refused["userErrors"][0]["code"] == "HAS_DEPENDENTS"
    assert {d["name"] for d in refused["dependents"]} == {"chat", "research"}
    assert (await admin(GET, {"id": a["id"]}))["connection"]["name"] == "a"
    for target, code in ((a["id"], "VALIDATION"), ("TExNQ29ubmVjdGlvbjpub3Bl", "NOT_FOUND")):
        bad = (await admin(DELETE, {"id": a["id"], "to": target}))["deleteConnection"]
        assert bad["userErrors"][0]["code"] == code and bad["userErrors"][0]["field"] == [
            "reassignTo"
        ]
    await admin(SET_ENABLED, {"id": b["id"], "enabled": False})
    disabled = (await admin(DELETE, {"id": a["id"], "to": b["id"]}))["deleteConnection"]
    assert disabled["userErrors"][0]["code"] == "NOT_ALLOWED"
    await admin(SET_ENABLED, {"id": b["id"], "enabled": True})
    moved = (await admin(DELETE, {"id": a["id"], "to": b["id"]}))["deleteConnection"]
    assert moved["deletedId"] == a["id"] and moved["userErrors"] == []
    after = await admin(
        "{ endpoints { nodes { connection { name } } } workspaces { nodes { defaultConnection { name } } } defaultConnection { name } }"
    )
    assert after["endpoints"]["nodes"] == [{"connection": {"name": "b"}}]
    assert after["workspaces"]["nodes"] == [{"defaultConnection": {"name": "b"}}]
    assert after["defaultConnection"] is None, "deleting the default leaves no default"


async def test_force_delete_unlinks_dependents(admin, fake):
    a, b, ep, ws = await _setup(admin, fake)
    forced = (await admin(DELETE, {"id": a["id"], "force": True}))["deleteConnection"]
    assert forced["deletedId"] == a["id"] and len(forced["dependents"]) == 2
    after = await admin(
        "{ endpoints { nodes { name connection { name } } } workspaces { nodes { defaultConnection { name } } } }"
    )
    assert after["endpoints"]["nodes"] == [{"name": "chat", "connection": None}]
    assert after["workspaces"]["nodes"] == [{"defaultConnection": None}]
    both = (await admin(DELETE, {"id": b["id"], "force": True, "to": b["id"]}))["deleteConnection"]
    assert both["userErrors"][0]["code"] == "VALIDATION"


async def test_resolution_priority(admin, fake):
    a, b, ep, ws = await _setup(admin, fake)
    assert (await admin(RESOLVE, {"c": b["id"], "w": ws["id"]}))["resolveConnection"][
        "source"
    ] == "EXPLICIT"
    via_ws = (await admin(RESOLVE, {"w": ws["id"]}))["resolveConnection"]
    assert via_ws["connection"] == {"name": "a"} and via_ws["source"] == "WORKSPACE_DEFAULT"
    await admin(
        "mutation($id: ID!, $c: ID) { updateWorkspace(id: $id, input: {defaultConnectionId: $c}) { userErrors { code } } }",
        {"id": ws["id"], "c": b["id"]},
    )
    await admin(SET_ENABLED, {"id": b["id"], "enabled": False})
    skipped = (await admin(RESOLVE, {"w": ws["id"]}))["resolveConnection"]
    assert skipped["source"] == "GLOBAL_DEFAULT" and skipped["connection"] == {"name": "a"}
    assert skipped["skipped"] == [
        {
            "source": "WORKSPACE_DEFAULT",
            "reason": "connection 'b' is disabled",
            "connection": {"name": "b"},
        }
    ]
    explicit_off = (await admin(RESOLVE, {"c": b["id"]}))["resolveConnection"]
    assert (
        explicit_off["connection"] is None
        and explicit_off["userErrors"][0]["code"] == "NOT_ALLOWED"
    )
    assert "disabled" in explicit_off["userErrors"][0]["message"]
    await admin(SET_ENABLED, {"id": a["id"], "enabled": False})
    nothing = (await admin(RESOLVE, {}))["resolveConnection"]
    assert nothing["connection"] is None and nothing["userErrors"][0]["code"] == "NOT_FOUND"
    assert "setDefaultConnection" in nothing["userErrors"][0]["message"]
    assert [s["source"] for s in nothing["skipped"]] == ["GLOBAL_DEFAULT"]


async def test_rotation_reaches_every_dependent_and_a_failed_one_changes_nothing(admin, fake):
    server = fake("OPENAI", key=KEY, models=["gpt-4o"])
    conn = await create(admin, name="prod", provider="OPENAI", baseUrl=server.url, apiKey=KEY)
    await _endpoint(admin, name="chat", connectionId=conn["id"], model="gpt-4o")
    new_key = "sk-S3CR3T-rotated-0002"
    failed = (await admin(ROTATE, {"id": conn["id"], "input": {"apiKey": new_key}}))[
        "rotateConnectionCredentials"
    ]
    assert failed["verification"]["status"] == "AUTH_FAILED"
    assert failed["userErrors"][0]["code"] == "VERIFICATION_FAILED" and failed["connection"] is None
    unchanged = (await admin(GET, {"id": conn["id"]}))["connection"]
    assert (
        unchanged["apiKeyHint"] == "…0001"
        and unchanged["credentialsUpdatedAt"] == conn["credentialsUpdatedAt"]
    )
    assert (await admin(VERIFY, {"id": conn["id"]}))["verifyConnection"]["verification"][
        "status"
    ] == "OK"
    server.key = new_key  # the provider now accepts only the new key
    rotated = (await admin(ROTATE, {"id": conn["id"], "input": {"apiKey": new_key}}))[
        "rotateConnectionCredentials"
    ]
    assert rotated["userErrors"] == [] and rotated["verification"]["ok"]
    assert rotated["connection"]["apiKeyHint"] == "…0002"
    assert rotated["connection"]["credentialsUpdatedAt"] > conn["credentialsUpdatedAt"]
    endpoint = await admin('{ endpoint(name: "chat") { connection { id } } }')
    dependent_connection = endpoint["endpoint"]["connection"]["id"]
    assert (await admin(VERIFY, {"id": dependent_connection}))["verifyConnection"]["verification"][
        "status"
    ] == "OK"
    assert server.requests[-1].headers["authorization"] == f"Bearer {new_key}"


async def test_rotation_without_verify_and_bad_input(admin, fake):
    conn = await create(admin, name="p", provider="OPENAI", apiKey=KEY)
    unverified = await admin(
        ROTATE,
        {"id": conn["id"], "input": {"apiKey": "sk-S3CR3T-unverified-0003", "verify": False}},
    )
    assert unverified["rotateConnectionCredentials"]["connection"]["apiKeyHint"] == "…0003"
    empty = (await admin(ROTATE, {"id": conn["id"], "input": {}}))["rotateConnectionCredentials"]
    assert empty["userErrors"][0]["code"] == "VALIDATION"
    masked = await admin(ROTATE, {"id": conn["id"], "input": {"apiKey": "…0003", "verify": False}})
    assert masked["rotateConnectionCredentials"]["userErrors"][0]["field"] == ["input", "apiKey"]


async def test_deleting_while_endpoints_are_created_never_orphans(admin, fake):
    for round_ in range(3):
        conn = await create(admin, name=f"racy-{round_}", provider="OLLAMA")
        results = await asyncio.gather(
            *(
                admin(
                    CREATE_ENDPOINT,
                    {"input": {"name": f"r{round_}-{i}", "connectionId": conn["id"], "model": "m"}},
                )
                for i in range(4)
            ),
            admin(DELETE, {"id": conn["id"]}),
        )
        deleted = results[-1]["deleteConnection"]
        created = [r["createEndpoint"] for r in results[:-1] if r["createEndpoint"]["endpoint"]]
        if deleted["deletedId"]:
            assert created == [], "an endpoint was created against a deleted connection"
        else:
            assert deleted["userErrors"][0]["code"] == "HAS_DEPENDENTS"
        rows = await Endpoint.select(Endpoint.connection)
        ids = {r["id"] for r in await LLMConnection.select(LLMConnection.id)}
        assert all(r["connection"] in ids for r in rows), (
            "no orphans, and nothing unlinked without force"
        )
    assert await Workspace.count() == 0
