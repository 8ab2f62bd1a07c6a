"""deleteConnection: refused while in use, unless told to move or unlink the dependents."""

from __future__ import annotations

import asyncio

import pytest

from app.db.tables import Endpoint, LLMConnection, Workspace
from tests.documents import (
    CREATE_ENDPOINT,
    GET,
    SET_ENABLED,
    create,
    create_endpoint,
    two_connections_with_dependents,
)
from tests.documents import DELETE as DELETE_PLAIN

pytestmark = pytest.mark.db


DELETE = """mutation($id: ID!, $force: Boolean, $to: ID) { deleteConnection(id: $id, force: $force, reassignTo: $to) {
  deletedId dependents { __typename ... on Endpoint { name } ... on Workspace { name } }
  userErrors { field code message } } }"""


async def test_delete(admin):
    conn = await create(admin, name="doomed", provider="OLLAMA", isDefault=True)
    data = await admin(DELETE_PLAIN, {"id": conn["id"]})
    assert data["deleteConnection"] == {"deletedId": conn["id"], "userErrors": []}
    assert (await admin(GET, {"id": conn["id"]}))["connection"] is None
    assert (await admin("{ defaultConnection { id } }"))["defaultConnection"] is None
    again = await admin(DELETE_PLAIN, {"id": conn["id"]})
    assert again["deleteConnection"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_delete_with_dependents_is_refused_then_reassigned(admin, fake):
    a, b, ep, ws = await two_connections_with_dependents(admin, fake)
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
    a, b, ep, ws = await two_connections_with_dependents(admin, fake)
    forced = (await admin(DELETE, {"id": a["id"], "force": True}))["deleteConnection"]
    assert forced["deletedId"] == a["id"] and len(forced["dependents"]) == 2
    after = await admin(
        "{ endpoints { nodes { name connection { name } } } workspaces { nodes { defaultConnection { name } } } }"
    )
    assert after["endpoints"]["nodes"] == [{"name": "chat", "connection": None}]
    assert after["workspaces"]["nodes"] == [{"defaultConnection": None}]
    both = (await admin(DELETE, {"id": b["id"], "force": True, "to": b["id"]}))["deleteConnection"]
    assert both["userErrors"][0]["code"] == "VALIDATION"


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


async def test_an_endpoint_never_moves_to_a_personal_connection(admin, member, fake):
    server = fake("OLLAMA", models=["llama3"])
    shared = await create(admin, name="shared", provider="OLLAMA", baseUrl=server.url)
    await create_endpoint(admin, name="chat", connectionId=shared["id"], model="llama3")
    personal = await create(member, name="mine", provider="OPENAI_COMPATIBLE", baseUrl=server.url)
    refused = (await admin(DELETE, {"id": shared["id"], "to": personal["id"]}))["deleteConnection"]
    assert refused["deletedId"] is None
    [problem] = refused["userErrors"]
    assert problem["code"] == "NOT_ALLOWED" and problem["field"] == ["reassignTo"]
    assert problem["message"] == "endpoints are shared: they cannot use a personal connection"
    assert await Endpoint.count() == 1
    assert (await admin(GET, {"id": shared["id"]}))["connection"] is not None


async def test_reassign_refuses_a_connection_that_does_not_serve_the_model(admin, fake):
    a = await create(admin, name="a", provider="OLLAMA", baseUrl=fake("OLLAMA", models=["x"]).url)
    b = await create(admin, name="b", provider="OLLAMA", baseUrl=fake("OLLAMA", models=["y"]).url)
    await create_endpoint(admin, name="chat", connectionId=a["id"], model="x")
    refused = (await admin(DELETE, {"id": a["id"], "to": b["id"]}))["deleteConnection"]
    assert refused["deletedId"] is None
    [problem] = refused["userErrors"]
    assert problem["code"] == "NOT_ALLOWED" and problem["field"] == ["reassignTo"]
    assert "'chat'" in problem["message"] and "does not serve model 'x'" in problem["message"]
    endpoints = await admin("{ endpoints { nodes { connection { name } } } }")
    assert endpoints["endpoints"]["nodes"] == [{"connection": {"name": "a"}}], "nothing moved"


async def test_a_moved_dependent_is_audited_with_global_ids(admin, fake):
    a, b, ep, ws = await two_connections_with_dependents(admin, fake)
    moved = (await admin(DELETE, {"id": a["id"], "to": b["id"]}))["deleteConnection"]
    assert moved["userErrors"] == []
    trail = await admin(
        "{ auditEvents(first: 20) { nodes { action targetName changes { field old new } } } }"
    )
    events = {(e["action"], e["targetName"]): e for e in trail["auditEvents"]["nodes"]}
    endpoint = events[("endpoint.update", "chat")]["changes"]
    assert endpoint == [{"field": "connectionId", "old": a["id"], "new": b["id"]}]
    workspace = events[("workspace.update", "research")]["changes"]
    assert workspace == [{"field": "defaultConnectionId", "old": a["id"], "new": b["id"]}]
    created = events[("endpoint.create", "chat")]["changes"]
    assert {"field": "connectionId", "old": None, "new": a["id"]} in created
