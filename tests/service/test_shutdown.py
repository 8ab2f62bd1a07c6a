"""SIGTERM stops `serve` within SWITCHBOARD_SHUTDOWN_TIMEOUT, even with a request in flight
that would otherwise wait on a provider for much longer."""

from __future__ import annotations

import signal
import subprocess
import tempfile
import threading
import time

import httpx
import pytest

from tests.serving import post_graphql, start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

SHUTDOWN_TIMEOUT = 1
GRACE = 6  # seconds for uvicorn to cancel the request, run the lifespan shutdown and exit
SETTINGS = {
    "SWITCHBOARD_SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
    "SWITCHBOARD_PROVIDER_READ_TIMEOUT": "60",
    "SWITCHBOARD_REQUEST_TIMEOUT": "120",
}


def _start(database_url: str, port: int, log) -> subprocess.Popen[str]:
    return start_serve(database_url, port, log, **SETTINGS)


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
            wait_healthy(port, process)
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
                    answers.append(post_graphql(port, test, variables).status_code)
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
            wait_healthy(port, process)
            seconds = _stop(process)
        finally:
            if process.poll() is None:
                process.kill()
        log.seek(0)
        output = log.read()
    # uvicorn re-raises the signal after a graceful shutdown: the exit status is SIGTERM's.
    assert seconds < GRACE and process.returncode == -signal.SIGTERM
    assert "Application shutdown complete" in output, output
