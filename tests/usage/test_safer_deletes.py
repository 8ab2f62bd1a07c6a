"""A connection in use by the gateway is not deleted by accident: its dependents tell when they
last called and how often in the last 24 hours, and direct callers (by model id) count too."""

from __future__ import annotations

import pytest

from tests.gateway.sdks import caller_token, openai_client, openai_connection

pytestmark = pytest.mark.db

HELLO = [{"role": "user", "content": "hi"}]
DELETE = """mutation($id: ID!, $force: Boolean) { deleteConnection(id: $id, force: $force) {
  deletedId userErrors { field code message }
  dependents { __typename ... on Endpoint { name lastUsedAt callsLast24Hours }
                          ... on Workspace { name lastUsedAt callsLast24Hours } } } }"""
ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  endpoint { id } userErrors { message } } }"""


async def test_direct_gateway_traffic_refuses_a_delete_without_force(app, admin, fake):
    conn = await openai_connection(admin, fake, "busy", ["m-busy"])
    client = openai_client(app, await caller_token(admin, name="billing-bot"))
    for _ in range(2):
        await client.chat.completions.create(model="m-busy", messages=HELLO)

    refused = (await admin(DELETE, {"id": conn["id"]}))["deleteConnection"]
    assert refused["deletedId"] is None
    [error] = refused["userErrors"]
    assert error["code"] == "RECENTLY_USED" and error["field"] == ["id"]
    assert "2 gateway call(s) in the last 24 hours" in error["message"]
    assert "billing-bot" in error["message"] and "force" in error["message"]
    forced = (await admin(DELETE, {"id": conn["id"], "force": True}))["deleteConnection"]
    assert forced["deletedId"] == conn["id"] and forced["userErrors"] == []


async def test_has_dependents_tells_when_each_dependent_last_called(app, admin, fake):
    conn = await openai_connection(admin, fake, "main", ["m-main"])
    for name in ("assistant", "quiet"):
        made = await admin(
            ENDPOINT, {"input": {"name": name, "connectionId": conn["id"], "model": "m-main"}}
        )
        assert made["createEndpoint"]["userErrors"] == []
    client = openai_client(app, await caller_token(admin))
    for _ in range(3):
        await client.chat.completions.create(model="assistant", messages=HELLO)

    refused = (await admin(DELETE, {"id": conn["id"]}))["deleteConnection"]
    assert [e["code"] for e in refused["userErrors"]] == ["HAS_DEPENDENTS"]
    by_name = {d["name"]: d for d in refused["dependents"]}
    assert by_name["assistant"]["callsLast24Hours"] == 3
    assert by_name["assistant"]["lastUsedAt"] is not None
    assert by_name["quiet"] == {
        "__typename": "Endpoint",
        "name": "quiet",
        "lastUsedAt": None,
        "callsLast24Hours": 0,
    }


async def test_a_connection_without_recent_traffic_deletes_as_before(app, admin, fake):
    conn = await openai_connection(admin, fake, "unused", ["m-unused"])
    done = (await admin(DELETE, {"id": conn["id"]}))["deleteConnection"]
    assert done["deletedId"] == conn["id"] and done["userErrors"] == []


async def test_both_reasons_are_told_at_once(app, admin, fake):
    conn = await openai_connection(admin, fake, "both", ["m-both"])
    made = await admin(
        ENDPOINT, {"input": {"name": "ep", "connectionId": conn["id"], "model": "m-both"}}
    )
    assert made["createEndpoint"]["userErrors"] == []
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(model="m-both", messages=HELLO)
    refused = (await admin(DELETE, {"id": conn["id"]}))["deleteConnection"]
    assert [e["code"] for e in refused["userErrors"]] == ["HAS_DEPENDENTS", "RECENTLY_USED"]
    assert [d["name"] for d in refused["dependents"]] == ["ep"]


MOVE = """mutation($id: ID!, $force: Boolean, $to: ID) {
  deleteConnection(id: $id, force: $force, reassignTo: $to) {
    deletedId userErrors { code } } }"""


async def test_a_recently_used_connection_can_move_its_dependents_and_go(app, admin, fake):
    """force says "despite the traffic"; with reassignTo the dependents still move, not unlink."""
    conn = await openai_connection(admin, fake, "old", ["m-move"])
    other = await openai_connection(admin, fake, "new", ["m-move"])
    made = await admin(
        ENDPOINT, {"input": {"name": "ep", "connectionId": conn["id"], "model": "m-move"}}
    )
    assert made["createEndpoint"]["userErrors"] == []
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(
        model="m-move", messages=HELLO, extra_headers={"X-Switchboard-Connection": "old"}
    )
    moved = {"id": conn["id"], "to": other["id"]}
    refused = (await admin(MOVE, moved))["deleteConnection"]
    assert [e["code"] for e in refused["userErrors"]] == ["RECENTLY_USED"]
    done = (await admin(MOVE, {**moved, "force": True}))["deleteConnection"]
    assert done == {"deletedId": conn["id"], "userErrors": []}
    endpoints = await admin("{ endpoints { nodes { name connection { name } } } }")
    assert endpoints["endpoints"]["nodes"] == [{"name": "ep", "connection": {"name": "new"}}]
