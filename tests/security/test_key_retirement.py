"""Retiring a master key never strands a secret: running instances seal with the new primary at
once, `keys retire` counts from the database at that moment, start-up names any missing key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from app.auth.service import Role, issue_token
from app.db.tables import EncryptionKeyCheck, LLMConnection
from app.security.key_check import KeyringMismatch, check_keyring
from app.security.key_registry import key_usage
from app.security.keyring import Keyring, read_key_file, write_key_file
from tests.conftest import keyring_env, run_cli
from tests.instances import instance

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-retire-0001"
K1 = Keyring("k1", {"k1": bytes(range(32))})
CREATE = """mutation($i: CreateConnectionInput!) {
  createConnection(input: $i) { connection { id } userErrors { code message } } }"""
UPDATE = """mutation($id: ID!, $i: UpdateConnectionInput!) {
  updateConnection(id: $id, input: $i) { connection { id description } userErrors { code } } }"""
VERIFY = "mutation($id: ID!) { verifyConnection(id: $id) { verification { status } } }"


@asynccontextmanager
async def serving(
    database_url: str, keyring: Keyring, token: str
) -> AsyncIterator[httpx.AsyncClient]:
    """One running instance, started as `serve` starts it (the keyring checked first)."""
    await check_keyring(keyring)
    async with instance(database_url, keyring=keyring, token=token) as client:
        yield client


async def create(client: httpx.AsyncClient, name: str, url: str) -> dict:
    variables = {
        "i": {"name": name, "provider": "OPENAI_COMPATIBLE", "baseUrl": url, "apiKey": KEY}
    }
    response = await client.post("/graphql", json={"query": CREATE, "variables": variables})
    return response.json()


def keys(*args: str, database_url: str, key_file: Path | None = None, env_keys: str = ""):
    env = {"DATABASE_URL": database_url}
    if key_file is not None:
        env["SWITCHBOARD_KEY_FILE"] = str(key_file)
    if env_keys:
        env["SWITCHBOARD_ENCRYPTION_KEYS"] = env_keys
    return run_cli("keys", *args, env=env)


async def test_retiring_the_old_key_while_serving_strands_nothing(
    app, clean_db, database_url, tmp_path, fake
):
    """The reproduction from the issue: add, rewrap, retire K1, then a create through the
    still-running instance, then a restart."""
    path = tmp_path / "keys.json"
    write_key_file(path, K1)
    token = await issue_token("ops", Role.ADMIN, "ops")
    server = fake("OPENAI_COMPATIBLE", key=KEY)
    async with serving(database_url, read_key_file(path), token) as running:
        first = await create(running, "before", server.url)
        assert first["data"]["createConnection"]["userErrors"] == []

        added = keys("add", "k2", database_url=database_url, key_file=path)
        assert added.returncode == 0, added.stderr
        between = await create(running, "between", server.url)
        assert between["data"]["createConnection"]["userErrors"] == []
        assert await key_usage() == {"k1": 1, "k2": 1}, "sealed with the new primary at once"
        assert keys("rewrap", database_url=database_url, key_file=path).returncode == 0
        status = keys("status", database_url=database_url, key_file=path).stdout
        assert "k1: protects 0 secrets" in status and "k2 (primary): protects 2" in status
        retired = keys("retire", "k1", database_url=database_url, key_file=path)
        assert retired.returncode == 0, retired.stderr
        assert "k1" not in read_key_file(path).keys

        after = await create(running, "after", server.url)
        assert after["data"]["createConnection"]["userErrors"] == []
        assert await key_usage() == {"k2": 3}, "the running instance sealed with the new primary"

    restarted = read_key_file(path)
    await check_keyring(restarted)  # start-up accepts what the database holds
    async with serving(database_url, restarted, token) as running:
        listed = await running.post("/graphql", json={"query": "{ connections { nodes { id } } }"})
        ids = [n["id"] for n in listed.json()["data"]["connections"]["nodes"]]
        assert len(ids) == 3
        for connection_id in ids:
            variables = {"id": connection_id}
            body = (
                await running.post("/graphql", json={"query": VERIFY, "variables": variables})
            ).json()
            assert body["data"]["verifyConnection"]["verification"]["status"] == "OK", body
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)


async def test_two_instances_on_one_key_file_both_follow_the_new_primary(
    app, clean_db, database_url, tmp_path, fake
):
    path = tmp_path / "keys.json"
    write_key_file(path, K1)
    token = await issue_token("ops", Role.ADMIN, "ops")
    server = fake("OPENAI_COMPATIBLE", key=KEY)
    async with (
        serving(database_url, read_key_file(path), token) as one,
        serving(database_url, read_key_file(path), token) as two,
    ):
        await create(one, "one-before", server.url)
        await create(two, "two-before", server.url)
        assert keys("add", "k2", database_url=database_url, key_file=path).returncode == 0
        assert keys("rewrap", database_url=database_url, key_file=path).returncode == 0
        assert keys("retire", "k1", database_url=database_url, key_file=path).returncode == 0
        for client, name in ((one, "one-after"), (two, "two-after")):
            body = await create(client, name, server.url)
            assert body["data"]["createConnection"]["userErrors"] == [], body
        assert await key_usage() == {"k2": 4}


async def test_an_instance_still_on_a_retired_key_refuses_to_seal(
    app, clean_db, database_url, fake
):
    """Keys from the environment change only with a restart: an instance not yet restarted must
    refuse to store secrets under the retired key, and change nothing."""
    token = await issue_token("ops", Role.ADMIN, "ops")
    server = fake("OPENAI_COMPATIBLE", key=KEY)
    both = Keyring("k2", {"k2": bytes(32), "k1": K1.keys["k1"]})
    async with serving(database_url, K1, token) as stale:
        kept = (await create(stale, "kept", server.url))["data"]["createConnection"]["connection"]
        refused = keys("retire", "k1", database_url=database_url, env_keys=keyring_env(both))
        assert refused.returncode == 2 and "still protects 1 secrets" in refused.stderr
        assert keys("rewrap", database_url=database_url, env_keys=keyring_env(both)).returncode == 0
        retired = keys("retire", "k1", database_url=database_url, env_keys=keyring_env(both))
        assert retired.returncode == 0, retired.stderr

        body = await create(stale, "late", server.url)
        error = body["errors"][0]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert "'k1' has been retired" in error["message"] and "restart" in error["message"]
        assert await LLMConnection.count() == 1, "nothing was written"
        assert await key_usage() == {"k2": 1}
        # Writes that seal nothing still work on the stale instance.
        edit = {"id": kept["id"], "i": {"description": "still editable"}}
        edited = (await stale.post("/graphql", json={"query": UPDATE, "variables": edit})).json()
        assert edited["data"]["updateConnection"]["userErrors"] == []


async def test_retire_counts_what_the_database_holds_at_that_moment(
    app, clean_db, database_url, fake
):
    token = await issue_token("ops", Role.ADMIN, "ops")
    server = fake("OPENAI_COMPATIBLE", key=KEY)
    both = Keyring("k2", {"k2": bytes(32), "k1": K1.keys["k1"]})
    env_keys = keyring_env(both)
    async with serving(database_url, K1, token) as stale:  # running since before k2 existed
        async with serving(database_url, both, token):
            pass  # an instance restarted with the new keys registers k2 as the primary
        status = keys("status", database_url=database_url, env_keys=env_keys).stdout
        assert "k1: protects 0 secrets" in status
        await create(stale, "sealed-after-status", server.url)  # lands after `status` said 0
    refused = keys("retire", "k1", database_url=database_url, env_keys=env_keys)
    assert refused.returncode == 2 and "still protects 1 secrets" in refused.stderr
    rows = await EncryptionKeyCheck.select().where(EncryptionKeyCheck.key_id == "k1")
    assert rows[0]["retired_at"] is None, "a refused retirement leaves the key active"


async def test_retire_refuses_unknown_ids_and_the_primary(app, clean_db, database_url):
    env_keys = keyring_env(K1)
    unknown = keys("retire", "nope", database_url=database_url, env_keys=env_keys)
    assert unknown.returncode == 2 and "no key 'nope'" in unknown.stderr
    assert "Retired" not in unknown.stdout
    primary = keys("retire", "k1", database_url=database_url, env_keys=env_keys)
    assert primary.returncode == 2 and "primary" in primary.stderr


async def test_start_up_names_a_missing_key_and_what_it_protects(app, clean_db, database_url, fake):
    token = await issue_token("ops", Role.ADMIN, "ops")
    server = fake("OPENAI_COMPATIBLE", key=KEY)
    async with serving(database_url, K1, token) as running:
        await create(running, "a", server.url)
        await create(running, "b", server.url)
    # Even with its registry row gone, the secrets themselves say which key they need.
    await EncryptionKeyCheck.delete(force=True)
    with pytest.raises(KeyringMismatch, match=r"'k1' protects 2 stored secrets"):
        await check_keyring(Keyring("k2", {"k2": bytes(32)}))
    retired = Keyring("k2", {"k2": bytes(32), "k1": K1.keys["k1"]})
    await check_keyring(retired)
    await EncryptionKeyCheck.update(
        {EncryptionKeyCheck.retired_at: EncryptionKeyCheck.created_at}
    ).where(EncryptionKeyCheck.key_id == "k2")
    with pytest.raises(KeyringMismatch, match=r"primary encryption key 'k2' was retired"):
        await check_keyring(retired)
