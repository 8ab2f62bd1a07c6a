"""Master key rotation while the service keeps serving, interrupted and resumed."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from app.asgi import create_app
from app.auth.service import Role, issue_token
from app.security.key_registry import key_usage
from app.security.keyring import Keyring, read_key_file, write_key_file
from app.security.rotation import rewrap_all
from app.settings import load_settings
from tests.conftest import TEST_KEYRING, TEST_SETTINGS

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-rotation-0001"
VERIFY = "mutation($id: ID!) { verifyConnection(id: $id) { verification { status } } }"
CREATE = """mutation($i: CreateConnectionInput!) { createConnection(input: $i) { connection { id } userErrors { message } } }"""


async def test_rewrap_while_serving_then_resume_after_interruption(
    app, clean_db, database_url, tmp_path, fake
):
    path = tmp_path / "keys.json"
    write_key_file(path, Keyring("old", {"old": bytes(range(32))}))
    served = create_app(
        load_settings({"DATABASE_URL": database_url, **TEST_SETTINGS}),
        read_key_file(path),
        store_namespace=f"t-{uuid.uuid4().hex}",
    )
    token = await issue_token("ops", Role.ADMIN, "ops")
    server = fake("OPENAI_COMPATIBLE", key=KEY)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=served), base_url="http://sb", headers=headers
    ) as http:
        ids = []
        for i in range(12):
            body = (
                await http.post(
                    "/graphql",
                    json={
                        "query": CREATE,
                        "variables": {
                            "i": {
                                "name": f"c{i}",
                                "provider": "OPENAI_COMPATIBLE",
                                "baseUrl": server.url,
                                "apiKey": KEY,
                                "customHeaders": [{"name": "X-Team", "value": f"team-S3CR3T-{i}"}],
                            }
                        },
                    },
                )
            ).json()
            ids.append(body["data"]["createConnection"]["connection"]["id"])
        assert (await key_usage()) == {"old": 24}

        # `keys add`: a new primary in the file. The running app has not loaded it yet.
        write_key_file(path, Keyring("new", {"new": bytes(32), "old": bytes(range(32))}))
        operator = read_key_file(path)

        class Interrupted(Exception):
            pass

        def stop_midway(done: int, total: int) -> None:
            if done == 5:
                raise Interrupted

        with pytest.raises(Interrupted):
            await rewrap_all(operator, stop_midway)
        assert (await key_usage()) == {"new": 10, "old": 14}, "the first five rows were re-wrapped"

        async def keep_serving() -> list[str]:
            results = []
            for connection_id in ids:
                data = (
                    await http.post(
                        "/graphql", json={"query": VERIFY, "variables": {"id": connection_id}}
                    )
                ).json()
                results.append(data["data"]["verifyConnection"]["verification"]["status"])
            return results

        during, changed = await asyncio.gather(keep_serving(), rewrap_all(operator))
        assert set(during) == {"OK"}, "no request failed while keys were being re-wrapped"
        assert changed == 7 and (await key_usage()) == {"new": 24}
        assert set(await keep_serving()) == {"OK"}
        assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)
    for outbound in served.state.outbound:
        await outbound.client.aclose()


async def test_keys_command_line(admin, database_url):
    import base64

    from tests.conftest import keyring_env, run_cli

    await admin(CREATE, {"i": {"name": "k", "provider": "OPENAI", "apiKey": KEY}})
    env = {"DATABASE_URL": database_url, "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING)}
    added = run_cli("keys", "add", "fresh", env=env)
    assert added.returncode == 0 and "SWITCHBOARD_ENCRYPTION_KEYS=fresh:" in added.stdout
    both = {
        **env,
        "SWITCHBOARD_ENCRYPTION_KEYS": "fresh:"
        + base64.b64encode(bytes(32)).decode()
        + ","
        + keyring_env(TEST_KEYRING),
    }
    status = run_cli("keys", "status", env=both)
    assert (
        "fresh (primary): protects 0 secrets" in status.stdout
        and "test1: protects 1 secrets" in status.stdout
    )
    refused = run_cli("keys", "retire", "test1", env=both)
    assert refused.returncode == 2 and "still protects 1" in refused.stderr
    rewrapped = run_cli("keys", "rewrap", env=both)
    assert rewrapped.returncode == 0 and "1/1" in rewrapped.stderr
    assert "\r" not in rewrapped.stderr, "no progress-bar frames when not on a terminal"
    retired = run_cli("keys", "retire", "test1", env=both)
    assert retired.returncode == 0, retired.stderr
    assert "fresh (primary): protects 1 secrets" in run_cli("keys", "status", env=both).stdout


async def test_the_alert_webhook_secret_is_counted_rewrapped_and_still_opens(admin):
    from app.org.settings import load_org_settings, webhook_secret

    secret = "whsec-S3CR3T-rotation-0001"
    saved = await admin(
        "mutation($s: String) { updateSettings(input: {alertWebhookSecret: $s}) {"
        " settings { alertWebhookSecretHint } } }",
        {"s": secret},
    )
    assert saved["updateSettings"]["settings"]["alertWebhookSecretHint"] == "…0001"
    assert await key_usage() == {TEST_KEYRING.primary_id: 1}
    rotated = Keyring("fresh", {"fresh": bytes(32), **TEST_KEYRING.keys})
    assert await rewrap_all(rotated) == 1
    assert await key_usage() == {"fresh": 1}, "retiring the old key would now be allowed"
    assert webhook_secret(rotated, await load_org_settings()) == secret
    assert await rewrap_all(rotated) == 0
