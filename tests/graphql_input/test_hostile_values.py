"""Values an attacker or a sloppy script sends: each is a coded answer (a userError or a
VALIDATION error), never "Unexpected error.", and no secret it carried travels back or into
the log."""

from __future__ import annotations

import json

import pytest

from tests.documents import CREATE

pytestmark = pytest.mark.db

TEST = """mutation($input: TestConnectionInput!) {
  testConnection(input: $input) { status ok message } }"""


async def _post(admin, query: str, variables: dict):
    """JSON with \\u escapes, as a script's encoder writes a lone surrogate."""
    headers = {"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"}
    content = json.dumps({"query": query, "variables": variables}).encode()
    return await admin.http.post("/graphql", content=content, headers=headers)


def _no_unexpected(body: dict) -> None:
    assert "Unexpected error" not in json.dumps(body), body


async def test_a_lone_surrogate_is_a_coded_validation_error(admin, fake):
    server = fake("OPENAI_COMPATIBLE", key="sk-x-upstream")
    for field in ("name", "description"):
        created = {"provider": "OPENAI_COMPATIBLE", "name": "ok", "baseUrl": server.url}
        created[field] = "bad \ud800 text"
        response = await _post(admin, CREATE, {"input": created})
        body = response.json()
        _no_unexpected(body)
        assert response.status_code == 400
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
        assert f"variables.input.{field}" in body["errors"][0]["message"]
    listed = await admin("{ connections { totalCount } }")
    assert listed["connections"]["totalCount"] == 0  # nothing was written


async def test_a_lone_surrogate_in_the_document_itself_is_coded(admin):
    response = await admin.raw('{ connection(name: "\\ud800") { id } }')
    body = response.json()
    _no_unexpected(body)
    assert "Invalid Unicode escape" in body["errors"][0]["message"]  # graphql-core's lexer


async def test_a_malformed_ipv6_base_url_is_a_coded_validation_error(admin):
    created = {"provider": "OPENAI_COMPATIBLE", "name": "v6", "baseUrl": "http://[::1/v1"}
    body = (await admin.raw(CREATE, {"input": created})).json()
    _no_unexpected(body)
    errors = body["data"]["createConnection"]["userErrors"]
    assert errors and errors[0]["field"] == ["input", "baseUrl"], errors
    tested = (await admin.raw(TEST, {"input": created})).json()
    _no_unexpected(tested)


async def test_test_connection_with_an_empty_id_is_coded(admin):
    body = (await admin.raw(TEST, {"input": {"id": ""}})).json()
    _no_unexpected(body)
    assert body["errors"][0]["extensions"]["code"] in ("VALIDATION", "NOT_FOUND"), body


async def test_a_variable_of_the_wrong_shape_does_not_echo_its_value(admin, fresh_secret, caplog):
    created = {
        "provider": "OPENAI",
        "name": "x",
        "apiKey": fresh_secret,
        "notAField": 1,
    }
    response = await admin.raw(CREATE, {"input": created})
    body = response.json()
    message = body["errors"][0]["message"]
    assert "unknown field 'notAField'" in message, message
    assert fresh_secret not in response.text and fresh_secret[-4:] not in message
    wrong_type = {"provider": "OPENAI", "name": "x", "apiKey": fresh_secret, "tags": {"a": 1}}
    response = await admin.raw(CREATE, {"input": wrong_type})
    assert fresh_secret not in response.text
    assert "tags" in response.json()["errors"][0]["message"]
    as_number = {"provider": "OPENAI", "name": fresh_secret, "modelIds": 5, "apiKey": 7}
    response = await admin.raw(CREATE, {"input": as_number})
    assert fresh_secret not in response.text
    assert fresh_secret not in caplog.text
