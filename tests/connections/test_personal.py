"""Personal connections: members own them, nobody else reaches them."""

from __future__ import annotations

import pytest

from app.auth.service import Role, issue_token
from tests.documents import (
    CREATE,
    DELETE,
    GET,
    LIST,
    PERSONAL_KEY,
    SET_DEFAULT,
    SET_ENABLED,
    UPDATE,
    create_personal,
)
from tests.support import GraphQLClient

pytestmark = pytest.mark.db


SETTINGS = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { settings { allowDirectConnections allowSecretReveal } userErrors { code } } }"


@pytest.fixture
async def other(client, secret_watch) -> GraphQLClient:
    token = await issue_token("otto", Role.MEMBER, "other member")
    return GraphQLClient(client, token, secret_watch)


async def test_members_own_personal_connections(member, other, admin):
    mine = await create_personal(member)
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


async def test_personal_connection_rules(member, admin):
    for fields, path in (
        ({"provider": "OPENAI", "apiKey": PERSONAL_KEY}, ["input", "provider"]),
        (
            {"provider": "OPENAI_COMPATIBLE", "baseUrl": "https://x.example/v1", "isDefault": True},
            ["input", "isDefault"],
        ),
    ):
        errors = (await member(CREATE, {"input": {"name": "p", **fields}}))["createConnection"][
            "userErrors"
        ]
        assert errors[0]["code"] == "NOT_ALLOWED" and errors[0]["field"] == path
    mine = await create_personal(member)
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
    mine = await create_personal(member)
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


async def test_a_member_cannot_resolve_another_members_connection(member, other):
    mine = await create_personal(member)
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
