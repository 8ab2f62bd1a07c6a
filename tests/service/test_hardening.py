"""Rate limits (memory and Redis), CORS, and introspection switched off in production."""

from __future__ import annotations

import uuid

import httpx
import pytest

from app.auth.service import Role, issue_token
from tests.instances import instance, require_redis

pytestmark = pytest.mark.db

CREATE = "mutation($n: String!) { createConnection(input: {name: $n, provider: OLLAMA}) { userErrors { code } } }"
TEST = 'mutation { testConnection(input: {provider: OLLAMA, baseUrl: "http://nowhere.invalid"}) { status } }'


def _client(app_settings: dict[str, str], database_url: str, namespace: str | None = None):
    return instance(database_url, app_settings, namespace=namespace)


async def _post(
    client: httpx.AsyncClient, token: str, query: str, variables: dict | None = None
) -> httpx.Response:
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_mutations_and_tests_are_rate_limited_per_token(app, clean_db, database_url):
    limits = {"SWITCHBOARD_RATE_LIMIT_MUTATIONS": "3", "SWITCHBOARD_RATE_LIMIT_TESTS": "2"}
    alice = await issue_token("alice", Role.ADMIN, "a")
    bob = await issue_token("bob", Role.ADMIN, "b")
    async with _client(limits, database_url) as client:
        statuses = [
            (await _post(client, alice, CREATE, {"n": f"c{i}"})).status_code for i in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        limited = await _post(client, alice, CREATE, {"n": "c9"})
        body = limited.json()
        assert (
            body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
            and limited.headers["Retry-After"]
        )
        assert (await _post(client, alice, "{ viewer { name } }")).status_code == 200, (
            "queries are not limited"
        )
        assert (await _post(client, bob, CREATE, {"n": "b0"})).status_code == 200, (
            "each token has its own budget"
        )
        erin = await issue_token("erin", Role.ADMIN, "e")
        tests = [(await _post(client, erin, TEST)).status_code for _ in range(3)]
        assert tests == [200, 200, 429], "testConnection has its own, tighter limit (2 < 3)"


async def test_redis_makes_instances_share_one_budget(app, clean_db, database_url):
    limits = {"SWITCHBOARD_RATE_LIMIT_MUTATIONS": "2", "REDIS_URL": await require_redis()}
    token = await issue_token("carol", Role.ADMIN, "c")
    namespace = f"switchboard-test-{uuid.uuid4().hex}"
    async with (
        _client(limits, database_url, namespace) as one,
        _client(limits, database_url, namespace) as two,
    ):
        first = await _post(one, token, CREATE, {"n": "r1"})
        second = await _post(two, token, CREATE, {"n": "r2"})
        third = await _post(one, token, CREATE, {"n": "r3"})
        assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
        health = (await one.get("/health")).json()
        assert health["status"] == "ok" and health["redis"] == "reachable"


async def test_cors_allows_only_configured_origins(app, clean_db, database_url):
    async with _client(
        {"SWITCHBOARD_CORS_ORIGINS": "https://app.example.com"}, database_url
    ) as client:
        headers = {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        allowed = await client.options("/graphql", headers=headers)
        assert allowed.headers.get("access-control-allow-origin") == "https://app.example.com"
        denied = await client.options(
            "/graphql", headers={**headers, "Origin": "https://evil.example"}
        )
        assert denied.headers.get("access-control-allow-origin") != "https://evil.example"


async def test_introspection_is_off_in_production(app, clean_db, database_url):
    token = await issue_token("dave", Role.ADMIN, "d")
    prod = {"SWITCHBOARD_ENV": "production"}
    async with _client(prod, database_url) as client:
        body = (await _post(client, token, "{ __schema { types { name } } }")).json()
        assert "introspection" in body["errors"][0]["message"].lower()
        assert (await _post(client, token, "{ viewer { name } }")).json()["data"]["viewer"][
            "name"
        ] == "dave"
