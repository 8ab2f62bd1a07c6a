"""The plain-field declaration drives the record, the columns, the audit snapshot and every
GraphQL shape: a field declared once is everywhere. A new plain field adds its example here."""

from __future__ import annotations

import pytest

from app.api.schema import build_schema
from app.connections.inputs import ConnectionInput
from app.connections.plain_fields import PLAIN_FIELDS, plain_columns, plain_from_row, plain_snapshot
from app.connections.planning import plan_connection
from app.db.tables import LLMConnection
from app.providers.catalog import Provider

# Per field: a valid value as the API shows it, another one, and one its check refuses.
EXAMPLES = {
    "description": ("Team A's gateway", "Shared", "x" * 1001),
    "prefix_id": ("team", "other", "not a prefix!"),
    "model_ids": (["m1", "m2"], ["m3"], ["has space"]),
    "tags": (["prod"], ["dev", "eu"], ["Not A Tag!"]),
}
SHAPES = ("LLMConnection", "CreateConnectionInput", "UpdateConnectionInput", "TestConnectionInput")
FIELDS = pytest.mark.parametrize("field", PLAIN_FIELDS, ids=lambda f: f.name)


def test_every_declared_field_has_examples_here():
    assert set(EXAMPLES) == {f.name for f in PLAIN_FIELDS}


@FIELDS
def test_each_plain_field_is_a_column_and_in_every_graphql_shape(field):
    schema = build_schema()
    assert LLMConnection._meta.get_column_by_name(field.name) is not None
    for shape in SHAPES:
        assert field.api_name in schema._schema.type_map[shape].fields, shape


@FIELDS
def test_each_plain_field_is_checked_stored_and_read_back(field):
    valid, _, refused = EXAMPLES[field.name]
    data = ConnectionInput(provider=Provider.OLLAMA, name="n", plain={field.name: valid})
    plan, problems = plan_connection(data, None)
    assert problems == [] and plan is not None
    assert plain_snapshot(plain_from_row(plain_columns(plan.plain)))[field.api_name] == valid
    bad = ConnectionInput(provider=Provider.OLLAMA, name="n", plain={field.name: refused})
    _, problems = plan_connection(bad, None)
    assert [p.field for p in problems] == [("input", field.api_name)]


CREATE = """mutation($input: CreateConnectionInput!) {
  createConnection(input: $input) { connection { id %s } userErrors { field message } } }"""
READ = "query($id: ID!) { node(id: $id) { ... on LLMConnection { %s } } }"
UPDATE = """mutation($id: ID!, $input: UpdateConnectionInput!) {
  updateConnection(id: $id, input: $input) { connection { %s } userErrors { field message } } }"""
AUDIT = """{ auditEvents(filter: {action: "connection.update"}) {
  nodes { changes { field old new } } } }"""


@pytest.mark.db
@FIELDS
async def test_each_plain_field_through_the_api(admin, field):
    first, second, _ = EXAMPLES[field.name]
    name = field.api_name
    fields = {"name": "plain", "provider": "OLLAMA", name: first}
    created = (await admin(CREATE % name, {"input": fields}))["createConnection"]
    assert created["userErrors"] == []
    made = created["connection"]
    assert made[name] == first
    read = await admin(READ % name, {"id": made["id"]})
    assert read["node"][name] == first
    changed = await admin(UPDATE % name, {"id": made["id"], "input": {name: second}})
    assert changed["updateConnection"]["connection"][name] == second
    kept = await admin(UPDATE % name, {"id": made["id"], "input": {"name": "renamed"}})
    assert kept["updateConnection"]["connection"][name] == second
    cleared = await admin(UPDATE % name, {"id": made["id"], "input": {name: None}})
    assert cleared["updateConnection"]["connection"][name] in (None, [])
    events = (await admin(AUDIT))["auditEvents"]["nodes"]
    assert {"field": name, "old": first, "new": second} in [c for e in events for c in e["changes"]]
