"""Races the database settles: one default, one winner per version."""

from __future__ import annotations

import asyncio

import pytest

from tests.api.documents import SET_DEFAULT, UPDATE, create

pytestmark = pytest.mark.db


async def test_racing_set_default_leaves_exactly_one(admin):
    conns = [await create(admin, name=f"c{i}", provider="OLLAMA") for i in range(6)]
    results = await asyncio.gather(*(admin(SET_DEFAULT, {"id": c["id"]}) for c in conns))
    assert all(r["setDefaultConnection"]["userErrors"] == [] for r in results)
    total = await admin("{ connections(filter: {isDefault: true}) { totalCount } }")
    assert total["connections"]["totalCount"] == 1


async def test_same_expected_version_lets_exactly_one_win(admin):
    conn = await create(admin, name="v", provider="OLLAMA")
    results = await asyncio.gather(
        *(
            admin(
                UPDATE,
                {"id": conn["id"], "input": {"description": f"edit {i}", "expectedVersion": 1}},
            )
            for i in range(5)
        )
    )
    winners = [r for r in results if r["updateConnection"]["userErrors"] == []]
    losers = [r for r in results if r["updateConnection"]["userErrors"]]
    assert len(winners) == 1 and len(losers) == 4
    assert all(r["updateConnection"]["userErrors"][0]["code"] == "VERSION_CONFLICT" for r in losers)
