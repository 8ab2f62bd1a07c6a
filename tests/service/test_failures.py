"""No bare 500, nothing unlogged: odd bodies get a 400 with a GraphQL error; a bug is masked for
the client and logged once with its request id and stack trace; a stopped Redis, a slow
request and an oversized answer each get a clear, logged answer."""

from __future__ import annotations

import json
import logging
import socket
import time
import uuid

import pytest

from app.db.engine import bind_tables, engine_from_url
from app.db.tables import LLMConnection
from tests.instances import instance
from tests.support import free_port

pytestmark = pytest.mark.db

VIEWER = "{ viewer { name } }"


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


async def post(admin, body: object, raw: bytes | None = None, headers: dict | None = None):
    return await admin.http.post(
        "/graphql",
        content=raw if raw is not None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {admin.token}",
            "Content-Type": "application/json",
            **(headers or {}),
        },
    )


BAD_BODIES = {
    'operationName ""': {"query": VIEWER, "operationName": ""},
    "operationName 0": {"query": VIEWER, "operationName": 0},
    "operationName false": {"query": VIEWER, "operationName": False},
    "operationName {}": {"query": VIEWER, "operationName": {}},
    "operationName []": {"query": VIEWER, "operationName": []},
    "operationName 1": {"query": VIEWER, "operationName": 1},
    "operationName true": {"query": VIEWER, "operationName": True},
    'operationName ["x"]': {"query": VIEWER, "operationName": ["x"]},
    "an unknown operationName": {"query": "query A { viewer { name } }", "operationName": "B"},
    "two operations, no name": {"query": "query A { viewer { name } } query B { viewer { role } }"},
    "an empty query": {"query": ""},
    "a blank query": {"query": "   "},
    "query null": {"query": None},
    "query a number": {"query": 7},
    "variables a string": {"query": VIEWER, "variables": "x"},
    "variables a list": {"query": VIEWER, "variables": []},
    "a JSON list": [{"query": VIEWER}],
    "a JSON string": "query",
}


@pytest.mark.parametrize("name", BAD_BODIES)
async def test_malformed_requests_get_a_400_with_a_graphql_error(admin, caplog, name):
    response = await post(admin, BAD_BODIES[name])
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST" and "Malformed" in error["message"]
    assert response.headers["x-request-id"]
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000 + b"]" * 100_000, b'{"query": "\xff\xfe"}', b"", b"{"],
    ids=["JSON nested 100,000 deep", "not UTF-8", "empty", "truncated"],
)
async def test_unreadable_bodies_get_a_400(admin, caplog, raw):
    response = await post(admin, None, raw=raw)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert errors_logged(caplog) == []


@pytest.mark.one_execution  # counts what one execution does
async def test_a_bug_is_masked_and_logged_once_with_its_request_id(admin, caplog):
    await LLMConnection.insert(
        LLMConnection(
            id=uuid.uuid4(),
            name="broken",
            name_key="broken",
            provider="NO_SUCH_PROVIDER",  # a row no code path writes: reading it is a bug
            auth_method="NONE",
            base_url="http://127.0.0.1:9",
        )
    )
    response = await post(
        admin, {"query": "{ connections { nodes { name } } }"}, headers={"X-Request-Id": "probe-42"}
    )
    assert response.status_code == 200 and response.headers["x-request-id"] == "probe-42"
    (error,) = response.json()["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "probe-42"}
    assert "NO_SUCH_PROVIDER" not in response.text, "nothing of the cause reaches the client"
    (logged,) = errors_logged(caplog)
    assert logged.request_id == "probe-42" and logged.exc_info is not None
    assert "NO_SUCH_PROVIDER" in caplog.text, "the log says what went wrong"


async def test_a_failure_outside_graphql_is_a_logged_masked_500(admin, app, caplog, tmp_path):
    """The database goes away under the token check: not Litestar's bare body, our error."""
    bind_tables(engine_from_url(f"sqlite:///{tmp_path}"))  # a folder: SQLite cannot open it
    try:
        response = await post(admin, {"query": VIEWER})
    finally:
        bind_tables(app.state.engine)
    assert response.status_code == 500
    (error,) = response.json()["errors"]
    request_id = response.headers["x-request-id"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    (logged,) = errors_logged(caplog)
    assert logged.request_id == request_id and logged.exc_info is not None


CREATE = """mutation($n: String!) {
  createConnection(input: {name: $n, provider: OLLAMA}) { connection { id } userErrors { code } } }"""


async def test_a_stopped_redis_falls_back_to_local_limits_and_says_so(
    app, clean_db, database_url, caplog
):
    from app.auth.service import Role, issue_token

    token = await issue_token("ops", Role.ADMIN, "ops")
    down = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    async with instance(database_url, down, token=token) as client:
        for i in range(3):
            response = await client.post(
                "/graphql", json={"query": CREATE, "variables": {"n": f"r{i}"}}
            )
            assert response.status_code == 200
            assert response.json()["data"]["createConnection"]["userErrors"] == []
        health = await client.get("/health")
    assert health.status_code == 200
    assert health.json() == {
        "status": "degraded",
        "database": "reachable",
        "redis": "unreachable",
        "rateLimits": "per instance until Redis answers",
        "keyring": "ok",
    }
    warnings = [r for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(warnings) == 1, "logged when it starts, not on every request"
    assert "ConnectionError" in warnings[0].getMessage() or "Error" in warnings[0].getMessage()


async def test_a_redis_that_never_answers_costs_a_request_half_a_second(
    app, clean_db, database_url
):
    from app.auth.service import Role, issue_token

    token = await issue_token("ops", Role.ADMIN, "ops")
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        hanging = {"REDIS_URL": f"redis://127.0.0.1:{silent.getsockname()[1]}/0"}
        async with instance(database_url, hanging, token=token) as client:
            started = time.perf_counter()
            response = await client.post(
                "/graphql", json={"query": CREATE, "variables": {"n": "h"}}
            )
            assert response.status_code == 200 and time.perf_counter() - started < 2.0
            started = time.perf_counter()
            health = await client.get("/health")
            assert health.json()["redis"] == "unreachable" and time.perf_counter() - started < 2.0


async def test_a_request_past_its_deadline_is_stopped_and_says_why(
    app, clean_db, database_url, fake, caplog
):
    from app.auth.service import Role, issue_token

    token = await issue_token("ops", Role.ADMIN, "ops")
    server = fake("OPENAI_COMPATIBLE", key="sk-S3CR3T-deadline-0001")
    server.mode, server.delay = "slow", 3.0
    settings = {"SWITCHBOARD_REQUEST_TIMEOUT": "0.5", "SWITCHBOARD_PROVIDER_READ_TIMEOUT": "10"}
    create = """mutation($i: CreateConnectionInput!) {
      createConnection(input: $i) { connection { id } userErrors { code } } }"""
    variables = {
        "i": {
            "name": "slow",
            "provider": "OPENAI_COMPATIBLE",
            "baseUrl": server.url,
            "apiKey": "sk-S3CR3T-deadline-0001",
            "verify": True,
        }
    }
    async with instance(database_url, settings, token=token) as client:
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": create, "variables": variables})
        elapsed = time.perf_counter() - started
        health = await client.get("/health")
    assert response.status_code == 504 and elapsed < 2.0
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert "SWITCHBOARD_REQUEST_TIMEOUT" in error["message"]
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert await LLMConnection.count() == 0, "nothing was written"
    assert health.status_code == 200
    assert any("SWITCHBOARD_REQUEST_TIMEOUT" in r.getMessage() for r in caplog.records)


async def test_an_answer_over_the_response_budget_is_refused(admin, app, clean_db, database_url):
    for i in range(10):
        await admin(CREATE, {"n": f"big-{i}"})
    listing = "{ connections { nodes { id name baseUrl createdAt updatedAt } } }"
    async with instance(
        database_url, {"SWITCHBOARD_MAX_RESPONSE_BYTES": "1500"}, token=admin.token
    ) as client:
        response = await client.post("/graphql", json={"query": listing})
        small = await client.post("/graphql", json={"query": VIEWER})
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert error["extensions"]["limit"] == 1500 and error["extensions"]["actual"] > 1500
    assert "max_response_bytes" in error["message"]
    assert small.json()["data"]["viewer"]["name"] == "root"
