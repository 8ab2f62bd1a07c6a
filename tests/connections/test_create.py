"""createConnection: what is stored and shown, and what is refused."""

from __future__ import annotations

import json

import pytest

from tests.documents import CREATE, UPDATE, create

pytestmark = pytest.mark.db


def service_account_json() -> str:
    import json

    return json.dumps(
        {
            "type": "service_account",
            "project_id": "my-project-1",
            "client_email": "sb@my-project-1.iam.gserviceaccount.com",
            "private_key": "-----BEGIN PRIVATE KEY-----\nS3CR3T-not-a-real-key\n-----END PRIVATE KEY-----\n",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


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


KEY = "sk-S3CR3T-verify-key-ABCD"


async def test_create_shows_hints_and_provider_defaults(admin, fresh_secret):
    conn = await create(
        admin,
        name="openai-prod",
        provider="OPENAI",
        apiKey=fresh_secret,
        customHeaders=[{"name": "X-Team", "value": "team-S3CR3T-value"}],
        tags=["Prod", "prod"],
        description="Production OpenAI",
    )
    assert conn["baseUrl"] == "https://api.openai.com/v1"
    assert conn["authMethod"] == "API_KEY"
    assert conn["apiKeyHint"] == "…WXYZ"
    assert conn["customHeaders"] == [{"name": "X-Team", "valueHint": "…alue"}]
    assert conn["tags"] == ["prod"]
    assert conn["version"] == 1 and conn["enabled"] and not conn["isDefault"]
    assert conn["owner"] is None
    assert conn["createdAt"].endswith("+00:00")


async def test_short_keys_show_only_the_ellipsis(admin):
    conn = await create(admin, name="tiny", provider="GROQ", apiKey="S3CR3T12")
    assert conn["apiKeyHint"] == "…"


async def test_several_providers_with_their_config(admin, fresh_secret):
    azure = await create(
        admin,
        name="azure-eu",
        provider="AZURE_OPENAI",
        apiKey=fresh_secret,
        baseUrl="https://eu-res.openai.azure.com/",
        config={"apiVersion": "2024-10-21"},
    )
    assert azure["baseUrl"] == "https://eu-res.openai.azure.com"
    assert azure["authMethod"] == "AZURE_API_KEY"
    ollama = await create(admin, name="ollama-local", provider="OLLAMA")
    assert ollama["authMethod"] == "NONE" and ollama["apiKeyHint"] is None
    assert ollama["baseUrl"] == "http://localhost:11434"
    vertex = await create(
        admin,
        name="vertex",
        provider="VERTEX_AI",
        serviceAccountJson=service_account_json(),
        config={"projectId": "my-project-1", "region": "europe-west4"},
    )
    assert vertex["baseUrl"] == "https://europe-west4-aiplatform.googleapis.com"
    assert vertex["authMethod"] == "SERVICE_ACCOUNT"
    anthropic = await create(admin, name="claude", provider="ANTHROPIC", apiKey=fresh_secret)
    assert anthropic["baseUrl"] == "https://api.anthropic.com"
    custom = await create(
        admin, name="vllm", provider="OPENAI_COMPATIBLE", baseUrl="http://10.0.0.5:8000/v1"
    )
    assert custom["authMethod"] == "NONE"


async def test_names_are_unique_case_insensitively(admin):
    await create(admin, name="Prod", provider="OLLAMA")
    data = await admin(CREATE, {"input": {"name": "prod", "provider": "OLLAMA"}})
    assert data["createConnection"]["userErrors"] == [
        {
            "field": ["input", "name"],
            "code": "DUPLICATE_NAME",
            "message": "a connection named 'prod' already exists",
        }
    ]
    other = await create(admin, name="other", provider="OLLAMA")
    clash = await admin(UPDATE, {"id": other["id"], "input": {"name": "PROD"}})
    assert clash["updateConnection"]["userErrors"][0]["code"] == "DUPLICATE_NAME"
    own = await admin(UPDATE, {"id": other["id"], "input": {"name": "OTHER"}})
    assert own["updateConnection"]["connection"]["name"] == "OTHER"


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


async def test_bad_arguments_are_top_level_validation_errors(admin):
    errors = await admin.errors("{ connections(first: 501) { totalCount } }")
    assert errors[0]["extensions"]["code"] == "VALIDATION"
    errors = await admin.errors('{ connections(after: "garbage!") { totalCount } }')
    assert errors[0]["extensions"]["code"] == "VALIDATION"
    errors = await admin.errors("{ connections(first: -1) { totalCount } }")
    assert "between 0 and 500" in errors[0]["message"]


async def test_create_with_verify_saves_nothing_on_failure(admin, fake):
    server = fake("ANTHROPIC", key="sk-ant-right-0000000")
    data = await admin(
        """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
        connection { id } verification { status ok message } userErrors { field code message } } }""",
        {
            "input": {
                "name": "claude",
                "provider": "ANTHROPIC",
                "baseUrl": server.url,
                "apiKey": KEY,
                "verify": True,
            }
        },
    )
    payload = data["createConnection"]
    assert payload["connection"] is None
    assert payload["verification"]["status"] == "AUTH_FAILED"
    assert payload["userErrors"][0]["code"] == "VERIFICATION_FAILED"
    assert (await admin("{ connections { totalCount } }"))["connections"]["totalCount"] == 0
    server.key = KEY
    before = len(server.requests)
    ok = await admin(
        """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
        connection { lastVerification { status modelCount } models { totalCount } } verification { status } userErrors { code } } }""",
        {
            "input": {
                "name": "claude",
                "provider": "ANTHROPIC",
                "baseUrl": server.url,
                "apiKey": KEY,
                "verify": True,
            }
        },
    )
    saved = ok["createConnection"]
    assert saved["verification"]["status"] == "OK" and saved["userErrors"] == []
    assert saved["connection"]["lastVerification"] == {"status": "OK", "modelCount": 3}
    assert saved["connection"]["models"]["totalCount"] == 3
    assert len(server.requests) - before == 2, (
        "one listing (two pages) serves both verify and discovery"
    )
