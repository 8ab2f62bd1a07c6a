"""rotateConnectionCredentials: new secrets in one place, every dependent uses them next."""

from __future__ import annotations

import pytest

from tests.documents import GET, create

pytestmark = pytest.mark.db


KEY = "sk-S3CR3T-dependents-0001"


CREATE_ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  endpoint { id name model config connection { id name } } userErrors { field code message } } }"""


ROTATE = """mutation($id: ID!, $input: RotateCredentialsInput!) { rotateConnectionCredentials(id: $id, input: $input) {
  connection { apiKeyHint credentialsUpdatedAt version lastVerification { status } }
  verification { status ok message } userErrors { field code message } } }"""


VERIFY = "mutation($id: ID!) { verifyConnection(id: $id) { verification { status } } }"


async def _endpoint(admin, **fields) -> dict:
    data = (await admin(CREATE_ENDPOINT, {"input": fields}))["createEndpoint"]
    assert data["userErrors"] == [], data["userErrors"]
    return data["endpoint"]


async def test_rotation_reaches_every_dependent_and_a_failed_one_changes_nothing(admin, fake):
    server = fake("OPENAI", key=KEY, models=["gpt-4o"])
    conn = await create(admin, name="prod", provider="OPENAI", baseUrl=server.url, apiKey=KEY)
    await _endpoint(admin, name="chat", connectionId=conn["id"], model="gpt-4o")
    new_key = "sk-S3CR3T-rotated-0002"
    failed = (await admin(ROTATE, {"id": conn["id"], "input": {"apiKey": new_key}}))[
        "rotateConnectionCredentials"
    ]
    assert failed["verification"]["status"] == "AUTH_FAILED"
    assert failed["userErrors"][0]["code"] == "VERIFICATION_FAILED" and failed["connection"] is None
    unchanged = (await admin(GET, {"id": conn["id"]}))["connection"]
    assert (
        unchanged["apiKeyHint"] == "…0001"
        and unchanged["credentialsUpdatedAt"] == conn["credentialsUpdatedAt"]
    )
    assert (await admin(VERIFY, {"id": conn["id"]}))["verifyConnection"]["verification"][
        "status"
    ] == "OK"
    server.key = new_key  # the provider now accepts only the new key
    rotated = (await admin(ROTATE, {"id": conn["id"], "input": {"apiKey": new_key}}))[
        "rotateConnectionCredentials"
    ]
    assert rotated["userErrors"] == [] and rotated["verification"]["ok"]
    assert rotated["connection"]["apiKeyHint"] == "…0002"
    assert rotated["connection"]["credentialsUpdatedAt"] > conn["credentialsUpdatedAt"]
    endpoint = await admin('{ endpoint(name: "chat") { connection { id } } }')
    dependent_connection = endpoint["endpoint"]["connection"]["id"]
    assert (await admin(VERIFY, {"id": dependent_connection}))["verifyConnection"]["verification"][
        "status"
    ] == "OK"
    assert server.requests[-1].headers["authorization"] == f"Bearer {new_key}"


async def test_rotation_without_verify_and_bad_input(admin, fake):
    conn = await create(admin, name="p", provider="OPENAI", apiKey=KEY)
    unverified = await admin(
        ROTATE,
        {"id": conn["id"], "input": {"apiKey": "sk-S3CR3T-unverified-0003", "verify": False}},
    )
    assert unverified["rotateConnectionCredentials"]["connection"]["apiKeyHint"] == "…0003"
    empty = (await admin(ROTATE, {"id": conn["id"], "input": {}}))["rotateConnectionCredentials"]
    assert empty["userErrors"][0]["code"] == "VALIDATION"
    masked = await admin(ROTATE, {"id": conn["id"], "input": {"apiKey": "…0003", "verify": False}})
    assert masked["rotateConnectionCredentials"]["userErrors"][0]["field"] == ["input", "apiKey"]
