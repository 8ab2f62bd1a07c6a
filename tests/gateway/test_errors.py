"""Failures answer in the route's own format, with messages a developer can act on, and no
secret anywhere."""

from __future__ import annotations

import pytest

from tests.gateway.sdks import caller_token, openai_connection

pytestmark = pytest.mark.db


async def test_openai_routes_answer_openai_errors(client, admin, fake):
    await openai_connection(admin, fake, "main", ["gpt-fake"])
    bad = await client.post(
        "/v1/chat/completions", json={"model": "gpt-fake"}, headers={"Authorization": "Bearer nope"}
    )
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "invalid_api_key"
    assert bad.json()["error"]["type"] == "invalid_request_error"
    token = await caller_token(admin)
    auth = {"Authorization": f"Bearer {token}"}
    missing = await client.post("/v1/chat/completions", json={"model": "nope"}, headers=auth)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "model_not_found"
    garbage = await client.post("/v1/chat/completions", content=b"{", headers=auth)
    assert garbage.status_code == 400 and "JSON" in garbage.json()["error"]["message"]


async def test_anthropic_routes_answer_anthropic_errors(client, admin):
    bad = await client.post("/v1/messages", json={"model": "x"}, headers={"x-api-key": "nope"})
    assert bad.status_code == 401
    assert bad.json() == {
        "type": "error",
        "error": {"type": "authentication_error", "message": bad.json()["error"]["message"]},
    }
    token = await caller_token(admin)
    missing = await client.post(
        "/v1/messages", json={"model": "nope"}, headers={"x-api-key": token}
    )
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "not_found_error"


async def test_a_body_over_the_cap_is_a_clear_413(client, admin):
    token = await caller_token(admin)
    huge = b'{"model": "x", "pad": "' + b"x" * (33 * 1024 * 1024) + b'"}'
    answer = await client.post(
        "/v1/chat/completions", content=huge, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 413
    assert "SWITCHBOARD_GATEWAY_MAX_BODY_BYTES" in answer.json()["error"]["message"]


async def test_a_wrong_method_is_a_405_in_the_routes_format(client, admin):
    token = await caller_token(admin)
    chat = await client.get("/v1/chat/completions", headers={"Authorization": f"Bearer {token}"})
    assert chat.status_code == 405 and chat.headers["allow"] == "POST"
    assert chat.json()["error"]["message"] == "/v1/chat/completions answers POST only."
    models = await client.post("/v1/models", headers={"x-api-key": token})
    assert models.status_code == 405 and models.headers["allow"] == "GET"
    messages = await client.get("/v1/messages", headers={"x-api-key": token})
    assert messages.status_code == 405 and messages.json()["type"] == "error"


async def test_an_upstream_401_is_a_502_naming_the_connection_never_its_words(client, admin, fake):
    """The caller's key is not at fault when the provider refuses the connection's: a 502 that
    names the connection, and none of the provider's message (which quotes the key)."""
    conn = await openai_connection(admin, fake, "main", ["gpt-fake"])
    conn["server"].mode = "echo_key"
    conn["server"].key = "sk-S3CR3T-something-else-entirely"  # the stored key is now wrong
    token = await caller_token(admin)
    call = {"model": "gpt-fake", "messages": [{"role": "user", "content": "x"}]}
    answer = await client.post(
        "/v1/chat/completions", json=call, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error["code"] == "upstream_auth_failed" and "'main'" in error["message"]
    assert "HTTP 401" in error["message"] and "S3CR3T" not in answer.text
    assert "Incorrect API key" not in answer.text  # the provider's own words stay out
    messages = await client.post(
        "/v1/messages", json={**call, "max_tokens": 5}, headers={"x-api-key": token}
    )
    assert messages.status_code == 502 and messages.json()["error"]["type"] == "api_error"
    health = await admin(
        "query($id: ID!) { node(id: $id) { ... on LLMConnection { health { state lastError } } } }",
        {"id": conn["id"]},
    )
    assert "HTTP 401" in health["node"]["health"]["lastError"]
    assert health["node"]["health"]["state"] == "HEALTHY"  # no wait mends a wrong key


async def test_a_revoked_token_is_refused_on_its_very_next_call(client, admin, fake):
    await openai_connection(admin, fake, "main", ["gpt-fake"])
    made = await admin(
        'mutation { createApiToken(input: {name: "app", role: CALLER}) { token apiToken { id } } }'
    )
    token, token_id = made["createApiToken"]["token"], made["createApiToken"]["apiToken"]["id"]
    call = {"model": "gpt-fake", "messages": [{"role": "user", "content": "x"}]}
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/v1/chat/completions", json=call, headers=auth)).status_code == 200
    revoked = await admin(
        "mutation($id: ID!) { revokeApiToken(id: $id) { userErrors { code } } }", {"id": token_id}
    )
    assert revoked["revokeApiToken"]["userErrors"] == []
    refused = await client.post("/v1/chat/completions", json=call, headers=auth)
    assert refused.status_code == 401


async def test_an_unknown_gateway_path_answers_in_the_gateways_format(client, admin):
    token = await caller_token(admin)
    for method in ("GET", "POST", "DELETE"):
        answer = await client.request(method, "/v1/responses/nope", headers={"x-api-key": token})
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found", answer.text
    batches = await client.post("/v1/messages/batches", headers={"x-api-key": token})
    assert batches.status_code == 404 and batches.json()["type"] == "error"
