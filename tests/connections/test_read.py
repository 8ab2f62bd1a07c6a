"""Reading connections: by id, name and node, and the provider catalog."""

from __future__ import annotations

import pytest

from tests.documents import DELETE, GET, SET_DEFAULT, SET_ENABLED, UPDATE, create

pytestmark = pytest.mark.db


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


async def test_each_auth_method_says_which_secret_it_needs(admin):
    """A form asks for a key only where the method needs one: the catalog says which input."""
    data = await admin(
        "{ providers { provider authMethods authOptions { method label secretInput } } }"
    )
    catalog = {p["provider"]: p for p in data["providers"]}
    for entry in catalog.values():
        assert [o["method"] for o in entry["authOptions"]] == entry["authMethods"]
        assert all(o["label"] for o in entry["authOptions"])
    needs = {
        (p, o["method"]): o["secretInput"] for p, e in catalog.items() for o in e["authOptions"]
    }
    assert needs[("OPENAI", "API_KEY")] == "apiKey"
    assert needs[("AZURE_OPENAI", "AZURE_AD_TOKEN")] == "apiKey"
    assert needs[("VERTEX_AI", "SERVICE_ACCOUNT")] == "serviceAccountJson"
    assert needs[("OLLAMA", "NONE")] is None
