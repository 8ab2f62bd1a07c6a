"""Budgets over GraphQL: created, changed and deleted by admins with an audit event each,
refused with userErrors when they say nothing sensible, read with this period's spend; members
see only the budgets that bound them."""

from __future__ import annotations

from datetime import datetime

from app.db.tables import Budget
from tests.gateway.sdks import caller_token

FIELDS = """id name scope scopeId amountUsd amountTokens period timeZone action alertAt
  spentUsd spentTokens remainingUsd remainingTokens periodStart resetsAt"""
CREATE = f"""mutation($input: CreateBudgetInput!) {{ createBudget(input: $input) {{
  budget {{ {FIELDS} }} userErrors {{ field code message }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: UpdateBudgetInput!) {{ updateBudget(id: $id, input: $input) {{
  budget {{ {FIELDS} }} userErrors {{ field code message }} }} }}"""
DELETE = (
    """mutation($id: ID!) { deleteBudget(id: $id) { deletedId userErrors { code message } } }"""
)
LIST = f"""query($scope: BudgetScope, $scopeId: ID) {{ budgets(scope: $scope, scopeId: $scopeId) {{
  {FIELDS} }} }}"""
AUDIT = (
    """query { auditEvents(first: 20) { nodes { action targetName changes { field old new } } } }"""
)
ME = "query { viewer { id } }"


async def create_budget(admin, **fields) -> dict:
    payload = (await admin(CREATE, {"input": {"name": "team", "scope": "ORGANIZATION", **fields}}))[
        "createBudget"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["budget"]


async def test_an_organisation_budget_is_created_read_changed_and_deleted(admin):
    budget = await create_budget(admin, amountUsd="100.50", period="MONTH", action="REJECT")
    assert budget["amountUsd"] == "100.5" and budget["amountTokens"] is None
    assert budget["scope"] == "ORGANIZATION" and budget["scopeId"] is None
    assert budget["alertAt"] == [80, 100] and budget["timeZone"] == "UTC"
    assert budget["spentUsd"] == "0" and budget["remainingUsd"] == "100.5"
    start = datetime.fromisoformat(budget["periodStart"])
    resets = datetime.fromisoformat(budget["resetsAt"])
    assert start.day == 1 and resets.day == 1 and resets > datetime.now(resets.tzinfo) > start
    changed = (
        await admin(UPDATE, {"id": budget["id"], "input": {"amountUsd": "5", "alertAt": [50]}})
    )["updateBudget"]
    assert changed["userErrors"] == []
    assert changed["budget"]["amountUsd"] == "5" and changed["budget"]["alertAt"] == [50]
    assert changed["budget"]["action"] == "REJECT"  # absent: unchanged
    assert [b["id"] for b in (await admin(LIST))["budgets"]] == [budget["id"]]
    deleted = (await admin(DELETE, {"id": budget["id"]}))["deleteBudget"]
    assert deleted == {"deletedId": budget["id"], "userErrors": []}
    assert (await admin(LIST))["budgets"] == []
    events = (await admin(AUDIT))["auditEvents"]["nodes"]
    actions = [e["action"] for e in events if e["action"].startswith("budget.")]
    assert actions == ["budget.delete", "budget.update", "budget.create"]
    update = next(e for e in events if e["action"] == "budget.update")
    assert {"field": "amountUsd", "old": "100.5", "new": "5"} in update["changes"]


async def test_a_budget_in_tokens_for_a_token_in_a_time_zone(admin):
    token_id = (await admin("query { apiTokens { nodes { id } } }"))["apiTokens"]["nodes"][0]["id"]
    budget = await create_budget(
        admin,
        scope="TOKEN",
        scopeId=token_id,
        amountTokens=5000,
        period="DAY",
        timeZone="Asia/Tokyo",
    )
    assert budget["scopeId"] == token_id and budget["amountTokens"] == 5000
    assert budget["remainingTokens"] == 5000 and budget["remainingUsd"] is None
    assert datetime.fromisoformat(budget["resetsAt"]).utcoffset().total_seconds() == 0
    assert datetime.fromisoformat(budget["resetsAt"]).hour == 15  # midnight in Tokyo
    found = await admin(LIST, {"scope": "TOKEN", "scopeId": token_id})
    assert [b["id"] for b in found["budgets"]] == [budget["id"]]
    assert (await admin(LIST, {"scope": "USER"}))["budgets"] == []


async def test_what_makes_no_sense_is_refused_and_writes_nothing(admin):
    cases = [
        ({"amountUsd": "-1"}, ["input", "amountUsd"]),
        ({"amountUsd": "1.0000001"}, ["input", "amountUsd"]),
        ({"amountUsd": "0"}, ["input", "amountUsd"]),
        ({}, ["input", "amountUsd"]),
        ({"amountUsd": "5", "amountTokens": 10}, ["input", "amountUsd"]),
        ({"amountTokens": 0}, ["input", "amountTokens"]),
        ({"amountUsd": "5", "timeZone": "Mars/Olympus"}, ["input", "timeZone"]),
        ({"amountUsd": "5", "alertAt": [0]}, ["input", "alertAt"]),
        ({"amountUsd": "5", "scope": "USER"}, ["input", "scopeId"]),
        (
            {"amountUsd": "5", "scope": "WORKSPACE", "scopeId": "V29ya3NwYWNlOjE="},
            ["input", "scopeId"],
        ),
        ({"amountUsd": "5", "name": " "}, ["input", "name"]),
    ]
    for fields, field in cases:
        data = await admin(CREATE, {"input": {"name": "x", "scope": "ORGANIZATION", **fields}})
        errors = data["createBudget"]["userErrors"]
        assert errors and errors[0]["field"] == field, (fields, errors)
        assert data["createBudget"]["budget"] is None
    assert await Budget.count() == 0


async def test_only_admins_change_budgets_and_members_see_their_own(admin, member, client):
    members_id = (await member(ME))["viewer"]["id"]
    admins_id = (await admin(ME))["viewer"]["id"]
    org = await create_budget(admin, amountUsd="10")
    mine = await create_budget(admin, name="me", scope="USER", scopeId=members_id, amountUsd="1")
    await create_budget(admin, name="boss", scope="USER", scopeId=admins_id, amountUsd="1")
    seen = {b["id"] for b in (await member(LIST))["budgets"]}
    assert seen == {org["id"], mine["id"]}
    ask = {"input": {"name": "x", "scope": "ORGANIZATION", "amountUsd": "1"}}
    refused = (await member.raw(CREATE, ask)).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    node = await member(
        "query($id: ID!) { node(id: $id) { ... on Budget { name } } }", {"id": mine["id"]}
    )
    assert node["node"] == {"name": "me"}


async def test_a_caller_token_cannot_read_budgets(app, admin, client):
    token = await caller_token(admin)
    answer = await client.post(
        "/graphql",
        json={"query": "query { budgets { id } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "errors" in answer.json()


async def test_listing_budgets_costs_the_same_statements_for_two_or_twenty(admin):
    from tests.db_tally import tally

    async def statements_for_a_fresh_list() -> int:
        await admin(LIST)  # the periods seeded once; then what a list costs every time
        with tally() as counted:
            listed = await admin(LIST)
        assert all(b["spentUsd"] == "0" for b in listed["budgets"])
        return counted.statements

    for n in range(2):
        await create_budget(admin, name=f"b{n}", amountUsd="1", period="DAY")
    two = await statements_for_a_fresh_list()
    for n in range(2, 20):
        await create_budget(admin, name=f"b{n}", amountUsd="1", period="WEEK")
    assert await statements_for_a_fresh_list() == two


async def test_seeding_new_periods_takes_one_statement_for_many_budgets(app, admin):
    from tests.db_tally import tally

    for n in range(10):
        await create_budget(admin, name=f"b{n}", amountUsd="1", period="MONTH")
    with tally() as counted:
        await admin(LIST)
    app.state.services.spend.ledger.entries.clear()  # as after a restart: every period unseeded
    with tally() as reseeded:
        await admin(LIST)
    assert reseeded.statements == counted.statements + 1  # one UNION for the ten periods
