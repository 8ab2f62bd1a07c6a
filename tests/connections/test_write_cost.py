"""Every connection write is one commit and a fixed number of statements (model rows are
inserted 500 to a statement): plan, probe outside any transaction, then one transaction."""

from __future__ import annotations

import pytest

from tests.db_tally import tally
from tests.documents import create

pytestmark = pytest.mark.db

# Statements per request with a list of 700 models (two inserts), the token check and the
# organisation's settings included.
BUDGETS = [
    (
        "createConnection",
        "createConnection(input: $new) { connection { id } userErrors { message } }",
        9,
    ),
    (
        "updateConnection",
        'updateConnection(id: $id, input: {description: "d"}) { connection { id } userErrors { message } }',
        7,
    ),
    (
        "updateConnection (lists again)",
        'updateConnection(id: $id, input: {prefixId: "p"}) { connection { id } userErrors { message } }',
        11,
    ),
    (
        "setDefaultConnection",
        "setDefaultConnection(id: $id) { connection { id } userErrors { message } }",
        8,  # PostgreSQL takes the default slot's advisory lock first
    ),
    (
        "rotateConnectionCredentials",
        "rotateConnectionCredentials(id: $id, input: {apiKey: $key}) { connection { id } userErrors { message } }",
        12,
    ),
    (
        "setConnectionEnabled",
        "setConnectionEnabled(id: $id, enabled: false) { connection { id } userErrors { message } }",
        7,
    ),
    (
        "verifyConnection",
        "verifyConnection(id: $id) { connection { id } userErrors { message } }",
        12,
    ),
    (
        "deleteConnection",
        "deleteConnection(id: $id, force: true) { deletedId userErrors { message } }",
        9,
    ),
]


async def test_each_connection_write_commits_once_within_its_statement_budget(
    admin, fake, fresh_secret
):
    provider = fake("OPENAI_COMPATIBLE", key=fresh_secret, models=[f"m{i}" for i in range(700)])
    fields = {"provider": "OPENAI_COMPATIBLE", "baseUrl": provider.url, "apiKey": fresh_secret}
    existing = await create(admin, name="existing", **fields)
    await create(admin, name="enabled", **fields)  # the default moves away from it
    await admin("{ viewer { name } }")  # the token's first use is recorded once, outside writes
    variables = {"id": existing["id"], "key": fresh_secret, "new": {**fields, "name": "new"}}
    for label, selection, budget in BUDGETS:
        used = [name for name in ("id", "key", "new") if f"${name}" in selection]
        types = {"id": "ID!", "key": "String!", "new": "CreateConnectionInput!"}
        declared = ", ".join(f"${name}: {types[name]}" for name in used)
        with tally() as seen:
            data = await admin(
                f"mutation({declared}) {{ {selection} }}", {n: variables[n] for n in used}
            )
        [payload] = data.values()
        assert payload["userErrors"] == [], (label, payload["userErrors"])
        assert seen.commits == 1, f"{label}: {seen.commits} commits"
        assert seen.statements <= budget, f"{label}: {seen.statements} statements > {budget}"
