"""The merged catalog is held in memory (app/model_catalog/cache.py) and never served stale: any
write to what it is made of, by this instance's API or by anyone's plain SQL, shows on the next
request."""

from __future__ import annotations

import pytest

from app.db.tables import ConnectionModel, LLMConnection, ModelSetting
from app.ids import uuid_of
from tests.db_tally import tally
from tests.documents import MODELS, create, list_catalog

pytestmark = pytest.mark.db


async def _ollama(admin, fake, name: str, models: list[str]) -> dict:
    return await create(
        admin, name=name, provider="OLLAMA", baseUrl=fake("OLLAMA", models=models).url
    )


@pytest.mark.one_execution  # counts one execution's statements
async def test_a_held_catalog_costs_no_catalog_query(admin, fake):
    await _ollama(admin, fake, "a", [f"m{i:02d}" for i in range(30)])
    await admin(MODELS, {"first": 10})  # reads the catalog into memory
    with tally() as counted:
        page = (await admin(MODELS, {"first": 10}))["models"]
    # The cache versions and the offerings' connections (one batch, for `connection { name }`):
    # no catalog, count or offering query.
    assert counted.statements == 2
    assert page["totalCount"] == 30
    assert [n["modelId"] for n in page["nodes"]] == [f"m{i:02d}" for i in range(10)]


async def test_writes_by_plain_sql_show_on_the_next_request(admin, fake):
    """Writes that bypass the service (another instance, an operator's SQL): only the
    database's triggers can tell this instance."""
    conn = await _ollama(admin, fake, "a", ["m1", "m2"])
    assert [m["modelId"] for m in await list_catalog(admin)] == ["m1", "m2"]
    connection_id = uuid_of(conn["id"], "LLMConnection")
    await ConnectionModel.insert(
        ConnectionModel(
            connection=connection_id, upstream_id="m3", exposed_id="m3", source="MANUAL"
        )
    )
    assert [m["modelId"] for m in await list_catalog(admin)] == ["m1", "m2", "m3"]
    await ModelSetting.insert(ModelSetting(exposed_id="m2", enabled=False))
    assert [m["modelId"] for m in await list_catalog(admin)] == ["m1", "m3"]
    await LLMConnection.update({LLMConnection.enabled: False}).where(
        LLMConnection.id == connection_id
    )
    assert await list_catalog(admin) == []


async def test_filters_and_cursors_from_memory(admin, fake):
    a = await _ollama(admin, fake, "a", ["alpha", "beta", "gamma"])
    key = "sk-S3CR3T-cache-0001"
    b = fake("ANTHROPIC", key=key, models=["claude-x"])
    await create(admin, name="b", provider="ANTHROPIC", baseUrl=b.url, apiKey=key)
    assert [m["modelId"] for m in await list_catalog(admin)] == [
        "alpha",
        "beta",
        "claude-x",
        "gamma",
    ]
    by_a = await list_catalog(admin, connectionId=a["id"])
    assert [m["modelId"] for m in by_a] == ["alpha", "beta", "gamma"]
    by_provider = await list_catalog(admin, provider=["ANTHROPIC"])
    assert [m["modelId"] for m in by_provider] == ["claude-x"]
    first = (await admin(MODELS, {"first": 1}))["models"]
    after = first["pageInfo"]["endCursor"]
    rest = (await admin(MODELS, {"first": 10, "after": after}))["models"]
    assert [n["modelId"] for n in rest["nodes"]] == ["beta", "claude-x", "gamma"]
    assert rest["totalCount"] == 4
    # A cursor whose model went away still continues from where it pointed (SQL then).
    await ConnectionModel.delete().where(ConnectionModel.exposed_id == "alpha")
    gone = (await admin(MODELS, {"first": 1, "after": after}))["models"]
    assert [n["modelId"] for n in gone["nodes"]] == ["beta"]
    bad = await admin.raw(MODELS, {"first": 1, "after": "_w"})  # not UTF-8 inside
    assert bad.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
