"""Every answer carries X-Request-Id, an unknown path's included; every 401 says how to
authenticate (WWW-Authenticate); the JSON log lines of a request carry the id it answered with,
and never a token sent in the URL (Gemini's ?key=)."""

from __future__ import annotations

import json
import tempfile

import httpx
import pytest

from tests.serving import start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing-here", 404),
        ("DELETE", "/graphql", 405),
        ("GET", "/health/live", 200),
        ("POST", "/graphql", 401),
        ("POST", "/v1/chat/completions", 401),
        ("POST", "/v1/messages", 401),
        ("GET", "/metrics", 401),
    ],
)
async def test_every_answer_carries_a_request_id(client, method, path, status):
    answer = await client.request(method, path, json={"query": "{ viewer { name } }"})
    assert answer.status_code == status
    assert len(answer.headers["x-request-id"]) >= 16
    if status == 401:
        assert answer.headers["www-authenticate"] == 'Bearer realm="switchboard"'


def test_json_log_lines_carry_the_id_returned_to_the_client(database_url):
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(
            database_url, port, log, SWITCHBOARD_LOG_FORMAT="json", SWITCHBOARD_LOG_LEVEL="INFO"
        )
        try:
            wait_healthy(port, process)
            ids = []
            for path in ("/graphql", "/nothing-here"):
                answer = httpx.post(f"http://127.0.0.1:{port}{path}", json={"query": "{ x }"})
                ids.append(answer.headers["x-request-id"])
            given = httpx.get(
                f"http://127.0.0.1:{port}/health/live", headers={"X-Request-Id": "trace-42"}
            )
            assert given.headers["x-request-id"] == "trace-42"
            ids.append("trace-42")
            # Gemini's clients may send the token in the URL: the access line must not keep it.
            keyed = httpx.post(
                f"http://127.0.0.1:{port}/v1beta/models/m:generateContent?alt=sse&key=sb_S3CR3T",
                json={"contents": []},
            )
            assert keyed.status_code == 401 and keyed.json()["error"]["status"] == "UNAUTHENTICATED"
        finally:
            process.terminate()
            process.wait(timeout=30)
        log.seek(0)
        written = log.read()
        lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    assert "S3CR3T" not in written and "key=[redacted]" in written
    assert lines and all(
        {"time", "level", "logger", "requestId", "message"} <= set(x) for x in lines
    )
    access = [x for x in lines if x["logger"] == "uvicorn.access"]
    for request_id in ids:
        assert any(x["requestId"] == request_id for x in access), request_id
    assert any(x["logger"] == "uvicorn.error" for x in lines), "uvicorn's own lines are JSON too"
