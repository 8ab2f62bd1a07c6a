"""Unpaginated lists priced at what bounds them: a model's offerings at the most connections
that offer any model, so the console's and SPAs' query over 200 models and their offerings is
admitted on a real catalog, while a list the API knows no bound for keeps the estimate, and
the fan-out documents stay refused."""

from __future__ import annotations

import pytest

from app.api.schema import build_schema
from app.budgets import BudgetExceeded, Budgets
from app.graphql.cost import bounded_lists, measure, parse_document
from tests.documents import create

pytestmark = pytest.mark.db

SCHEMA = build_schema()._schema
SPA_QUERY = """query { models(first: 200) { totalCount nodes { modelId enabled
  offerings { upstreamId connection { name } } } } }"""


def test_without_a_bound_the_estimate_would_refuse_it():
    document = parse_document(SPA_QUERY, Budgets())
    assert bounded_lists(document, SCHEMA, Budgets().max_fields) == {("Model", "offerings")}
    with pytest.raises(BudgetExceeded, match="max_result_size"):
        measure(document, SCHEMA, {}, Budgets())  # offerings guessed at 10 each
    admitted = measure(document, SCHEMA, {}, Budgets(), {("Model", "offerings"): 4})
    assert admitted.result_size < 5000  # 200 models, 4 offerings each: within 2x of the answer


async def test_two_hundred_models_and_their_offerings_are_admitted(admin, fake):
    models = [f"m{i:03d}" for i in range(70)]
    for name in ("a", "b", "c"):  # each model offered by all three
        server = fake("OLLAMA", models=models)
        await create(admin, name=name, provider="OLLAMA", baseUrl=server.url)
    answer = await admin.raw(SPA_QUERY)
    body = answer.json()
    assert "errors" not in body, body.get("errors")
    nodes = body["data"]["models"]["nodes"]
    assert len(nodes) == 70 and all(len(n["offerings"]) == 3 for n in nodes)
    cost = body["extensions"]["cost"]  # every answer says what it cost, and against what
    assert cost["limit"] == 10_000 and cost["actual"] <= cost["estimated"]
    # 200 models asked, 70 there: the estimate prices the page asked for, not the catalog
    assert cost["actual"] == 3 + 70 * (3 + 3 * 4)  # data, models, totalCount; per model


async def test_a_list_without_a_known_bound_keeps_its_estimate(admin):
    document = parse_document("query { budgets { name alertAt } }", Budgets())
    assert bounded_lists(document, SCHEMA, Budgets().max_fields) == {("Query", "budgets")}
    assert "errors" not in (await admin.raw("query { budgets { name } }")).json()


async def test_lists_whose_length_is_a_tables_are_priced_by_counting_it(admin, fake):
    from app.api.context import Context
    from app.api.list_bounds import list_bounds
    from app.db.versions import read_versions

    server = fake("OLLAMA", models=["m1"])
    connection = await create(admin, name="a", provider="OLLAMA", baseUrl=server.url)
    for n in range(3):
        await admin(
            "mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { userErrors { message } } }",
            {"i": {"name": f"w{n}", "defaultConnectionId": connection["id"]}},
        )
    query = """query { dependents(connectionId: "x") { __typename } budgets { name }
      modelPrices { model } providers { name authOptions { method } } }"""
    document = parse_document(query, Budgets())
    versions = await read_versions()
    context = Context(viewer=None, services=None, catalog_version=versions.catalog)  # type: ignore[arg-type]
    bounds = await list_bounds(document, SCHEMA, context, Budgets().max_fields)
    assert bounds[("Query", "dependents")] == 3  # three workspaces, no endpoint
    assert bounds[("Query", "budgets")] == 0
    assert bounds[("Query", "modelPrices")] == 29  # the shipped prices, none of an admin's
    assert bounds[("Query", "providers")] == 13


USAGE = """query($from: DateTime, $by: [UsageDimension!]!) { usage(groupBy: $by, filter: {from: $from}) {
  connectionId day requests } }"""


async def test_usage_buckets_are_priced_by_their_dimensions_and_range(app, clean_db, admin):
    import time
    import uuid
    from datetime import UTC, datetime

    from app.api.list_bounds import usage_buckets_bound
    from app.usage.queries import SHAPE, Dimension, UsageShape
    from app.usage.store import write_batch
    from app.usage.trace import CallTrace

    day_ms = 86_400_000
    now = int(time.time() * 1000)
    rows = []
    connections = [str(uuid.uuid4()) for _ in range(3)]  # gone since: the calls stay
    for back in range(5):  # three connections, each called on each of five days
        for connection in connections:
            trace = CallTrace("chat/completions", "t1", "u1", model="m", connection_id=connection)
            trace.started_ms = now - back * day_ms
            trace.status = 200
            rows.append(trace.row())
    await write_batch(rows)
    SHAPE.entries.clear()  # the statistics are read at most every 30 s
    since = datetime.fromtimestamp((now - 6 * day_ms) / 1000, UTC).isoformat()
    body = (await admin.raw(USAGE, {"from": since, "by": ["CONNECTION", "DAY"]})).json()
    assert len(body["data"]["usage"]) == 15  # more than the 10 a list is guessed at
    cost = body["extensions"]["cost"]
    assert cost["actual"] <= cost["estimated"] <= 2 * cost["actual"], cost

    # Ten thousand calls' worth of variety: users by the hour over 90 days is refused before
    # anything runs, one connection by the day is not.
    distinct = {Dimension.USER: 500, Dimension.CONNECTION: 20, Dimension.ENDPOINT: 5}
    shape = UsageShape({**distinct, Dimension.MODEL: 30}, 0, 90)
    bounds = {("Query", "usage"): usage_buckets_bound(shape, 91 * 86_400_000)}
    wide = parse_document(
        "query { usage(groupBy: [USER, HOUR]) { userId hour requests } }", Budgets()
    )
    with pytest.raises(BudgetExceeded, match="max_result_size"):
        measure(wide, SCHEMA, {}, Budgets(), bounds)
    narrow = parse_document(
        """query($c: ID) { usage(groupBy: [CONNECTION, DAY], filter: {connectionId: $c}) {
        day requests } }""",
        Budgets(),
    )
    assert measure(narrow, SCHEMA, {"c": "x"}, Budgets(), bounds).result_size < 91 * 4
