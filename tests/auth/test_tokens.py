"""API tokens: created once, listed, revoked."""

from __future__ import annotations

import pytest

from tests.support import GraphQLClient

pytestmark = pytest.mark.db


TOKENS = (
    "{ apiTokens { totalCount nodes { id name role prefix active lastUsedAt owner { name } } } }"
)


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
