"""Tokens and settings are cached per instance, yet a revocation, an expiry or a settings change
reaches the very next request on every instance: here a second instance is a real `serve`
process on the same database, and the writes come from this process (or from plain SQL)."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.auth.service import Role, issue_token
from app.auth.tokens import hash_token
from app.db.tables import ApiToken
from app.ids import global_id
from tests.db_tally import tally
from tests.serving import start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

VIEWER = {"query": "{ viewer { name } }"}
SETTINGS = {"query": "{ settings { allowSecretReveal } }"}


@pytest.fixture
def other_instance(database_url, clean_db):
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(database_url, port, log)
        try:
            wait_healthy(port, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.kill()
            process.wait(timeout=10)


async def ask(base: str, token: str, body: dict) -> httpx.Response:
    def post() -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.post(f"{base}/graphql", json=body, headers=headers, timeout=30)

    return await asyncio.to_thread(post)


async def test_a_revocation_here_reaches_the_next_request_there(admin, other_instance):
    token = await issue_token("mia", Role.MEMBER, "laptop")
    for _ in range(2):  # the second answer comes from the other instance's cache
        assert (await ask(other_instance, token, VIEWER)).status_code == 200
    [row] = await ApiToken.select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))
    revoked = await admin(
        "mutation($id: ID!) { revokeApiToken(id: $id) { userErrors { message } } }",
        {"id": global_id("ApiToken", row["id"])},
    )
    assert revoked["revokeApiToken"]["userErrors"] == []
    assert (await ask(other_instance, token, VIEWER)).status_code == 401


async def test_an_expiry_set_by_hand_reaches_the_next_request_there(client, other_instance):
    token = await issue_token("ops", Role.ADMIN, "script")
    assert (await ask(other_instance, token, VIEWER)).status_code == 200
    await ApiToken.update({ApiToken.expires_at: datetime.now(UTC) - timedelta(seconds=1)}).where(
        ApiToken.token_hash == hash_token(token)
    )
    assert (await ask(other_instance, token, VIEWER)).status_code == 401


async def test_a_settings_change_here_is_read_there_at_once(admin, other_instance):
    reader = await issue_token("root2", Role.ADMIN, "reader")
    before = (await ask(other_instance, reader, SETTINGS)).json()["data"]["settings"]
    changed = await admin(
        "mutation($on: Boolean!) { updateSettings(input: {allowSecretReveal: $on}) {"
        " userErrors { message } } }",
        {"on": not before["allowSecretReveal"]},
    )
    assert changed["updateSettings"]["userErrors"] == []
    after = (await ask(other_instance, reader, SETTINGS)).json()["data"]["settings"]
    assert after["allowSecretReveal"] is not before["allowSecretReveal"]


async def test_a_known_token_costs_one_tiny_statement(client):
    token = await issue_token("quick", Role.MEMBER, "t")
    headers = {"Authorization": f"Bearer {token}"}
    await client.post("/graphql", json=VIEWER, headers=headers)
    with tally() as counted:
        answer = await client.post("/graphql", json=VIEWER, headers=headers)
    assert answer.status_code == 200
    assert counted.statements == 1  # the cache version; no token, user or settings read
