"""A page encodes a row's cursor only when the cursor is asked for: most pages are read for
their nodes alone (the first and last rows' cursors for pageInfo are the exception)."""

from __future__ import annotations

import pytest

import app.db.pagination as pagination
from tests.documents import create

pytestmark = pytest.mark.db


@pytest.mark.one_execution  # counts what one execution does
async def test_cursors_are_encoded_only_when_asked_for(admin, monkeypatch):
    for n in range(5):
        await create(admin, name=f"c{n}", provider="OLLAMA")
    encoded: list[object] = []
    original = pagination._encode

    def counting(values):
        encoded.append(values)
        return original(values)

    monkeypatch.setattr(pagination, "_encode", counting)
    await admin("{ connections(first: 5) { nodes { name } } }")
    assert len(encoded) == 2  # pageInfo's start and end cursors, computed with the page
    encoded.clear()
    page = await admin("{ connections(first: 5) { edges { cursor node { name } } } }")
    assert len(encoded) == 2 + 5
    assert len({e["cursor"] for e in page["connections"]["edges"]}) == 5
