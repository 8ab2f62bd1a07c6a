"""Secrets are write-only: sealed at rest, bound to their row, never sent to a new origin."""

from __future__ import annotations

import uuid

import pytest

from app.connections.records import fetch_connection
from app.connections.sealing import open_for
from app.db.tables import LLMConnection
from app.security.envelope import SecretUnavailable
from app.security.sealed_fields import API_KEY_FIELD, header_field
from tests.conftest import TEST_KEYRING
from tests.documents import GET, UPDATE, create

pytestmark = pytest.mark.db


def _uuid(global_id: str) -> uuid.UUID:
    import base64

    raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    return uuid.UUID(raw.split(":", 1)[1])


async def test_stored_secret_opens_only_in_its_own_row(admin, fresh_secret):
    a = await create(admin, name="a", provider="OPENAI", apiKey=fresh_secret)
    b = await create(admin, name="b", provider="OPENAI", apiKey="sk-S3CR3T-other-key-0000")
    record_a = await fetch_connection(_uuid(a["id"]))
    assert record_a and record_a.api_key_sealed
    assert fresh_secret not in record_a.api_key_sealed
    assert (
        open_for(TEST_KEYRING, record_a.id, API_KEY_FIELD, record_a.api_key_sealed) == fresh_secret
    )
    # Copy A's ciphertext into B's row: it must not open there.
    await LLMConnection.update({LLMConnection.api_key_sealed: record_a.api_key_sealed}).where(
        LLMConnection.id == _uuid(b["id"])
    )
    record_b = await fetch_connection(_uuid(b["id"]))
    assert record_b and record_b.api_key_sealed
    with pytest.raises(SecretUnavailable):
        open_for(TEST_KEYRING, record_b.id, API_KEY_FIELD, record_b.api_key_sealed)
    # Nor in another field of its own row.
    with pytest.raises(SecretUnavailable):
        open_for(TEST_KEYRING, record_a.id, header_field("x-team"), record_a.api_key_sealed)


async def test_database_rows_hold_no_plaintext(admin, fresh_secret, secret_watch):
    await create(
        admin,
        name="a",
        provider="OPENAI",
        apiKey=fresh_secret,
        customHeaders=[{"name": "X-Team", "value": "hdr-S3CR3T-value"}],
    )
    rows = await LLMConnection.select()
    secret_watch.assert_absent("database rows", repr(rows))


async def test_masked_hint_never_overwrites_the_key(admin, fresh_secret):
    conn = await create(admin, name="a", provider="OPENAI", apiKey=fresh_secret)
    for masked in ("…WXYZ", "sk-…WXYZ", "****WXYZ", "sk-****WXYZ", "...WXYZ"):
        data = await admin(UPDATE, {"id": conn["id"], "input": {"apiKey": masked}})
        assert data["updateConnection"]["userErrors"][0]["field"] == ["input", "apiKey"]
    record = await fetch_connection(_uuid(conn["id"]))
    assert record and record.api_key_sealed
    assert open_for(TEST_KEYRING, record.id, API_KEY_FIELD, record.api_key_sealed) == fresh_secret


async def test_new_origin_needs_the_secrets_again(admin, fresh_secret):
    conn = await create(
        admin,
        name="a",
        provider="OPENAI_COMPATIBLE",
        baseUrl="https://llm.internal/v1",
        apiKey=fresh_secret,
        customHeaders=[{"name": "X-Team", "value": "hdr-S3CR3T-1"}],
    )
    for url in (
        "https://evil.example/v1",
        "http://llm.internal/v1",
        "https://llm.internal:8443/v1",
    ):
        data = await admin(UPDATE, {"id": conn["id"], "input": {"baseUrl": url}})
        fields = [e["field"] for e in data["updateConnection"]["userErrors"]]
        assert ["input", "apiKey"] in fields and ["input", "customHeaders"] in fields, fields
    assert (await admin(GET, {"id": conn["id"]}))["connection"][
        "baseUrl"
    ] == "https://llm.internal/v1"
    # Same origin, other path: fine.
    same = await admin(
        UPDATE, {"id": conn["id"], "input": {"baseUrl": "https://LLM.internal:443/openai/v1"}}
    )
    assert same["updateConnection"]["userErrors"] == []
    # New origin with the secrets re-entered: fine.
    moved = await admin(
        UPDATE,
        {
            "id": conn["id"],
            "input": {
                "baseUrl": "https://new.example/v1",
                "apiKey": "sk-S3CR3T-moved-0001",
                "customHeaders": [{"name": "X-Team", "value": "hdr-S3CR3T-2"}],
            },
        },
    )
    assert moved["updateConnection"]["userErrors"] == []
    assert moved["updateConnection"]["connection"]["apiKeyHint"] == "…0001"


async def test_header_value_kept_when_sent_as_null(admin):
    conn = await create(
        admin,
        name="h",
        provider="OLLAMA",
        customHeaders=[{"name": "X-A", "value": "hdr-S3CR3T-aaaa"}],
    )
    data = await admin(
        UPDATE,
        {
            "id": conn["id"],
            "input": {
                "customHeaders": [
                    {"name": "X-A", "value": None},
                    {"name": "X-B", "value": "hdr-S3CR3T-bbbb"},
                ]
            },
        },
    )
    assert data["updateConnection"]["connection"]["customHeaders"] == [
        {"name": "X-A", "valueHint": "…aaaa"},
        {"name": "X-B", "valueHint": "…bbbb"},
    ]
    record = await fetch_connection(_uuid(conn["id"]))
    assert record
    kept = record.custom_headers[0]
    assert open_for(TEST_KEYRING, record.id, header_field("X-A"), kept.sealed) == "hdr-S3CR3T-aaaa"


async def test_switching_to_no_auth_drops_the_stored_key(admin, fresh_secret):
    conn = await create(admin, name="o", provider="OLLAMA", apiKey=fresh_secret)
    assert conn["authMethod"] == "API_KEY"
    data = await admin(UPDATE, {"id": conn["id"], "input": {"authMethod": "NONE"}})
    assert data["updateConnection"]["connection"]["apiKeyHint"] is None
    record = await fetch_connection(_uuid(conn["id"]))
    assert record and record.api_key_sealed is None


async def test_raw_database_never_contains_a_secret(admin, database_url, fresh_secret):
    """Grep what is stored, as an attacker with a backup would: the SQLite file and its WAL, or
    every PostgreSQL table dumped as text."""
    conn = await create(
        admin,
        name="on-disk",
        provider="OPENAI",
        apiKey=fresh_secret,
        customHeaders=[{"name": "X-Team", "value": "hdr-S3CR3T-disk"}],
    )
    await admin(UPDATE, {"id": conn["id"], "input": {"apiKey": "sk-S3CR3T-second-key-9876"}})
    blobs = await _stored_bytes(database_url)
    assert blobs and any(b"on-disk" in blob for blob in blobs), "the row should be stored"
    for blob in blobs:
        assert b"S3CR3T" not in blob
        assert fresh_secret.encode() not in blob


async def _stored_bytes(database_url: str) -> list[bytes]:
    from app.db.tables import ALL_TABLES
    from tests.db_files import read_elsewhere, sqlite_files

    if database_url.startswith("sqlite"):
        return read_elsewhere(sqlite_files(database_url))
    engine = LLMConnection._meta.db
    dumps = []
    for table in ALL_TABLES:
        name = table._meta.tablename
        rows = await engine.run_ddl(f'SELECT row_to_json(t)::text AS line FROM "{name}" t')
        dumps.append("\n".join(row["line"] for row in rows).encode())
    return dumps
