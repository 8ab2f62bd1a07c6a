"""The audit trail: every write recorded, queryable by who, what and when."""

from __future__ import annotations

import pytest

from app.auth.service import Role, issue_token
from tests.documents import SET_ENABLED, UPDATE, create
from tests.support import GraphQLClient

pytestmark = pytest.mark.db


SETTINGS = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { settings { allowDirectConnections allowSecretReveal } userErrors { code } } }"


AUDIT = """query($f: AuditFilter, $first: Int) { auditEvents(filter: $f, first: $first) { totalCount
  nodes { action actorName targetType targetId targetName requestId changes { field old new secret } } } }"""


@pytest.fixture
async def other(client, secret_watch) -> GraphQLClient:
    token = await issue_token("otto", Role.MEMBER, "other member")
    return GraphQLClient(client, token, secret_watch)


async def test_audit_answers_who_changed_the_base_url(admin, fresh_secret):
    conn = await create(
        admin,
        name="audited",
        provider="OPENAI_COMPATIBLE",
        baseUrl="https://a.example/v1",
        apiKey=fresh_secret,
    )
    await admin.http.post(
        "/graphql",
        headers={"Authorization": f"Bearer {admin.token}", "X-Request-Id": "req-42"},
        json={
            "query": UPDATE,
            "variables": {
                "id": conn["id"],
                "input": {"baseUrl": "https://b.example/v1", "apiKey": "sk-S3CR3T-moved-9999"},
            },
        },
    )
    await admin(SET_ENABLED, {"id": conn["id"], "enabled": False})
    events = (await admin(AUDIT, {"f": {"targetId": conn["id"]}}))["auditEvents"]
    assert [e["action"] for e in events["nodes"]] == [
        "connection.set_enabled",
        "connection.update",
        "connection.create",
    ]
    update = events["nodes"][1]
    assert (
        update["actorName"] == "root"
        and update["requestId"] == "req-42"
        and update["targetName"] == "audited"
    )
    assert {
        "field": "baseUrl",
        "old": "https://a.example/v1",
        "new": "https://b.example/v1",
        "secret": False,
    } in update["changes"]
    assert {"field": "apiKey", "old": None, "new": None, "secret": True} in update["changes"]
    only_url = (
        await admin(AUDIT, {"f": {"action": "connection.", "targetId": conn["id"]}, "first": 1})
    )["auditEvents"]
    assert only_url["totalCount"] == 3 and len(only_url["nodes"]) == 1
    mutations = await admin('{ __type(name: "Mutation") { fields { name } } }')
    assert not [f["name"] for f in mutations["__type"]["fields"] if "audit" in f["name"].lower()], (
        "append-only"
    )


async def test_settings_are_audited(admin):
    await admin(SETTINGS, {"i": {"allowSecretReveal": True}})
    events = (await admin(AUDIT, {"f": {"action": "settings.update"}}))["auditEvents"]["nodes"]
    assert events[0]["changes"] == [
        {"field": "allowSecretReveal", "old": False, "new": True, "secret": False}
    ]


async def test_every_kind_of_write_is_audited(admin, member, other):
    conn = await create(admin, name="base", provider="OLLAMA", modelIds=["m"])
    ep = (
        await admin(
            'mutation($c: ID!) { createEndpoint(input: {name: "e", connectionId: $c, model: "m"}) { endpoint { id } } }',
            {"c": conn["id"]},
        )
    )["createEndpoint"]["endpoint"]
    await admin(
        'mutation($id: ID!) { updateEndpoint(id: $id, input: {description: "d"}) { userErrors { code } } }',
        {"id": ep["id"]},
    )
    await admin("mutation($id: ID!) { deleteEndpoint(id: $id) { deletedId } }", {"id": ep["id"]})
    ws = (await admin('mutation { createWorkspace(input: {name: "w"}) { workspace { id } } }'))[
        "createWorkspace"
    ]["workspace"]
    await admin("mutation($id: ID!) { deleteWorkspace(id: $id) { deletedId } }", {"id": ws["id"]})
    model = (await admin("{ models { nodes { id } } }"))["models"]["nodes"][0]
    await admin(
        "mutation($id: ID!) { setModelEnabled(id: $id, enabled: false) { userErrors { code } } }",
        {"id": model["id"]},
    )
    await admin("mutation { refreshModels { results { ok } } }")
    actions = [e["action"] for e in (await admin(AUDIT, {"first": 50}))["auditEvents"]["nodes"]]
    for action in (
        "connection.create",
        "endpoint.create",
        "endpoint.update",
        "endpoint.delete",
        "workspace.create",
        "workspace.delete",
        "model.set_enabled",
        "models.refresh",
    ):
        assert action in actions, action
    update = next(
        e
        for e in (await admin(AUDIT, {"f": {"action": "endpoint.update"}}))["auditEvents"]["nodes"]
    )
    assert {"field": "description", "old": None, "new": "d", "secret": False} in update["changes"]
