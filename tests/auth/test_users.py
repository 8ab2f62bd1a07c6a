"""users: admins list everyone who holds tokens, by name, in pages, without a query per user;
members may not."""

from __future__ import annotations

import pytest

from app.auth.service import Role, issue_token
from tests.db_tally import tally

pytestmark = pytest.mark.db

USERS = """query($first: Int, $after: String) { users(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { name role } } }"""


async def test_admins_page_through_users_with_their_roles(admin, member):
    for name in ("zoe", "bob", "carl"):
        await issue_token(name, Role.MEMBER, f"{name}'s")
    await issue_token("carl", Role.ADMIN, "carl's admin")
    first = (await admin(USERS, {"first": 3}))["users"]
    assert first["totalCount"] == 5  # root, mia, and the three above
    assert [u["name"] for u in first["nodes"]] == ["bob", "carl", "mia"]
    assert {u["name"]: u["role"] for u in first["nodes"]}["carl"] == "ADMIN"
    rest = (await admin(USERS, {"first": 3, "after": first["pageInfo"]["endCursor"]}))["users"]
    assert [u["name"] for u in rest["nodes"]] == ["root", "zoe"]
    refused = await member.errors(USERS, {"first": 3})
    assert refused[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.one_execution
async def test_a_page_of_users_costs_the_same_statements_whatever_its_size(admin):
    for i in range(30):
        await issue_token(f"user{i:02}", Role.MEMBER, "t")
    await admin(USERS, {"first": 1})  # the token is read and remembered once
    with tally() as small:
        await admin(USERS, {"first": 2})
    with tally() as large:
        await admin(USERS, {"first": 30})
    assert small.statements == large.statements
