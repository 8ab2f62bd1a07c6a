"""verifyConnection and testConnection: each failure its own status, stored secrets kept to their origin."""

from __future__ import annotations

import pytest

from tests.documents import GET, create

pytestmark = pytest.mark.db


KEY = "sk-S3CR3T-verify-key-ABCD"


TEST = """mutation($input: TestConnectionInput!) {
  testConnection(input: $input) { status ok message latencyMs modelCount checkedAt } }"""


async def _test(admin, **fields) -> dict:
    return (await admin(TEST, {"input": fields}))["testConnection"]


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        ("401", "AUTH_FAILED"),
        ("403", "PERMISSION_DENIED"),
        ("404", "NOT_FOUND"),
        ("429", "RATE_LIMITED"),
        ("503", "UNREACHABLE"),
        ("500", "INVALID_RESPONSE"),
        ("slow", "TIMEOUT"),
        ("garbage", "INVALID_RESPONSE"),
        ("not_http", "INVALID_RESPONSE"),
        ("redirect_metadata", "BLOCKED_BY_POLICY"),
        ("redirect", "INVALID_RESPONSE"),
        ("huge", "INVALID_RESPONSE"),
    ],
)
async def test_failure_statuses(admin, fake, mode, status):
    server = fake("OPENAI", key=KEY)
    server.mode = mode
    result = await _test(admin, provider="OPENAI", baseUrl=server.url, apiKey=KEY)
    assert result["status"] == status, result
    assert not result["ok"] and result["message"] and result["modelCount"] is None


async def test_wrong_key_is_auth_failed_and_the_echo_is_redacted(admin, fake, secret_watch):
    server = fake("OPENAI", key="sk-the-right-key-0000")
    server.mode = "echo_key"
    result = await _test(admin, provider="OPENAI", baseUrl=server.url, apiKey=KEY)
    assert result["status"] == "AUTH_FAILED"
    assert "Incorrect API key provided" in result["message"] and "[redacted]" in result["message"]
    server.mode = "ok"  # OpenAI's usual partial echo ("sk-S3CR3***...ABCD") is scrubbed too
    result = await _test(admin, provider="OPENAI", baseUrl=server.url, apiKey=KEY)
    assert result["status"] == "AUTH_FAILED" and "sk-S3CR" not in result["message"]


async def test_testing_an_edit_uses_the_stored_key_on_the_same_origin_only(admin, fake):
    first = fake("OPENAI_COMPATIBLE", key=KEY)
    conn = await create(
        admin, name="vllm", provider="OPENAI_COMPATIBLE", baseUrl=first.url, apiKey=KEY
    )
    first.models = ["new-model"]
    same = await _test(admin, id=conn["id"], baseUrl=first.origin + "/v1/")
    assert same["status"] == "OK" and same["modelCount"] == 1
    assert first.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    other = fake("OPENAI_COMPATIBLE", key=KEY)
    moved = await _test(admin, id=conn["id"], baseUrl=other.url)
    assert moved["status"] == "BLOCKED_BY_POLICY" and "re-enter" in moved["message"]
    assert other.requests == [], "the stored key must never reach another origin"
    reentered = await _test(admin, id=conn["id"], baseUrl=other.url, apiKey=KEY)
    assert reentered["status"] == "OK"
    unchanged = (await admin(GET, {"id": conn["id"]}))["connection"]
    assert unchanged["baseUrl"] == first.url and unchanged["version"] == conn["version"]


async def test_test_connection_input_errors(admin):
    errors = await admin.errors(TEST, {"input": {"baseUrl": "http://x"}})
    assert errors[0]["extensions"]["code"] == "VALIDATION"
    errors = await admin.errors(
        TEST, {"input": {"provider": "OPENAI", "baseUrl": "ftp://x", "apiKey": KEY}}
    )
    assert errors[0]["extensions"]["userErrors"][0]["field"] == ["input", "baseUrl"]
    errors = await admin.errors(TEST, {"input": {"id": "TExNQ29ubmVjdGlvbjpub3Bl"}})
    assert errors[0]["extensions"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_members_test_only_personal_configurations_and_never_internal_addresses(member, fake):
    errors = await member.errors(TEST, {"input": {"provider": "OLLAMA"}})
    assert errors[0]["extensions"]["userErrors"][0]["code"] == "NOT_ALLOWED"
    server = fake("OPENAI_COMPATIBLE", key=KEY)
    probe = await _test(member, provider="OPENAI_COMPATIBLE", baseUrl=server.url, apiKey=KEY)
    assert probe["status"] == "BLOCKED_BY_POLICY" and "private" in probe["message"]
    assert server.requests == [], (
        "a member's configuration may not reach loopback or private ranges"
    )
