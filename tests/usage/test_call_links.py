"""A gateway call links its connection, its user and its token as objects, each page loading them in one
batch (no statement per call)."""

from __future__ import annotations

import pytest

from tests.db_tally import tally
from tests.gateway.sdks import caller_token, openai_client, openai_connection

pytestmark = [pytest.mark.db, pytest.mark.one_execution]

CALLS = """query($first: Int) { gatewayCalls(first: $first) {
  nodes { model connection { name } user { name } token { name role active } } } }"""
HELLO = [{"role": "user", "content": "hi"}]


async def test_calls_link_their_connection_user_and_token_in_one_batch(app, admin, fake):
    await openai_connection(admin, fake, "main", ["gpt-fake"])
    client = openai_client(app, await caller_token(admin))
    for _ in range(6):
        await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    calls = (await admin(CALLS, {"first": 6}))["gatewayCalls"]["nodes"]
    assert (
        calls
        == [
            {
                "model": "gpt-fake",
                "connection": {"name": "main"},
                "user": {"name": "root"},
                "token": {"name": "app", "role": "CALLER", "active": True},
            }
        ]
        * 6
    )
    with tally() as two:
        await admin(CALLS, {"first": 2})
    with tally() as six:
        await admin(CALLS, {"first": 6})
    assert two.statements == six.statements
