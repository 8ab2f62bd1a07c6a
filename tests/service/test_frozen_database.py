"""A database that stops answering (its PostgreSQL cluster frozen with SIGSTOP, as a stalled
disk or a paused VM would leave it) costs a request its deadline, never more: GraphQL and the
gateway answer 503 within the request deadline, /health/ready says so within a second, and
/health/live never waits. The cluster is the test's own, started and removed here."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import migrate
from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port

BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _as_postgres(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture
def own_cluster() -> Iterator[tuple[str, Path]]:
    """A PostgreSQL cluster of this test's own on a free port: (its URL, its data folder)."""
    if BIN is None or os.geteuid() != 0 or shutil.which("runuser") is None:
        reason = "a cluster of the test's own needs PostgreSQL's binaries and root (runuser)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="switchboard-frozen-"))
    shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    _as_postgres(str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    log = str(folder / "postgres.log")  # the server's output, not this test's pipes
    _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres", data
    finally:
        _signal_cluster(data, signal.SIGCONT)
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(BIN / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _signal_cluster(data: Path, sig: signal.Signals) -> None:
    """The postmaster and every backend and helper it started."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True)
    for pid in [postmaster, *map(int, children.stdout.split())]:
        os.kill(pid, sig)


def _timed(request) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def test_a_frozen_database_costs_a_request_its_deadline_never_more(own_cluster, tmp_path):
    url, data = own_cluster
    migrate(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {ADMIN}"}
    viewer = {"query": "{ viewer { name } }"}
    with (tmp_path / "serve.log").open("w") as log:
        serve = start_serve(url, port, log, SWITCHBOARD_REQUEST_TIMEOUT="3")
        try:
            wait_healthy(port, serve)
            assert httpx.post(f"{base}/graphql", json=viewer, headers=auth).status_code == 200
            _signal_cluster(data, signal.SIGSTOP)
            try:
                time.sleep(1.2)  # past what the gateway remembers of a token
                ready, took = _timed(lambda: httpx.get(f"{base}/health/ready", timeout=30))
                assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
                assert took < 1.5, f"/health/ready took {took:.2f} s"
                graphql, took = _timed(
                    lambda: httpx.post(f"{base}/graphql", json=viewer, headers=auth, timeout=30)
                )
                assert graphql.status_code == 503, graphql.text
                assert graphql.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
                assert took < 3.5, f"GraphQL took {took:.2f} s with a 3 s request deadline"
                call = {"model": "x", "messages": [{"role": "user", "content": "hi"}]}
                gateway, took = _timed(
                    lambda: httpx.post(
                        f"{base}/v1/chat/completions", json=call, headers=auth, timeout=30
                    )
                )
                assert gateway.status_code == 503, gateway.text
                assert gateway.json()["error"]["code"] == "database_unavailable"
                assert took < 3.5, f"the gateway took {took:.2f} s"
                live, took = _timed(lambda: httpx.get(f"{base}/health/live", timeout=30))
                assert live.status_code == 200 and took < 0.5
            finally:
                _signal_cluster(data, signal.SIGCONT)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # the abandoned connections clean up on their own
                if (
                    httpx.post(f"{base}/graphql", json=viewer, headers=auth, timeout=30).status_code
                    == 200
                ):
                    break
                time.sleep(0.2)
            else:
                pytest.fail("the service did not recover once the database answered again")
            assert httpx.get(f"{base}/health/ready", timeout=30).status_code == 200
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    assert ADMIN not in (tmp_path / "serve.log").read_text()
