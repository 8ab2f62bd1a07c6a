"""The command line as an operator uses it: --version, help per command, tokens list and revoke
(audited like the API), and one line when the database cannot be reached."""

from __future__ import annotations

import pytest

from app.auth.service import Role, issue_token
from app.db.tables import AuditEvent
from tests.conftest import TEST_KEYRING, keyring_env, run_cli

pytestmark = pytest.mark.db


def test_version_and_help_for_every_keys_action():
    version = run_cli("--version", env={})
    assert version.returncode == 0 and version.stdout.startswith("switchboard ")
    for action in ("status", "add", "rewrap", "retire"):
        shown = run_cli("keys", action, "--help", env={})
        assert shown.returncode == 0 and f"keys {action}" in shown.stdout
    overview = run_cli("keys", "--help", env={})
    for action in ("status", "add", "rewrap", "retire"):
        assert action in overview.stdout


async def test_tokens_list_and_revoke(admin, database_url):
    token = await issue_token("mia", Role.MEMBER, "laptop")
    env = {"DATABASE_URL": database_url}
    listed = run_cli("tokens", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    [line] = [line for line in listed.stdout.splitlines() if "laptop" in line]
    assert "mia" in line and "MEMBER" in line and line.rstrip().endswith("active")
    assert token not in listed.stdout, "a token is never shown again"
    token_id = line.split()[0]
    revoked = run_cli("tokens", "revoke", token_id, env=env)
    assert revoked.returncode == 0 and "Revoked 'laptop'" in revoked.stdout
    answer = await admin.raw("{ viewer { name } }", token=token)
    assert answer.status_code == 401
    assert run_cli("tokens", "list", env=env).stdout.count("revoked") == 1
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.actor_name).where(
        AuditEvent.action == "token.revoke"
    )
    assert events == [{"action": "token.revoke", "actor_name": "cli"}]
    unknown = run_cli("tokens", "revoke", "nope", env={**env, "SWITCHBOARD_LOG_LEVEL": "WARNING"})
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1


async def test_create_token_is_audited(admin, database_url):
    made = run_cli(
        "create-token", "--user", "ops", "--role", "ADMIN", env={"DATABASE_URL": database_url}
    )
    assert made.returncode == 0 and made.stdout.startswith("swb_")
    answer = await admin.raw("{ viewer { name role } }", token=made.stdout.strip())
    assert answer.json()["data"]["viewer"] == {"name": "ops", "role": "ADMIN"}
    events = await AuditEvent.select(AuditEvent.actor_name).where(
        AuditEvent.action == "token.create"
    )
    assert {"actor_name": "cli"} in events


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:hunter2@127.0.0.1:1/x",
        "postgresql://postgres@127.0.0.1:5432/absent_db_x",
    ],
)
@pytest.mark.parametrize("command", [("migrate",), ("serve",), ("tokens", "list")])
def test_an_unreachable_database_is_one_line(url, command):
    env = {
        "DATABASE_URL": url,
        "SWITCHBOARD_LOG_LEVEL": "WARNING",
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),  # no key file is made
    }
    result = run_cli(*command, env=env)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "could not be reached" in lines[0] and "hunter2" not in lines[0]
