"""A prepared statement answers exactly what the Piccolo query it was built from answers, on
either database, for any values put in its markers' places."""

from __future__ import annotations

import uuid

import pytest

from app.db.prepared import Prepared
from app.db.tables import AppSetting, LLMConnection
from app.db.versions import read_versions
from tests.support import GraphQLClient

pytestmark = pytest.mark.db

CREATE = """mutation($input: CreateConnectionInput!) {
  createConnection(input: $input) { connection { id } userErrors { code } } }"""


async def test_the_same_rows_as_the_query_it_was_built_from(app, clean_db, admin: GraphQLClient):
    for name, text in (("one", ""), ("two", "{braces} ? $1 '")):  # a value, never SQL
        given = {"provider": "OLLAMA", "name": name, "description": text, "tags": ["a"]}
        made = await admin(CREATE, {"input": given})
        assert made["createConnection"]["userErrors"] == [], made
    by_id = Prepared(
        LLMConnection, lambda i: LLMConnection.select().where(LLMConnection.id == i), 1
    )
    rows = await LLMConnection.select()
    assert len(rows) == 2
    for row in rows:
        assert await by_id.run(row["id"]) == [row]
    assert await by_id.run(uuid.uuid4()) == []

    named = Prepared(
        LLMConnection,
        lambda d: LLMConnection.select(LLMConnection.name).where(
            (LLMConnection.description == d) & (LLMConnection.enabled == True)  # noqa: E712
        ),
        1,
    )
    assert await named.run("{braces} ? $1 '") == [{"name": "two"}]
    assert await named.run("three") == []


async def test_a_statement_without_values(app, clean_db):
    before = await read_versions()
    await AppSetting.insert(AppSetting(key="k", value="{}"))  # a trigger moves a version
    assert await read_versions() != before
