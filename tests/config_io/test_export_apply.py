"""`export` writes every connection, endpoint and workspace without a secret; `apply` makes
another database match it, secrets from the environment, and says when nothing changes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml

from app.db.tables import AuditEvent, Endpoint, LLMConnection, ModelPrice
from tests.conftest import TEST_KEYRING, keyring_env, migrate, run_cli
from tests.documents import create, create_endpoint, create_workspace
from tests.spend.test_costs import set_price

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-exported-key-00000001"
HEADER = "S3CR3T-header-value-0001"


def _env(url: str, **more: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),
        "SWITCHBOARD_OUTBOUND_ALLOW": "127.0.0.0/8",
        "SWITCHBOARD_LOG_LEVEL": "WARNING",
        **more,
    }


async def _seed(admin, fake) -> None:
    server = fake("OPENAI_COMPATIBLE", key=KEY, models=["m1", "m2"])
    prod = await create(
        admin,
        name="prod",
        provider="OPENAI_COMPATIBLE",
        baseUrl=server.url,
        apiKey=KEY,
        customHeaders=[{"name": "X-Team", "value": HEADER}],
        tags=["team-a"],
        description="the production one",
    )
    await create(admin, name="local", provider="OLLAMA", baseUrl=fake("OLLAMA", models=["q"]).url)
    await create_endpoint(admin, name="chat", connectionId=prod["id"], model="m1")
    await create_workspace(admin, name="research", defaultConnectionId=prod["id"])
    await set_price(admin, "m1", {"in": "2.50", "out": "10", "cached": "1.25"})
    await set_price(admin, "m2", {"in": "0.1", "out": "0.2"}, prod["id"])


async def test_export_then_apply_to_an_empty_database(admin, fake, database_url, tmp_path):
    await _seed(admin, fake)
    exported = tmp_path / "switchboard.yaml"
    done = run_cli("export", str(exported), env=_env(database_url))
    assert done.returncode == 0, done.stderr
    text = exported.read_text()
    assert KEY not in text and HEADER not in text, "no secret in the file"
    assert "${PROD_API_KEY}" in text and "${PROD_HEADER_X_TEAM}" in text
    assert "PROD_API_KEY, PROD_HEADER_X_TEAM" in done.stdout
    document = yaml.safe_load(text)
    assert [c["name"] for c in document["connections"]] == ["local", "prod"]
    assert document["endpoints"] == [{"name": "chat", "connection": "prod", "model": "m1"}]
    assert document["prices"] == [
        {"model": "m1", "inputPerMTok": "2.5", "outputPerMTok": "10", "cachedInputPerMTok": "1.25"},
        {"model": "m2", "connection": "prod", "inputPerMTok": "0.1", "outputPerMTok": "0.2"},
    ]
    with tempfile.TemporaryDirectory() as folder:
        empty = f"sqlite:///{folder}/empty.sqlite3"
        migrate(empty)
        secrets = {"PROD_API_KEY": KEY, "PROD_HEADER_X_TEAM": HEADER}
        missing = run_cli("apply", str(exported), env=_env(empty))
        assert missing.returncode == 2
        # Every missing variable at once, each with where the file needs it.
        assert "PROD_API_KEY (connections[1].apiKey)" in missing.stderr
        assert "PROD_HEADER_X_TEAM (connections[1].customHeaders.X-Team)" in missing.stderr
        applied = run_cli("apply", str(exported), env=_env(empty, **secrets))
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert "create prod" in applied.stdout and "create endpoint chat" in applied.stdout
        assert "create price m1" in applied.stdout and "create price m2 @ prod" in applied.stdout
        again = run_cli("apply", str(exported), env=_env(empty, **secrets))
        assert again.returncode == 0 and "Nothing to change" in again.stdout
        second = Path(folder) / "again.yaml"
        assert run_cli("export", str(second), env=_env(empty)).returncode == 0
        assert second.read_text() == text, "the applied database exports the same file"
        for output in (applied, again):
            assert KEY not in output.stdout + output.stderr


async def test_prune_deletes_what_the_file_lacks_and_honours_dependents(
    admin, fake, database_url, tmp_path
):
    await _seed(admin, fake)
    exported = tmp_path / "switchboard.yaml"
    assert run_cli("export", str(exported), env=_env(database_url)).returncode == 0
    document = yaml.safe_load(exported.read_text())
    document["endpoints"] = []  # the endpoint goes
    document["prices"] = [{**document["prices"][0], "outputPerMTok": "12"}]  # m2's price goes
    document["connections"] = [c for c in document["connections"] if c["name"] != "prod"]
    exported.write_text(yaml.safe_dump(document))
    env = _env(database_url, PROD_API_KEY=KEY, PROD_HEADER_X_TEAM=HEADER)
    plan = run_cli("apply", str(exported), "--prune", "--dry-run", env=env)
    assert "would delete endpoint chat" in plan.stdout and "would delete prod" in plan.stdout
    assert "would update price m1 (outputPerMTok)" in plan.stdout
    assert "would delete price m2 @ prod" in plan.stdout
    assert await Endpoint.count() == 1
    pruned = run_cli("apply", str(exported), "--prune", env=env)
    # The workspace still uses prod (the file keeps it): prod is refused, the endpoint is gone.
    assert pruned.returncode == 1, pruned.stdout
    assert "not done: delete prod" in pruned.stdout and "workspace" in pruned.stdout
    assert await Endpoint.count() == 0
    assert await LLMConnection.count() == 2
    assert [(p["model"], p["output_per_mtok"]) for p in await ModelPrice.select()] == [
        ("m1", 12_000_000)
    ]
    actions = [r["action"] for r in await AuditEvent.select(AuditEvent.action)]
    assert "endpoint.delete" in actions
