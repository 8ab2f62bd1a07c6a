"""setDefaultConnection and isDefault: exactly one default, never a personal or disabled one."""

from __future__ import annotations

import pytest

from tests.documents import SET_DEFAULT, UPDATE, create, create_personal

pytestmark = pytest.mark.db


async def test_exactly_one_default_when_switching(admin):
    a = await create(admin, name="a", provider="OLLAMA", isDefault=True)
    b = await create(admin, name="b", provider="OLLAMA")
    assert a["isDefault"]
    switched = await admin(SET_DEFAULT, {"id": b["id"]})
    assert switched["setDefaultConnection"]["connection"]["isDefault"]
    data = await admin(
        "{ defaultConnection { name } a: connections(filter: {isDefault: true}) { totalCount } }"
    )
    assert data["defaultConnection"]["name"] == "b"
    assert data["a"]["totalCount"] == 1
    c = await create(admin, name="c", provider="OLLAMA", isDefault=True)
    assert c["isDefault"]
    assert (await admin("{ defaultConnection { name } }"))["defaultConnection"]["name"] == "c"


async def test_disabled_connection_cannot_become_default(admin):
    conn = await create(admin, name="off", provider="OLLAMA", enabled=False)
    data = await admin(SET_DEFAULT, {"id": conn["id"]})
    assert data["setDefaultConnection"]["userErrors"][0]["code"] == "NOT_ALLOWED"


async def test_an_update_never_makes_a_personal_or_disabled_connection_the_default(member, admin):
    mine = await create_personal(member)
    refused = (await member(UPDATE, {"id": mine["id"], "input": {"isDefault": True}}))[
        "updateConnection"
    ]
    assert refused["userErrors"][0]["field"] == ["input", "isDefault"]
    assert "personal" in refused["userErrors"][0]["message"]
    off = await create(admin, name="off", provider="OLLAMA", enabled=False)
    refused = (await admin(UPDATE, {"id": off["id"], "input": {"isDefault": True}}))[
        "updateConnection"
    ]
    assert refused["userErrors"][0]["code"] == "NOT_ALLOWED"
    assert "disabled" in refused["userErrors"][0]["message"]
    total = await admin("{ connections(filter: {isDefault: true}) { totalCount } }")
    assert total["connections"]["totalCount"] == 0, "nothing was written"
