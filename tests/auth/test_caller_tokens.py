"""CALLER tokens: the key an application is given. It calls the gateway and asks `viewer`,
nothing else; a token may carry the models it may call and per-minute limits."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db

CREATE = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  token apiToken { role allowedModels requestsPerMinute tokensPerMinute }
  userErrors { field code message } } }"""


async def _caller_token(client, **fields) -> str:
    payload = (await client(CREATE, {"input": {"name": "app", "role": "CALLER", **fields}}))[
        "createApiToken"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["token"]


async def test_a_caller_token_shows_its_limits(admin):
    payload = (
        await admin(
            CREATE,
            {
                "input": {
                    "name": "app",
                    "role": "CALLER",
                    "allowedModels": ["chat", "gpt-4o"],
                    "requestsPerMinute": 60,
                    "tokensPerMinute": 100000,
                }
            },
        )
    )["createApiToken"]
    assert payload["apiToken"] == {
        "role": "CALLER",
        "allowedModels": ["chat", "gpt-4o"],
        "requestsPerMinute": 60,
        "tokensPerMinute": 100000,
    }


async def test_a_caller_token_may_ask_who_it_is_and_nothing_else(admin):
    token = await _caller_token(admin)
    viewer = await admin.raw("{ viewer { name role } __typename }", token=token)
    assert viewer.json()["data"]["viewer"]["role"] == "CALLER"
    for document in (
        "{ connections { totalCount } }",
        "{ viewer { name } apiTokens { totalCount } }",
        "query { ...f } fragment f on Query { settings { allowSecretReveal } }",
        'mutation { createWorkspace(input: {name: "w"}) { userErrors { code } } }',
    ):
        body = (await admin.raw(document, token=token)).json()
        assert body.get("data") is None, document
        [error] = body["errors"]
        assert error["extensions"]["code"] == "FORBIDDEN", document
        assert "CALLER" in error["message"]


async def test_members_make_caller_tokens_for_themselves_but_never_admin_ones(member):
    await _caller_token(member)
    refused = (await member(CREATE, {"input": {"name": "x", "role": "ADMIN"}}))["createApiToken"]
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"requestsPerMinute": 0}, "requestsPerMinute"),
        ({"tokensPerMinute": -5}, "tokensPerMinute"),
        ({"allowedModels": [" padded "]}, "allowedModels"),
        ({"allowedModels": ["m"] * 101}, "allowedModels"),
    ],
)
async def test_bad_limits_are_refused_on_their_field(admin, fields, field):
    payload = (await admin(CREATE, {"input": {"name": "app", "role": "CALLER", **fields}}))[
        "createApiToken"
    ]
    assert payload["token"] is None
    assert [e["field"] for e in payload["userErrors"]] == [["input", field]]
