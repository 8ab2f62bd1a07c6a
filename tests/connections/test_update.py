"""updateConnection: partial updates, kept secrets, versions."""

from __future__ import annotations

import pytest

from tests.documents import GET, UPDATE, create

pytestmark = pytest.mark.db


VALID = {"name": "ok", "provider": "OPENAI", "apiKey": "sk-S3CR3T-valid-key-1234"}


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


async def test_bad_update_changes_nothing(admin):
    conn = await create(admin, **VALID, description="before")
    for bad in (
        {"name": None},
        {"baseUrl": "nope"},
        {"description": "after", "prefixId": "a.b"},
        {"apiKey": "…1234"},
        {"enabled": None},
    ):
        data = await admin(UPDATE, {"id": conn["id"], "input": bad})
        assert data["updateConnection"]["connection"] is None
        assert data["updateConnection"]["userErrors"], bad
    current = (await admin(GET, {"id": conn["id"]}))["connection"]
    assert current == conn
