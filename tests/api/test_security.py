"""Personal connections, tokens, settings, reveal and the audit trail, attacked as a member would."""

from __future__ import annotations

import pytest

from app.auth.service import Role, issue_token
from tests.api.documents import CREATE, DELETE, GET, LIST, SET_DEFAULT, SET_ENABLED, UPDATE, create
from tests.support import GraphQLClient

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-personal-0001"
SETTINGS = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { settings { allowDirectConnections allowSecretReveal } userErrors { code } } }"
AUDIT = """query($f: AuditFilter, $first: Int) { auditEvents(filter: $f, first: $first) { totalCount
  nodes { action actorName targetType targetId targetName requestId changes { field old new secret } } } }"""
TOKENS = (
    "{ apiTokens { totalCount nodes { id name role prefix active lastUsedAt owner { name } } } }"
)


@pytest.fixture
async def other(client, secret_watch) -> GraphQLClient:
    token = await issue_token("otto", Role.MEMBER, "other member")
    return GraphQLClient(client, token, secret_watch)


async def _personal(member, name="mine", **extra) -> dict:
    return await create(
        member,
        name=name,
        provider="OPENAI_COMPATIBLE",
        baseUrl="https://llm.example.com/v1",
        apiKey=KEY,
        **extra,
    )


async def test_members_own_personal_connections(member, other, admin):
    mine = await _personal(member)
    assert mine["owner"] == {"name": "mia"} and not mine["isDefault"]
    edited = (await member(UPDATE, {"id": mine["id"], "input": {"description": "mine only"}}))[
        "updateConnection"
    ]
    assert edited["userErrors"] == []
    # Another member cannot see it by list, name, id or node: it does not exist for them.
    assert (await other(LIST))["connections"]["totalCount"] == 0
    assert (await other(GET, {"id": mine["id"]}))["connection"] is None
    assert (await other(GET, {"name": "mine"}))["connection"] is None
    assert (await other("query($id: ID!) { node(id: $id) { id } }", {"id": mine["id"]}))[
        "node"
    ] is None
    for document, variables in (
        (UPDATE, {"input": {"name": "stolen"}}),
        (DELETE, {}),
        (SET_ENABLED, {"enabled": False}),
    ):
        payload = next(iter((await other(document, {"id": mine["id"], **variables})).values()))
        assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    # Admins list and delete them (off-boarding) but cannot edit them or make them the default.
    assert (await admin(LIST, {"filter": {"owner": "GLOBAL"}}))["connections"]["totalCount"] == 0
    assert (await admin(LIST))["connections"]["totalCount"] == 1
    refused = await admin(UPDATE, {"id": mine["id"], "input": {"baseUrl": "https://evil.example"}})
    assert refused["updateConnection"]["userErrors"][0]["code"] == "NOT_ALLOWED"
    assert (await admin(SET_DEFAULT, {"id": mine["id"]}))["setDefaultConnection"]["userErrors"][0][
        "code"
    ] == "NOT_ALLOWED"
    assert (await admin(DELETE, {"id": mine["id"]}))["deleteConnection"]["deletedId"] == mine["id"]


async def test_an_update_never_makes_a_personal_or_disabled_connection_the_default(member, admin):
    mine = await _personal(member)
    refused = (await member(UPDATE, {"id": mine["id"], "input": {"isDefault": True}}))[
        "updateConnection"
    ]
    assert refused["userErrors"][0]["field"] == ["input", "isDefault"]
    assert "personal" in refused["userErrors"][0]["message"]
    off = await create(admin, name="off", provider="OLLAMA", enabled=False)
    refused = (await admin(UPDATE, {"id": off["id"], "input": {"isDefault": True}}))[
        "updateConnection"
    ]
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED"
    assert "disabled" in refused["userErrors"][0]["message"]
    total = await admin("{ connections(filter: {isDefault: true}) { totalCount } }")
    assert total["connections"]["totalCount"] == 0, "nothing was written"


async def test_personal_connection_rules(member, admin):
    for fields, path in (
        ({"provider": "OPENAI", "apiKey": KEY}, ["input", "provider"]),
        (
            {"provider": "OPENAI_COMPATIBLE", "baseUrl": "https://x.example/v1", "isDefault": True},
            ["input", "isDefault"],
        ),
    ):
        errors = (await member(CREATE, {"input": {"name": "p", **fields}}))["createConnection"][
            "userErrors"
        ]
        assert errors[0]["code"] == "NOT_ALLOWED" and errors[0]["field"] == path
    mine = await _personal(member)
    ws = (
        await admin(
            'mutation($c: ID) { createWorkspace(input: {name: "w", defaultConnectionId: $c}) { userErrors { code } } }',
            {"c": mine["id"]},
        )
    )["createWorkspace"]
    assert ws["userErrors"][0]["code"] == "NOT_ALLOWED", (
        "a personal connection is never a workspace default"
    )
    ep = (
        await admin(
            'mutation($c: ID!) { createEndpoint(input: {name: "e", connectionId: $c, model: "m"}) { userErrors { code } } }',
            {"c": mine["id"]},
        )
    )["createEndpoint"]
    assert ep["userErrors"][0]["code"] == "NOT_ALLOWED"
    models = await admin("{ models { totalCount } }")
    assert models["models"]["totalCount"] == 0, (
        "personal models stay out of the organisation's catalog"
    )


async def test_turning_direct_connections_off_hides_without_deleting(member, admin):
    mine = await _personal(member)
    await admin(SETTINGS, {"i": {"allowDirectConnections": False}})
    assert (await member(LIST))["connections"]["totalCount"] == 0
    assert (await admin(LIST))["connections"]["totalCount"] == 0
    errors = (
        await member(
            CREATE,
            {
                "input": {
                    "name": "again",
                    "provider": "OPENAI_COMPATIBLE",
                    "baseUrl": "https://x.example/v1",
                }
            },
        )
    )["createConnection"]["userErrors"]
    assert errors[0]["code"] == "NOT_ALLOWED"
    await admin(SETTINGS, {"i": {"allowDirectConnections": True}})
    assert (await member(GET, {"id": mine["id"]}))["connection"]["name"] == "mine"


async def test_member_against_every_admin_operation(member, admin):
    conn = await create(admin, name="shared", provider="OLLAMA")
    forbidden = [
        (
            "mutation($id: ID!) { setDefaultConnection(id: $id) { userErrors { code } } }",
            {"id": conn["id"]},
        ),
        ("mutation($id: ID!) { deleteConnection(id: $id) { deletedId } }", {"id": conn["id"]}),
        (
            "mutation($id: ID!) { verifyConnection(id: $id) { userErrors { code } } }",
            {"id": conn["id"]},
        ),
        (
            'mutation($id: ID!) { rotateConnectionCredentials(id: $id, input: {apiKey: "sk-x-123456789"}) { userErrors { code } } }',
            {"id": conn["id"]},
        ),
        ("mutation($id: ID!) { revealConnectionSecret(id: $id) { apiKey } }", {"id": conn["id"]}),
        ("mutation { refreshModels { results { ok } } }", {}),
        (
            'mutation { setModelEnabled(id: "TW9kZWw6eA", enabled: false) { userErrors { code } } }',
            {},
        ),
        ('mutation { createWorkspace(input: {name: "w"}) { userErrors { code } } }', {}),
        (
            'mutation($c: ID!) { createEndpoint(input: {name: "e", connectionId: $c, model: "m"}) { userErrors { code } } }',
            {"c": conn["id"]},
        ),
        (
            "mutation { updateSettings(input: {allowSecretReveal: true}) { settings { allowSecretReveal } } }",
            {},
        ),
        ("{ auditEvents { totalCount } }", {}),
    ]
    for document, variables in forbidden:
        errors = await member.errors(document, variables)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", document
    assert (await admin("{ settings { allowSecretReveal } }"))["settings"][
        "allowSecretReveal"
    ] is False


async def test_tokens_are_created_once_listed_and_revoked(client, admin, member, secret_watch):
    created = (
        await admin("""mutation { createApiToken(input: {name: "ci", role: MEMBER, user: "robot"}) {
        token apiToken { id name role prefix active owner { name } } userErrors { code } } }""")
    )["createApiToken"]
    token = created["token"]
    secret_watch.extra.add(token)  # from here on no response or log line may repeat it
    assert token.startswith("swb_") and created["apiToken"]["prefix"] == token[:8]
    assert created["apiToken"]["owner"] == {"name": "robot"} and created["apiToken"]["active"]
    robot = GraphQLClient(client, token, secret_watch)
    assert (await robot("{ viewer { name role } }"))["viewer"] == {
        "name": "robot",
        "role": "MEMBER",
    }
    listed = (await admin(TOKENS))["apiTokens"]
    assert listed["totalCount"] == 3 and all("token" not in n for n in listed["nodes"])
    assert (await member(TOKENS))["apiTokens"]["totalCount"] == 1, "members see only their own"
    stolen = (
        await member(
            "mutation($id: ID!) { revokeApiToken(id: $id) { userErrors { code } } }",
            {"id": created["apiToken"]["id"]},
        )
    )["revokeApiToken"]
    assert stolen["userErrors"][0]["code"] == "NOT_FOUND"
    own = await member(
        """mutation { createApiToken(input: {name: "laptop", role: ADMIN}) { token userErrors { code field } } }"""
    )
    assert (
        own["createApiToken"]["userErrors"][0]["code"] == "NOT_ALLOWED"
        and own["createApiToken"]["token"] is None
    )
    revoked = (
        await admin(
            "mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { active revokedAt } } }",
            {"id": created["apiToken"]["id"]},
        )
    )["revokeApiToken"]
    assert revoked["apiToken"]["active"] is False
    response = await robot.raw("{ viewer { name } }")
    assert response.status_code == 401, "revocation holds on the very next request"
    past = await admin(
        """mutation { createApiToken(input: {name: "old", role: MEMBER, expiresAt: "2020-01-01T00:00:00Z"}) { userErrors { field } } }"""
    )
    assert past["createApiToken"]["userErrors"][0]["field"] == ["input", "expiresAt"]


async def test_secret_reveal_is_off_by_default_then_audited(admin, secret_watch):
    plain = "sk-reveal-me-12345678"
    secret_watch.extra.add(plain)
    conn = await create(admin, name="r", provider="OPENAI", apiKey=plain)
    reveal = "mutation($id: ID!) { revealConnectionSecret(id: $id) { apiKey userErrors { code message } } }"
    off = (await admin(reveal, {"id": conn["id"]}))["revealConnectionSecret"]
    assert off["apiKey"] is None and off["userErrors"][0]["code"] == "NOT_ALLOWED"
    await admin(SETTINGS, {"i": {"allowSecretReveal": True}})
    secret_watch.extra.discard(plain)  # this one response is the point of the feature
    on = (await admin(reveal, {"id": conn["id"]}))["revealConnectionSecret"]
    assert on["apiKey"] == plain
    secret_watch.extra.add(plain)
    events = (await admin(AUDIT, {"f": {"action": "connection.reveal_secret"}}))["auditEvents"]
    assert events["totalCount"] == 1 and events["nodes"][0]["changes"] == [
        {"field": "apiKey", "old": None, "new": None, "secret": True}
    ]


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


async def test_a_member_cannot_resolve_another_members_connection(member, other):
    mine = await _personal(member)
    theirs = (
        await other(
            "query($c: ID) { resolveConnection(connectionId: $c) { connection { id } userErrors { code } } }",
            {"c": mine["id"]},
        )
    )["resolveConnection"]
    assert theirs["connection"] is None and theirs["userErrors"][0]["code"] == "NOT_FOUND"
    own = (
        await member(
            "query($c: ID) { resolveConnection(connectionId: $c) { connection { name } source } }",
            {"c": mine["id"]},
        )
    )["resolveConnection"]
    assert own == {"connection": {"name": "mine"}, "source": "EXPLICIT"}
