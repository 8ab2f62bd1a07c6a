"""SIGTERM stops `serve` within SWITCHBOARD_SHUTDOWN_TIMEOUT, even with a request in flight
that would otherwise wait on a provider for much longer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import httpx
import pytest

from tests.conftest import ROOT, TEST_KEYRING, keyring_env
from tests.support import free_port

pytestmark = pytest.mark.db

ADMIN = "swb_shutdown-test-admin-token-0123456789"
SHUTDOWN_TIMEOUT = 1
GRACE = 6  # seconds for uvicorn to cancel the request, run the lifespan shutdown and exit


def _start(database_url: str, port: int, log) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SWITCHBOARD_PORT": str(port),
        "SWITCHBOARD_ADMIN_TOKEN": ADMIN,
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),
        "SWITCHBOARD_SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
        "SWITCHBOARD_PROVIDER_READ_TIMEOUT": "60",
        "SWITCHBOARD_REQUEST_TIMEOUT": "120",
        "SWITCHBOARD_OUTBOUND_ALLOW": "127.0.0.0/8",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _healthy(port: int, process: subprocess.Popen[str]) -> None:
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


def _reached(server, seconds: float = 10) -> bool:
    """Wait (the fake runs in its own thread) until the provider has the request."""
    deadline = time.monotonic() + seconds
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    return bool(server.requests)


def _stop(process: subprocess.Popen[str]) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=SHUTDOWN_TIMEOUT + GRACE + 10)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("SIGTERM did not stop serve")
    return time.monotonic() - started


async def test_sigterm_stops_serve_in_bounded_time_with_a_request_in_flight(
    database_url, clean_db, fake
):
    server = fake("OPENAI_COMPATIBLE", key="sk-S3CR3T-shutdown-0001")
    server.mode, server.delay = "slow", 30.0  # answers long after the shutdown timeout
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = _start(database_url, port, log)
        try:
            _healthy(port, process)
            answers: list[object] = []

            def in_flight() -> None:
                test = "mutation($i: TestConnectionInput!) { testConnection(input: $i) { status } }"
                variables = {
                    "i": {
                        "provider": "OPENAI_COMPATIBLE",
                        "baseUrl": server.url,
                        "apiKey": "sk-S3CR3T-shutdown-0001",
                    }
                }
                try:
                    answers.append(
                        httpx.post(
                            f"http://127.0.0.1:{port}/graphql",
                            json={"query": test, "variables": variables},
                            headers={"Authorization": f"Bearer {ADMIN}"},
                            timeout=60,
                        ).status_code
                    )
                except httpx.HTTPError as exc:
                    answers.append(exc)

            caller = threading.Thread(target=in_flight)
            caller.start()
            assert _reached(server), "the request reached the provider and is waiting on it"
            seconds = _stop(process)
            caller.join(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        log.seek(0)
        output = log.read()
    assert seconds < SHUTDOWN_TIMEOUT + GRACE, f"{seconds:.1f} s\n{output}"
    assert answers, "the caller got an answer or a closed connection, not a hang"
    assert "timeout graceful shutdown exceeded" in output, output
    assert "Application shutdown complete" in output, "the lifespan shutdown ran"


async def test_sigterm_stops_an_idle_serve_at_once(database_url, clean_db):
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = _start(database_url, port, log)
        try:
            _healthy(port, process)
            seconds = _stop(process)
        finally:
            if process.poll() is None:
                process.kill()
        log.seek(0)
        output = log.read()
    # uvicorn re-raises the signal after a graceful shutdown: the exit status is SIGTERM's.
    assert seconds < GRACE and process.returncode == -signal.SIGTERM
    assert "Application shutdown complete" in output, output
