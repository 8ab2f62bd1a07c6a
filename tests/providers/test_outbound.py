"""What provider calls may reach: network failures, metadata and loopback addresses."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.db


TEST = """mutation($input: TestConnectionInput!) {
  testConnection(input: $input) { status ok message latencyMs modelCount checkedAt } }"""


async def _test(admin, **fields) -> dict:
    return (await admin(TEST, {"input": fields}))["testConnection"]


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
