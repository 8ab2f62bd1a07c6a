"""`serve` as a new user meets it: first-start token, key files, clear refusals."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from app.db.tables import ApiToken, EncryptionKeyCheck
from app.security.key_check import check_keyring
from app.security.keyring import Keyring
from tests.conftest import ROOT, TEST_KEYRING, keyring_env, run_cli
from tests.support import free_port

pytestmark = pytest.mark.db


def _serve(env: dict[str, str], expect_exit: bool = False) -> tuple[int | None, str]:
    """Start `serve`; wait until healthy (then stop it) or until it exits.

    Returns (exit code or None when it was healthy, everything it printed).
    """
    port = free_port()
    full_env = {**os.environ, "SWITCHBOARD_PORT": str(port), **env}
    # Output goes to a file, not a pipe: a full pipe would block the server mid-start.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve"],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # no controlling terminal, as under a process manager
        )
        try:
            code = _wait(process, port, expect_exit)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        log.seek(0)
        return code, log.read()


def _wait(process: subprocess.Popen[str], port: int, expect_exit: bool) -> int | None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return process.returncode
        if not expect_exit:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return None
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    pytest.fail("serve neither became healthy nor exited within 30s")


async def test_first_start_prints_an_admin_token_once(database_url, clean_db, tmp_path):
    env = {"DATABASE_URL": database_url, "SWITCHBOARD_KEY_FILE": str(tmp_path / "keys.json")}
    code, output = _serve(env)
    assert code is None, output
    tokens = re.findall(r"swb_[A-Za-z0-9_-]{20,}", output)
    assert tokens and "curl" in output
    key_file = tmp_path / "keys.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert await ApiToken.count() == 1
    url = re.search(r"admin console at (http://\S+)/ ", output).group(1)
    assert f"GraphiQL at {url}/graphql" in output and f"gateway at {url}/v1" in output
    [suggested] = re.findall(r"^    \.venv/bin/python -m app\.cli (create-token .*)$", output, re.M)
    made = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", *shlex.split(suggested)],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0 and made.stdout.startswith("swb_"), "the suggestion runs"
    code, again = _serve(env)
    assert code is None
    assert not re.findall(r"swb_[A-Za-z0-9_-]{20,}", again), "the token must be printed only once"


async def test_a_first_start_with_json_logs_never_logs_the_admin_token(
    database_url, clean_db, tmp_path
):
    env = {
        "DATABASE_URL": database_url,
        "SWITCHBOARD_KEY_FILE": str(tmp_path / "keys.json"),
        "SWITCHBOARD_LOG_FORMAT": "json",
    }
    code, output = _serve(env)
    assert code is None, output
    assert await ApiToken.count() == 1, "the admin token was created"
    assert not re.findall(r"swb_[A-Za-z0-9_-]{20,}", output), "a secret reached the log"
    assert "created an admin token" in output
    for line in output.splitlines():
        if line.strip():
            json.loads(line)  # every line of the log is JSON


async def test_preset_admin_token_is_adopted_and_not_printed(database_url, clean_db):
    preset = "swb_preset-token-for-scripts-0123456789"
    env = {
        "DATABASE_URL": database_url,
        "SWITCHBOARD_ADMIN_TOKEN": preset,
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),
    }
    code, output = _serve(env)
    assert code is None, output
    assert preset not in output
    from app.auth.service import authenticate

    viewer = await authenticate(preset)
    assert viewer is not None and viewer.is_admin


async def test_wrong_key_stops_start_up_and_changes_nothing(database_url, clean_db):
    await check_keyring(TEST_KEYRING)  # the database now holds secrets sealed with key "test1"
    other = Keyring(primary_id="test1", keys={"test1": bytes(32)})
    before = await EncryptionKeyCheck.select()
    code, output = _serve(
        {"DATABASE_URL": database_url, "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(other)},
        expect_exit=True,
    )
    assert code == 2, output
    assert "'test1'" in output and "Traceback" not in output
    assert await EncryptionKeyCheck.select() == before
    assert await ApiToken.count() == 0
    missing = Keyring(primary_id="other", keys={"other": bytes(32)})
    code, output = _serve(
        {"DATABASE_URL": database_url, "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(missing)},
        expect_exit=True,
    )
    assert code == 2 and "'test1'" in output and "not in the keyring" in output


def test_production_without_a_key_refuses_to_start(tmp_path):
    result = run_cli(
        "migrate",
        env={"SWITCHBOARD_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"},
    )
    assert result.returncode == 0  # migrating needs no key
    code, output = _serve(
        {
            "SWITCHBOARD_ENV": "production",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "SWITCHBOARD_KEY_FILE": str(tmp_path / "absent.json"),
        },
        expect_exit=True,
    )
    assert code == 2 and "SWITCHBOARD_ENCRYPTION_KEYS" in output
    assert not (tmp_path / "absent.json").exists()


def test_a_first_production_start_needs_the_admin_token(tmp_path):
    keys = keyring_env(Keyring(primary_id="k1", keys={"k1": bytes(range(32))}))
    env = {
        "SWITCHBOARD_ENV": "production",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "SWITCHBOARD_ENCRYPTION_KEYS": keys,
        "SWITCHBOARD_LOG_LEVEL": "WARNING",
    }
    code, output = _serve(env, expect_exit=True)
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "SWITCHBOARD_ADMIN_TOKEN" in lines[0], output
    code, output = _serve({**env, "SWITCHBOARD_ADMIN_TOKEN": "swb_" + "p" * 40})
    assert code is None, output
    assert "swb_" not in output, "production prints no token"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://x/y"),
        ("DATABASE_URL", "sqlite://"),
        ("SWITCHBOARD_PORT", "eighty"),
        ("SWITCHBOARD_ENV", "staging"),
        ("SWITCHBOARD_LOG_LEVEL", "LOUD"),
        ("SWITCHBOARD_ENCRYPTION_KEYS", "k1:" + base64.b64encode(b"short").decode()),
        ("SWITCHBOARD_ENCRYPTION_KEYS", "no-colon"),
        ("SWITCHBOARD_ADMIN_TOKEN", "short"),
    ],
)
def test_invalid_settings_stop_with_one_line_naming_the_variable(variable, value, tmp_path):
    env = {variable: value, "SWITCHBOARD_KEY_FILE": str(tmp_path / "k.json")}
    if variable != "DATABASE_URL":
        env["DATABASE_URL"] = f"sqlite:///{tmp_path}/db.sqlite3"
    code, output = _serve(env, expect_exit=True)
    assert code == 2
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and variable in lines[0], output


def test_key_file_is_reused(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "SWITCHBOARD_KEY_FILE": str(tmp_path / "k.json"),
    }
    _serve(env)
    first = Path(tmp_path / "k.json").read_text()
    code, output = _serve(env)
    assert code is None, output
    assert Path(tmp_path / "k.json").read_text() == first
