"""The HTTP surface: GraphiQL served offline, health, JSON-only GraphQL, masked errors."""

from __future__ import annotations

import re

import httpx
import pytest

pytestmark = pytest.mark.db


async def test_graphiql_is_served_with_local_assets(client):
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    assert not re.search(r"(src|href)=\"https?://", page.text), "no asset may come from a CDN"
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page.text)
    assert len(assets) == 5
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200 and len(response.content) > 100, asset


async def test_health_needs_no_token(client):
    for path in ("/health", "/health/ready"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "reachable", "keyring": "ok"}
    live = await client.get("/health/live")
    assert live.status_code == 200 and live.json() == {"status": "alive"}


async def test_readiness_reports_a_keyring_that_cannot_open_the_secrets(app, clean_db, client):
    from app.asgi import create_app
    from app.security.key_check import check_keyring
    from app.security.keyring import Keyring
    from app.settings import load_settings
    from tests.conftest import TEST_KEYRING, TEST_SETTINGS

    await check_keyring(TEST_KEYRING)  # what start-up does: registers the key with a canary
    other = create_app(
        load_settings({"DATABASE_URL": app.state.settings.database_url, **TEST_SETTINGS}),
        Keyring(primary_id="test1", keys={"test1": bytes(32)}),  # same id, another key
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://other"
    ) as http:
        ready = await http.get("/health/ready")
        live = await http.get("/health/live")
    assert ready.status_code == 503
    report = ready.json()
    assert report["status"] == "unavailable" and report["database"] == "reachable"
    assert "'test1'" in report["keyring"] and "not the key that sealed" in report["keyring"]
    assert live.status_code == 200


async def test_form_posts_broken_json_and_huge_bodies_are_refused(admin):
    http = admin.http
    auth = {"Authorization": f"Bearer {admin.token}"}
    form = await http.post("/graphql", data={"query": "mutation { x }"}, headers=auth)
    assert form.status_code == 415
    broken = await http.post(
        "/graphql", content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    huge = await http.post(
        "/graphql", json={"query": "{ viewer { name } }" + " " * 300_000}, headers=auth
    )
    assert huge.status_code == 413
    odd = await http.post("/graphql", json={"query": "{ viewer { name } }", "extensions": []})
    assert odd.status_code == 400 and "extensions" in odd.json()["errors"][0]["message"]


SETTINGS = "mutation Touch { updateSettings(input: {}) { userErrors { message } } }"


async def test_queries_may_come_as_get_for_caches_and_mutations_may_not(admin):
    http = admin.http
    auth = {"Authorization": f"Bearer {admin.token}"}
    query = "query Count($first: Int) { connections(first: $first) { totalCount } }"
    params = {"query": query, "variables": '{"first": 5}', "operationName": "Count"}
    got = await http.get("/graphql", params=params, headers=auth)
    assert got.status_code == 200, got.text
    assert got.json()["data"] == {"connections": {"totalCount": 0}}
    assert {"Authorization", "Accept"} <= set(got.headers["vary"].replace(" ", "").split(","))
    same = await http.get(
        "/graphql", params=params, headers={**auth, "If-None-Match": got.headers["etag"]}
    )
    assert same.status_code == 304 and same.content == b"", "unchanged: revalidated for free"

    before = await admin("{ auditEvents { totalCount } }")
    mutation = await http.get("/graphql", params={"query": SETTINGS}, headers=auth)
    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    assert "POST" in mutation.json()["errors"][0]["message"]
    assert await admin("{ auditEvents { totalCount } }") == before, "nothing was written"

    bad = await http.get("/graphql", params={"query": query, "variables": "{"}, headers=auth)
    assert bad.status_code == 400
    nobody = await http.get("/graphql", params={"query": query})
    assert nobody.status_code == 401
    neither = await http.get("/graphql", headers=auth)
    assert neither.status_code == 405 and "GET" in neither.headers["allow"]


async def test_a_request_that_cannot_run_is_a_400_for_clients_of_the_graphql_media_type(admin):
    """application/graphql-response+json: a document that cannot run (syntax, validation,
    variables) is a 400 with no `data`; plain application/json clients keep the 200."""
    http = admin.http
    auth = {"Authorization": f"Bearer {admin.token}"}
    spec = {**auth, "Accept": "application/graphql-response+json"}
    cannot_run = [
        {"query": "{ viewer { name "},
        {"query": "{ viewer { nope } }"},
        {
            "query": "query($n: Int!) { connections(first: $n) { totalCount } }",
            "variables": {"n": "x"},
        },
    ]
    for body in cannot_run:
        strict = await http.post("/graphql", json=body, headers=spec)
        assert strict.status_code == 400, (body, strict.text)
        assert strict.headers["content-type"].startswith("application/graphql-response+json")
        assert "data" not in strict.json() and strict.json()["errors"]
        legacy = await http.post("/graphql", json=body, headers=auth)
        assert legacy.status_code == 200 and legacy.json()["data"] is None
    ran = await http.post("/graphql", json={"query": "{ viewer { name } }"}, headers=spec)
    assert ran.status_code == 200 and ran.json()["data"] == {"viewer": {"name": "root"}}


async def test_malformed_queries_get_clear_errors(admin):
    errors = await admin.errors("{ connections { nope } }")
    assert "nope" in errors[0]["message"]
    errors = await admin.errors("{ viewer { name ")
    assert "Syntax Error" in errors[0]["message"]


async def test_alias_floods_are_refused(admin):
    flood = "{ " + " ".join(f"a{i}: viewer {{ name }}" for i in range(40)) + " }"
    errors = await admin.errors(flood)
    assert "aliases" in errors[0]["message"]


@pytest.mark.one_execution
async def test_the_body_is_decoded_once_for_both_rate_limits_and_the_answer(admin, monkeypatch):
    import app.graphql.body as body

    decoded: list[object] = []
    original = body.json.loads

    def counting(raw, *args, **kwargs):
        if isinstance(raw, bytes) and raw.startswith(b'{"query"'):  # not the client's answer
            decoded.append(raw)
        return original(raw, *args, **kwargs)

    monkeypatch.setattr(body.json, "loads", counting)
    data = await admin("mutation { updateSettings(input: {}) { userErrors { message } } }")
    assert data["updateSettings"]["userErrors"] == []
    assert len(decoded) == 1
