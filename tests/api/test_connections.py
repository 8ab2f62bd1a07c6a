"""The connection registry used through GraphQL, as an admin would."""

from __future__ import annotations

import pytest

from tests.api.documents import CREATE, DELETE, GET, LIST, SET_DEFAULT, SET_ENABLED, UPDATE, create

pytestmark = pytest.mark.db


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


async def test_lookup_by_id_name_and_node(admin):
    conn = await create(admin, name="Local-Ollama", provider="OLLAMA")
    by_id = await admin(GET, {"id": conn["id"]})
    by_name = await admin(GET, {"name": "local-ollama"})
    assert by_id["connection"]["name"] == by_name["connection"]["name"] == "Local-Ollama"
    node = await admin(
        "query($id: ID!) { node(id: $id) { id ... on LLMConnection { name } } }", {"id": conn["id"]}
    )
    assert node["node"] == {"id": conn["id"], "name": "Local-Ollama"}
    assert (await admin(GET, {"name": "nope"}))["connection"] is None
    assert (await admin('{ node(id: "bm9wZQ") { id } }'))["node"] is None
    errors = await admin.errors(GET, {})
    assert errors[0]["extensions"]["code"] == "VALIDATION"


async def test_update_keeps_the_stored_key_unless_replaced(admin, fresh_secret):
    conn = await create(admin, name="keep-key", provider="OPENAI", apiKey=fresh_secret)
    data = await admin(
        UPDATE, {"id": conn["id"], "input": {"description": "renamed", "tags": ["a"]}}
    )
    updated = data["updateConnection"]["connection"]
    assert data["updateConnection"]["userErrors"] == []
    assert updated["apiKeyHint"] == "…WXYZ"
    assert updated["credentialsUpdatedAt"] == conn["credentialsUpdatedAt"]
    assert updated["version"] == 2 and updated["description"] == "renamed"
    rotated = await admin(UPDATE, {"id": conn["id"], "input": {"apiKey": "sk-S3CR3T-new-key-ABCD"}})
    assert rotated["updateConnection"]["connection"]["apiKeyHint"] == "…ABCD"
    assert (
        rotated["updateConnection"]["connection"]["credentialsUpdatedAt"]
        > conn["credentialsUpdatedAt"]
    )


async def test_explicit_null_clears_and_absent_keeps(admin):
    conn = await create(
        admin, name="nulls", provider="OLLAMA", description="d", prefixId="lab", tags=["x"]
    )
    data = await admin(UPDATE, {"id": conn["id"], "input": {"description": None, "prefixId": None}})
    updated = data["updateConnection"]["connection"]
    assert updated["description"] is None and updated["prefixId"] is None
    assert updated["tags"] == ["x"]


async def test_stale_expected_version_conflicts_and_writes_nothing(admin):
    conn = await create(admin, name="versioned", provider="OLLAMA")
    ok = await admin(
        UPDATE, {"id": conn["id"], "input": {"description": "one", "expectedVersion": 1}}
    )
    assert ok["updateConnection"]["connection"]["version"] == 2
    stale = await admin(
        UPDATE, {"id": conn["id"], "input": {"description": "two", "expectedVersion": 1}}
    )
    assert stale["updateConnection"]["connection"] is None
    [error] = stale["updateConnection"]["userErrors"]
    assert error["code"] == "VERSION_CONFLICT" and error["field"] == ["input", "expectedVersion"]
    current = (await admin(GET, {"id": conn["id"]}))["connection"]
    assert current["description"] == "one" and current["version"] == 2


async def test_exactly_one_default_when_switching(admin):
    a = await create(admin, name="a", provider="OLLAMA", isDefault=True)
    b = await create(admin, name="b", provider="OLLAMA")
    assert a["isDefault"]
    switched = await admin(SET_DEFAULT, {"id": b["id"]})
    assert switched["setDefaultConnection"]["connection"]["isDefault"]
    data = await admin(
        "{ defaultConnection { name } a: connections(filter: {isDefault: true}) { totalCount } }"
    )
    assert data["defaultConnection"]["name"] == "b"
    assert data["a"]["totalCount"] == 1
    c = await create(admin, name="c", provider="OLLAMA", isDefault=True)
    assert c["isDefault"]
    assert (await admin("{ defaultConnection { name } }"))["defaultConnection"]["name"] == "c"


async def test_disabled_connection_cannot_become_default(admin):
    conn = await create(admin, name="off", provider="OLLAMA", enabled=False)
    data = await admin(SET_DEFAULT, {"id": conn["id"]})
    assert data["setDefaultConnection"]["userErrors"][0]["code"] == "NOT_ALLOWED"


async def test_disable_and_enable(admin):
    conn = await create(admin, name="toggle", provider="OLLAMA")
    off = await admin(SET_ENABLED, {"id": conn["id"], "enabled": False})
    assert off["setConnectionEnabled"]["connection"] == {
        "id": conn["id"],
        "enabled": False,
        "version": 2,
    }
    listed = await admin(LIST, {"filter": {"enabled": False}})
    assert [n["name"] for n in listed["connections"]["nodes"]] == ["toggle"]


async def test_delete(admin):
    conn = await create(admin, name="doomed", provider="OLLAMA", isDefault=True)
    data = await admin(DELETE, {"id": conn["id"]})
    assert data["deleteConnection"] == {"deletedId": conn["id"], "userErrors": []}
    assert (await admin(GET, {"id": conn["id"]}))["connection"] is None
    assert (await admin("{ defaultConnection { id } }"))["defaultConnection"] is None
    again = await admin(DELETE, {"id": conn["id"]})
    assert again["deleteConnection"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_unknown_ids_are_not_found(admin):
    for document, variables in (
        (UPDATE, {"input": {"description": "x"}}),
        (SET_DEFAULT, {}),
        (SET_ENABLED, {"enabled": True}),
        (DELETE, {}),
    ):
        data = await admin(document, {"id": "TExNQ29ubmVjdGlvbjpub3BlCg", **variables})
        [payload] = data.values()
        assert payload["userErrors"][0]["code"] == "NOT_FOUND"
        assert payload["userErrors"][0]["field"] == ["id"]


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


async def test_provider_catalog(admin):
    data = await admin(
        "{ providers { provider displayName defaultBaseUrl authMethods supportsModelListing configFields { name required } } }"
    )
    catalog = {p["provider"]: p for p in data["providers"]}
    enum = await admin('{ __type(name: "Provider") { enumValues { name } } }')
    offered = [p["provider"] for p in data["providers"]]
    assert sorted(offered) == sorted(v["name"] for v in enum["__type"]["enumValues"]), (
        "every provider has exactly one catalog entry"
    )
    assert catalog["OPENAI"]["defaultBaseUrl"] == "https://api.openai.com/v1"
    assert catalog["AZURE_OPENAI"]["authMethods"] == ["AZURE_API_KEY", "AZURE_AD_TOKEN"]
    assert {"name": "apiVersion", "required": True} in catalog["AZURE_OPENAI"]["configFields"]
    assert {f["name"] for f in catalog["VERTEX_AI"]["configFields"]} == {"projectId", "region"}
    assert catalog["OLLAMA"]["authMethods"][0] == "NONE"
