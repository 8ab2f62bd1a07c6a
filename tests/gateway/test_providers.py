"""Every OpenAI-format provider through the gateway: only the URL, the auth and the model id
change; the caller's request and the answer do not."""

from __future__ import annotations

import json

import openai
import pytest

from tests.documents import create, provider_fields
from tests.gateway.sdks import caller_token, openai_client

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-provider-key-0001"  # shares a word with the prompt: answers are not scrubbed
HELLO = [{"role": "user", "content": "hi provider"}]
# provider -> (the model as the catalog shows it, the path called, the model id in the body)
WIRE = {
    "OLLAMA": ("model-a", "/v1/chat/completions", "model-a"),
    "AZURE_OPENAI": (
        "dep-model-a",
        "/openai/deployments/dep-model-a/chat/completions",
        "dep-model-a",
    ),
    "GEMINI": ("model-a", "/v1beta/openai/chat/completions", "model-a"),
    "VERTEX_AI": (
        "model-a",
        "/v1/projects/fake-project/locations/us-central1/endpoints/openapi/chat/completions",
        "google/model-a",
    ),
    "TOGETHER": ("model-a", "/v1/chat/completions", "model-a"),
}


@pytest.mark.parametrize("provider", list(WIRE))
async def test_chat_reaches_each_provider_in_its_own_terms(app, admin, fake, provider):
    server = fake(provider, key=None if provider == "OLLAMA" else KEY)
    fields = provider_fields(provider, server, KEY)
    if provider == "TOGETHER":
        fields.pop("baseUrl")  # its preset URL points elsewhere; the fake stands in for it
        fields.update(provider="OPENAI_COMPATIBLE", baseUrl=server.url)
    await create(admin, **fields)
    model, path, upstream_model = WIRE[provider]
    client = openai_client(app, await caller_token(admin))
    answer = await client.chat.completions.create(model=model, messages=HELLO)
    assert answer.choices[0].message.content == "echo: hi provider"
    [seen] = [r for r in server.requests if r.method == "POST" and "completions" in r.path]
    assert seen.path == path
    assert json.loads(seen.body)["model"] == upstream_model
    if provider == "AZURE_OPENAI":
        assert seen.headers["api-key"] == KEY and seen.query["api-version"] == "2024-10-21"
    elif provider == "GEMINI":
        assert seen.headers["authorization"] == f"Bearer {KEY}"
        assert "key" not in seen.query, "never the key in a URL"
    elif provider == "VERTEX_AI":
        assert seen.headers["authorization"].removeprefix("Bearer ") in server.issued


async def test_azure_with_an_entra_token(app, admin, fake):
    entra = "entra-S3CR3T-token-0000"
    server = fake("AZURE_OPENAI", key=entra)
    await create(
        admin, **provider_fields("AZURE_OPENAI", server, entra, authMethod="AZURE_AD_TOKEN")
    )
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(model="dep-model-a", messages=HELLO)
    [seen] = [r for r in server.requests if r.method == "POST"]
    assert seen.headers["authorization"] == f"Bearer {entra}" and "api-key" not in seen.headers


async def test_a_vertex_token_that_cannot_be_had_fails_over_with_a_reason(app, admin, fake):
    vertex = fake("VERTEX_AI")
    made = await create(admin, **provider_fields("VERTEX_AI", vertex, KEY))
    vertex.mode = "500"  # its token endpoint (and everything else) now fails
    rotate = """mutation($id: ID!, $sa: String!) { rotateConnectionCredentials(id: $id,
      input: {serviceAccountJson: $sa, verify: false}) { userErrors { message } } }"""
    sa = vertex.service_account_json(private_key_marker="-rotated")
    assert (await admin(rotate, {"id": made["id"], "sa": sa}))["rotateConnectionCredentials"][
        "userErrors"
    ] == []
    client = openai_client(app, await caller_token(admin))
    with pytest.raises(openai.InternalServerError) as failed:
        await client.chat.completions.create(model="model-a", messages=HELLO)
    assert failed.value.status_code == 502
    assert "vertex_ai-fake (could not get an access token)" in failed.value.body["message"]
