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


async def test_graphql_over_get_or_form_posts_is_refused(admin):
    http = admin.http
    auth = {"Authorization": f"Bearer {admin.token}"}
    got = await http.get("/graphql", params={"query": "{ viewer { name } }"}, headers=auth)
    assert got.status_code == 405
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
