"""Bad input gets a userErrors entry on the right field and writes nothing."""

from __future__ import annotations

import json

import pytest

from tests.api.documents import CREATE, GET, UPDATE, create

pytestmark = pytest.mark.db

VALID = {"name": "ok", "provider": "OPENAI", "apiKey": "sk-S3CR3T-valid-key-1234"}

BAD_CREATES = [
    ({"name": ""}, ["input", "name"]),
    ({"name": "x" * 65}, ["input", "name"]),
    ({"name": "bad/name"}, ["input", "name"]),
    ({"name": "-leading"}, ["input", "name"]),
    ({"baseUrl": "ftp://example.com"}, ["input", "baseUrl"]),
    ({"baseUrl": "https://user:pw@example.com/v1"}, ["input", "baseUrl"]),
    ({"baseUrl": "https://example.com/v1#frag"}, ["input", "baseUrl"]),
    ({"baseUrl": "https://example.com/v1?key=1"}, ["input", "baseUrl"]),
    ({"baseUrl": "https://exa mple.com"}, ["input", "baseUrl"]),
    ({"baseUrl": "https://example.com:99999"}, ["input", "baseUrl"]),
    ({"baseUrl": "https://" + "a" * 2050}, ["input", "baseUrl"]),
    ({"apiKey": "…WXYZ"}, ["input", "apiKey"]),
    ({"apiKey": "sk-…WXYZ"}, ["input", "apiKey"]),
    ({"apiKey": "****WXYZ"}, ["input", "apiKey"]),
    ({"apiKey": "...WXYZ"}, ["input", "apiKey"]),
    ({"apiKey": "sk S3CR3T with space"}, ["input", "apiKey"]),
    ({"apiKey": None}, ["input", "apiKey"]),
    ({"apiKey": "x" * 5000}, ["input", "apiKey"]),
    ({"authMethod": "SERVICE_ACCOUNT"}, ["input", "authMethod"]),
    ({"prefixId": "has.dot"}, ["input", "prefixId"]),
    ({"prefixId": "x" * 40}, ["input", "prefixId"]),
    ({"modelIds": ["gpt 4"]}, ["input", "modelIds"]),
    ({"tags": ["no spaces"]}, ["input", "tags"]),
    ({"tags": [f"t{i}" for i in range(21)]}, ["input", "tags"]),
    ({"description": "d" * 1001}, ["input", "description"]),
    ({"config": {"unknown": "x"}}, ["input", "config", "unknown"]),
    ({"config": {"organization": 5}}, ["input", "config", "organization"]),
    ({"config": ["not", "an", "object"]}, ["input", "config"]),
    ({"customHeaders": [{"name": "Host", "value": "x"}]}, ["input", "customHeaders", "0", "name"]),
    (
        {"customHeaders": [{"name": "Content-Length", "value": "1"}]},
        ["input", "customHeaders", "0", "name"],
    ),
    (
        {"customHeaders": [{"name": "Authorization", "value": "Bearer x"}]},
        ["input", "customHeaders", "0", "name"],
    ),
    (
        {"customHeaders": [{"name": "Bad Header", "value": "x"}]},
        ["input", "customHeaders", "0", "name"],
    ),
    (
        {"customHeaders": [{"name": "X-A", "value": "a\r\nInjected: 1"}]},
        ["input", "customHeaders", "0", "value"],
    ),
    (
        {"customHeaders": [{"name": "X-A", "value": "1"}, {"name": "x-a", "value": "2"}]},
        ["input", "customHeaders", "1", "name"],
    ),
    ({"customHeaders": [{"name": "X-A"}]}, ["input", "customHeaders", "0", "value"]),
]


@pytest.mark.parametrize(
    ("override", "field"),
    BAD_CREATES,
    ids=[str(f) + str(i) for i, (_, f) in enumerate(BAD_CREATES)],
)
async def test_bad_create_input_is_refused_on_its_field(admin, override, field):
    data = await admin(CREATE, {"input": {**VALID, **override}})
    payload = data["createConnection"]
    assert payload["connection"] is None
    assert field in [e["field"] for e in payload["userErrors"]], payload["userErrors"]
    assert all(
        e["code"] in ("VALIDATION", "NOT_ALLOWED") and e["message"] for e in payload["userErrors"]
    )
    assert (await admin("{ connections { totalCount } }"))["connections"]["totalCount"] == 0


PROVIDER_RULES = [
    ({"provider": "AZURE_OPENAI", "config": {"apiVersion": "2024-10-21"}}, ["input", "baseUrl"]),
    (
        {"provider": "AZURE_OPENAI", "baseUrl": "https://r.openai.azure.com"},
        ["input", "config", "apiVersion"],
    ),
    (
        {
            "provider": "AZURE_OPENAI",
            "baseUrl": "https://r.openai.azure.com",
            "config": {"apiVersion": "soon"},
        },
        ["input", "config", "apiVersion"],
    ),
    (
        {
            "provider": "VERTEX_AI",
            "apiKey": None,
            "config": {"region": "us-central1"},
            "serviceAccountJson": "{}",
        },
        ["input", "config", "projectId"],
    ),
    (
        {
            "provider": "VERTEX_AI",
            "apiKey": None,
            "config": {"projectId": "my-project-1", "region": "us-central1"},
            "serviceAccountJson": "{not json",
        },
        ["input", "serviceAccountJson"],
    ),
    (
        {
            "provider": "VERTEX_AI",
            "apiKey": None,
            "config": {"projectId": "my-project-1", "region": "us-central1"},
            "serviceAccountJson": json.dumps({"type": "service_account"}),
        },
        ["input", "serviceAccountJson"],
    ),
    (
        {
            "provider": "VERTEX_AI",
            "apiKey": None,
            "config": {"projectId": "my-project-1", "region": "us-central1"},
        },
        ["input", "serviceAccountJson"],
    ),
    (
        {"provider": "VERTEX_AI", "config": {"projectId": "my-project-1", "region": "us-central1"}},
        ["input", "apiKey"],
    ),
    ({"provider": "OPENAI_COMPATIBLE"}, ["input", "baseUrl"]),
    ({"provider": "OLLAMA", "authMethod": "NONE"}, ["input", "apiKey"]),
    (
        {"provider": "ANTHROPIC", "customHeaders": [{"name": "x-api-key", "value": "x"}]},
        ["input", "customHeaders", "0", "name"],
    ),
    (
        {"provider": "GEMINI", "customHeaders": [{"name": "X-Goog-Api-Key", "value": "x"}]},
        ["input", "customHeaders", "0", "name"],
    ),
    ({"provider": "OPENAI", "isDefault": True, "enabled": False}, ["input", "isDefault"]),
]


@pytest.mark.parametrize(
    ("override", "field"), PROVIDER_RULES, ids=[str(i) for i in range(len(PROVIDER_RULES))]
)
async def test_provider_rules(admin, override, field):
    data = await admin(CREATE, {"input": {**VALID, **override}})
    payload = data["createConnection"]
    assert payload["connection"] is None
    assert field in [e["field"] for e in payload["userErrors"]], payload["userErrors"]


async def test_ollama_needs_no_key_and_model_ids_are_deduplicated(admin):
    conn = await create(admin, name="o", provider="OLLAMA", modelIds=["llama3", " llama3 ", "qwen"])
    assert conn["modelIds"] == ["llama3", "qwen"]


async def test_bad_update_changes_nothing(admin):
    conn = await create(admin, **VALID, description="before")
    for bad in (
        {"name": None},
        {"baseUrl": "nope"},
        {"description": "after", "prefixId": "a.b"},
        {"apiKey": "…1234"},
        {"enabled": None},
    ):
        data = await admin(UPDATE, {"id": conn["id"], "input": bad})
        assert data["updateConnection"]["connection"] is None
        assert data["updateConnection"]["userErrors"], bad
    current = (await admin(GET, {"id": conn["id"]}))["connection"]
    assert current == conn


async def test_bad_arguments_are_top_level_validation_errors(admin):
    errors = await admin.errors("{ connections(first: 501) { totalCount } }")
    assert errors[0]["extensions"]["code"] == "VALIDATION"
    errors = await admin.errors('{ connections(after: "garbage!") { totalCount } }')
    assert errors[0]["extensions"]["code"] == "VALIDATION"
    errors = await admin.errors("{ connections(first: -1) { totalCount } }")
    assert "between 0 and 500" in errors[0]["message"]
