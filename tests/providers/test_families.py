"""Every provider verified and listed through a fake that speaks its real API."""

from __future__ import annotations

import pytest

from tests.documents import create, provider_fields

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-provider-key-WXYZ"

VERIFY = """mutation($id: ID!) { verifyConnection(id: $id) {
  connection { lastVerification { status ok modelCount } modelsFetchedAt modelsError
               models(first: 50) { totalCount nodes { modelId upstreamId source displayName enabled } } }
  verification { status ok message latencyMs modelCount checkedAt }
  userErrors { field code message } } }"""


def _fields(provider: str, server, **extra) -> dict:
    return provider_fields(provider, server, KEY, **extra)


EXPECTED_IDS = {
    "AZURE_OPENAI": ["dep-model-a", "dep-model-b", "dep-model-c"],
}


@pytest.mark.parametrize(
    "provider",
    [
        "OPENAI",
        "TOGETHER",
        "MISTRAL",
        "OPENAI_COMPATIBLE",
        "AZURE_OPENAI",
        "ANTHROPIC",
        "GEMINI",
        "VERTEX_AI",
        "OLLAMA",
    ],
)
async def test_each_provider_is_verified_and_listed(admin, fake, provider):
    server = fake(provider, key=None if provider == "OLLAMA" else KEY)
    conn = await create(admin, **_fields(provider, server))
    data = (await admin(VERIFY, {"id": conn["id"]}))["verifyConnection"]
    assert data["userErrors"] == []
    assert data["verification"]["status"] == "OK", data["verification"]
    assert data["verification"]["modelCount"] == 3
    stored = data["connection"]
    assert stored["lastVerification"] == {"status": "OK", "ok": True, "modelCount": 3}
    assert stored["modelsError"] is None and stored["modelsFetchedAt"]
    ids = [m["upstreamId"] for m in stored["models"]["nodes"]]
    assert ids == EXPECTED_IDS.get(provider, ["model-a", "model-b", "model-c"])
    assert {m["source"] for m in stored["models"]["nodes"]} == {"DISCOVERED"}


async def test_wire_details(admin, fake):
    """Auth headers, versions and pagination as each provider expects them."""
    anthropic = fake("ANTHROPIC", key=KEY)
    await create(
        admin,
        **_fields("ANTHROPIC", anthropic),
        customHeaders=[{"name": "X-Trace", "value": "t-1"}],
    )
    pages = [r for r in anthropic.requests if r.path == "/v1/models"]
    assert len(pages) == 2 and pages[1].query["after_id"] == "model-b"
    assert all(
        r.headers["anthropic-version"] == "2023-06-01" and r.headers["x-trace"] == "t-1"
        for r in pages
    )

    gemini = fake("GEMINI", key=KEY)
    await create(admin, **_fields("GEMINI", gemini))
    assert [r.query.get("pageToken") for r in gemini.requests] == [None, "2"]
    assert all("key" not in r.query and r.headers["x-goog-api-key"] == KEY for r in gemini.requests)

    openai = fake("OPENAI", key=KEY)
    await create(
        admin, **_fields("OPENAI", openai), config={"organization": "org-1", "project": "proj_1"}
    )
    seen = openai.requests[-1].headers
    assert seen["authorization"] == f"Bearer {KEY}"
    assert (seen["openai-organization"], seen["openai-project"]) == ("org-1", "proj_1")

    azure = fake("AZURE_OPENAI", key=KEY)
    await create(admin, **_fields("AZURE_OPENAI", azure))
    assert {(r.path, r.query["api-version"]) for r in azure.requests} == {
        ("/openai/models", "2024-10-21"),
        ("/openai/deployments", "2022-12-01"),
    }
    assert all(r.headers["api-key"] == KEY for r in azure.requests)

    vertex = fake("VERTEX_AI")
    await create(admin, **_fields("VERTEX_AI", vertex))
    assert [r.path for r in vertex.requests][0] == "/token"
    listing = [r for r in vertex.requests if r.path != "/token"]
    assert all(r.headers["authorization"].startswith("Bearer ya29.fake-") for r in listing)
    assert listing[0].headers["x-goog-user-project"] == "fake-project"


async def test_azure_without_deployment_listing_uses_models(admin, fake):
    azure = fake("AZURE_OPENAI", key=KEY)
    azure.deployments = False
    conn = await create(admin, **_fields("AZURE_OPENAI", azure))
    data = (await admin(VERIFY, {"id": conn["id"]}))["verifyConnection"]["connection"]
    assert [m["upstreamId"] for m in data["models"]["nodes"]] == ["model-a", "model-b", "model-c"]


async def test_azure_entra_id_token(admin, fake):
    azure = fake("AZURE_OPENAI", key="entra-S3CR3T-token-0000")
    await create(
        admin,
        **{
            **_fields("AZURE_OPENAI", azure),
            "name": "entra",
            "authMethod": "AZURE_AD_TOKEN",
            "apiKey": "entra-S3CR3T-token-0000",
        },
    )
    assert azure.requests[-1].headers["authorization"] == "Bearer entra-S3CR3T-token-0000"
    assert "api-key" not in azure.requests[-1].headers
