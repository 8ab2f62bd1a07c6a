"""Tokens and roles: no token, bad token, members read, admins write."""

from __future__ import annotations

import pytest

from app.auth.service import Role, issue_token
from app.auth.tokens import hash_token
from app.db.tables import ApiToken
from tests.documents import CREATE, LIST, create

pytestmark = pytest.mark.db


async def test_missing_or_bad_token_is_unauthenticated(client):
    for headers in (
        {},
        {"Authorization": "Bearer swb_not-a-real-token-at-all"},
        {"Authorization": "Basic abc"},
    ):
        response = await client.post(
            "/graphql", json={"query": "{ viewer { name } }"}, headers=headers
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "data" not in response.json()


async def test_viewer(admin, member):
    assert (await admin("{ viewer { name role } }"))["viewer"] == {"name": "root", "role": "ADMIN"}
    assert (await member("{ viewer { name role } }"))["viewer"] == {"name": "mia", "role": "MEMBER"}


async def test_members_read_hints_but_cannot_write(admin, member, fresh_secret):
    conn = await create(admin, name="shared", provider="OPENAI", apiKey=fresh_secret)
    listed = await member("{ connections { nodes { name apiKeyHint } } }")
    assert listed["connections"]["nodes"] == [{"name": "shared", "apiKeyHint": "…WXYZ"}]
    refused = (await member(CREATE, {"input": {"name": "x", "provider": "OLLAMA"}}))[
        "createConnection"
    ]
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED", (
        "members only create personal OpenAI-compatible ones"
    )
    for document, variables in (
        (
            "mutation($id: ID!) { setDefaultConnection(id: $id) { userErrors { code } } }",
            {"id": conn["id"]},
        ),
        ("mutation($id: ID!) { deleteConnection(id: $id) { deletedId } }", {"id": conn["id"]}),
        (
            'mutation($id: ID!) { updateConnection(id: $id, input: {name: "y"}) { userErrors { code } } }',
            {"id": conn["id"]},
        ),
        (
            "mutation($id: ID!) { setConnectionEnabled(id: $id, enabled: false) { userErrors { code } } }",
            {"id": conn["id"]},
        ),
    ):
        errors = await member.errors(document, variables)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await admin(LIST))["connections"]["nodes"] == [{"name": "shared"}]


async def test_tokens_are_stored_only_as_hashes(client):
    token = await issue_token("ops", Role.ADMIN, "ops token")
    assert token.startswith("swb_")
    rows = await ApiToken.select()
    assert token not in repr(rows)
    assert rows[0]["token_hash"] == hash_token(token)


async def test_revoked_and_expired_tokens_are_refused(client):
    from datetime import UTC, datetime, timedelta

    token = await issue_token("ops", Role.ADMIN, "soon gone")
    headers = {"Authorization": f"Bearer {token}"}
    ok = await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=headers)
    assert ok.status_code == 200
    await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        ApiToken.token_hash == hash_token(token)
    )
    expired = await client.post("/graphql", json={"query": "{ viewer { name } }"}, headers=headers)
    assert expired.status_code == 401
