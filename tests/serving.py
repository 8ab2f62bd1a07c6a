"""`python -m app.cli serve` as a real process on a free port, for tests that stop or kill it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import IO

import httpx
import pytest

from tests.conftest import ROOT, TEST_KEYRING, TEST_SETTINGS, keyring_env

ADMIN = "swb_serving-test-admin-token-0123456789"


def start_serve(
    database_url: str,
    port: int,
    log: IO[str],
    command: tuple[str, ...] = ("app.cli", "serve"),
    **settings: str,
) -> subprocess.Popen[str]:
    """Start serve (or another `python -m` command that serves as it does) with the test
    keyring, ADMIN as its admin token, loopback providers allowed."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SWITCHBOARD_PORT": str(port),
        "SWITCHBOARD_ADMIN_TOKEN": ADMIN,
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),
        "SWITCHBOARD_OUTBOUND_ALLOW": "127.0.0.0/8",
        "SWITCHBOARD_USAGE_JOURNAL_DIR": TEST_SETTINGS["SWITCHBOARD_USAGE_JOURNAL_DIR"],
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited during start-up"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("serve did not become healthy within 30 s")


def post_graphql(port: int, query: str, variables: dict, timeout: float = 60) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{port}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=timeout,
    )
