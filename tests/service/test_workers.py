"""`SWITCHBOARD_WORKERS`: several serving processes share rate limits through Redis and sum
their metrics at scrape time; without Redis, serve refuses to start several."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time

import httpx
import pytest
import redis

from tests.conftest import ROOT, TEST_KEYRING, keyring_env
from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_WORKERS", "redis://127.0.0.1:6379/15")
HELLO = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}


def test_several_workers_without_redis_refuse_to_start(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/w.sqlite3",
        "SWITCHBOARD_WORKERS": "2",
        "SWITCHBOARD_ENCRYPTION_KEYS": keyring_env(TEST_KEYRING),
    }
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "switchboard: SWITCHBOARD_WORKERS=2 needs REDIS_URL: without it each worker would count "
        "rate limits on its own"
    ]


def _redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but {REDIS_URL} did not answer: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return client


def _workers(pid: int) -> int:
    """Worker processes of `pid` (uvicorn spawns them with multiprocessing's spawn_main)."""
    count = 0
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = open(f"/proc/{entry}/status").read()  # noqa: SIM115
            command = open(f"/proc/{entry}/cmdline", "rb").read()  # noqa: SIM115
        except OSError:
            continue
        count += f"\nPPid:\t{pid}\n" in status and b"spawn_main" in command
    return count


def test_two_workers_serve_and_count_every_call_in_metrics(database_url, clean_db, fake):
    store = _redis()
    provider = fake("OPENAI_COMPATIBLE", key="sk-S3CR3T-workers-key", models=["gpt-fake"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(database_url, port, log, SWITCHBOARD_WORKERS="2", REDIS_URL=REDIS_URL)
        try:
            wait_healthy(port, process)
            assert _workers(process.pid) == 2
            admin = {"Authorization": f"Bearer {ADMIN}"}
            created = httpx.post(
                f"{base}/graphql",
                headers=admin,
                json={
                    "query": "mutation($i: CreateConnectionInput!) { createConnection(input: $i)"
                    " { userErrors { message } } }",
                    "variables": {
                        "i": {
                            "name": "main",
                            "provider": "OPENAI_COMPATIBLE",
                            "baseUrl": provider.url,
                            "apiKey": provider.key,
                        }
                    },
                },
            ).json()
            assert created["data"]["createConnection"]["userErrors"] == []
            for _ in range(12):  # a new connection each time: either worker may answer
                answer = httpx.post(
                    f"{base}/v1/chat/completions", json=HELLO, headers=admin, timeout=30
                )
                assert answer.status_code == 200, answer.text
            time.sleep(0.2)
            text = httpx.get(f"{base}/metrics", headers=admin).text
            counted = [
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("switchboard_gateway_requests_total{")
            ]
            assert sum(counted) == 12
        finally:
            process.terminate()
            process.wait(timeout=30)
            for key in store.scan_iter("switchboard-rate-limit*"):
                store.delete(key)
        log.seek(0)
        lines = log.read()
    # Each worker logs as serve does: its start-up, and its requests with their ids.
    assert lines.count("Application startup complete") == 2
    assert len(re.findall(r"uvicorn\.access \[[0-9a-f]{32}\]: .*/v1/chat/completions", lines)) == 12
