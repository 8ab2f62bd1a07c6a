"""setConnectionEnabled."""

from __future__ import annotations

import pytest

from tests.documents import LIST, SET_ENABLED, create

pytestmark = pytest.mark.db


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
