"""Every failure reaches its VerificationStatus with a readable message, and no key leaks."""

from __future__ import annotations

import socket

import pytest

from tests.api.documents import GET, create

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


async def test_network_failures(admin, fake):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    refused = await _test(admin, provider="OLLAMA", baseUrl=f"http://127.0.0.1:{closed_port}")
    assert refused["status"] == "UNREACHABLE" and "connect" in refused["message"].lower()
    nxdomain = await _test(admin, provider="OLLAMA", baseUrl="http://nowhere.invalid:11434")
    assert nxdomain["status"] == "UNREACHABLE"
    plain = fake("OLLAMA")
    tls = await _test(admin, provider="OLLAMA", baseUrl=plain.url.replace("http://", "https://"))
    assert tls["status"] == "TLS_ERROR", tls


@pytest.mark.parametrize(
    "base_url",
    [
        "http://169.254.169.254/latest",
        "http://[fe80::1]:80",
        "http://[::ffff:169.254.169.254]",
        "http://instance.metadata.test/v1",
        "http://100.100.100.200",
    ],
)
async def test_metadata_addresses_are_blocked(admin, base_url):
    result = await _test(admin, provider="OPENAI_COMPATIBLE", baseUrl=base_url)
    assert result["status"] == "BLOCKED_BY_POLICY", result


async def test_loopback_is_allowed_by_default_with_names(admin, fake):
    server = fake("OLLAMA")
    result = await _test(
        admin, provider="OLLAMA", baseUrl=f"http://ollama.loopback.test:{server.port}"
    )
    assert result["status"] == "OK" and result["modelCount"] == 3


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
