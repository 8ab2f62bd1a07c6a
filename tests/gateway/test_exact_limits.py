"""Limits that hold under concurrency: 16 clients at once against a limit of 40 get exactly 40
calls through, on one instance and across two sharing Redis; the same for GraphQL's mutation
limit. (Read-then-write counters let 77 of 40 through.)"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from app.http.stores import minute_window
from tests.gateway.sdks import caller_token, openai_connection
from tests.instances import instance, require_redis

pytestmark = pytest.mark.db

CALL = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}
CREATE = "mutation($n: String!) { createConnection(input: {name: $n, provider: OLLAMA}) { userErrors { code } } }"


MINUTE_LEFT = 30  # seconds a storm may need on a slow machine before its window ends


async def _storm(clients: list, send, total: int = 64) -> list[int]:
    """`total` requests from 16 concurrent workers spread over the clients, all within one
    calendar minute (limits count per minute: a storm across the boundary gets two windows)."""
    _, left = minute_window()
    if left < MINUTE_LEFT:
        await asyncio.sleep(left + 0.1)
    statuses: list[int] = []
    queue = list(range(total))

    async def worker(i: int) -> None:
        client = clients[i % len(clients)]
        while queue:
            n = queue.pop()
            statuses.append((await send(client, n)).status_code)

    await asyncio.gather(*(worker(i) for i in range(16)))
    return statuses


@pytest.mark.parametrize("shared", [False, True], ids=["one instance", "two with Redis"])
async def test_16_clients_on_a_limit_of_40_get_exactly_40_calls(
    app, clean_db, admin, fake, database_url, shared
):
    settings = {}
    if shared:
        settings["REDIS_URL"] = await require_redis()
    await openai_connection(admin, fake, "main", ["gpt-fake"])
    token = await caller_token(admin, requestsPerMinute=40)
    namespace = f"switchboard-test-{uuid.uuid4().hex}"
    async with (
        instance(database_url, settings, namespace=namespace, token=token) as one,
        instance(database_url, settings, namespace=namespace, token=token) as two,
    ):
        clients = [one, two] if shared else [one]
        statuses = await _storm(clients, lambda c, n: c.post("/v1/chat/completions", json=CALL))
    assert statuses.count(429) == 24, statuses  # the limiter refused exactly the rest
    assert statuses.count(200) == 40, statuses


async def test_the_mutation_limit_is_exact_across_two_instances(app, clean_db, database_url):
    from app.auth.service import Role, issue_token

    token = await issue_token("dora", Role.ADMIN, "d")
    settings = {"SWITCHBOARD_RATE_LIMIT_MUTATIONS": "30", "REDIS_URL": await require_redis()}
    namespace = f"switchboard-test-{uuid.uuid4().hex}"
    async with (
        instance(database_url, settings, namespace=namespace, token=token) as one,
        instance(database_url, settings, namespace=namespace, token=token) as two,
    ):

        async def create(client, n: int):
            return await client.post(
                "/graphql", json={"query": CREATE, "variables": {"n": f"c{n}"}}
            )

        statuses = await _storm([one, two], create, total=48)
    assert statuses.count(200) == 30, statuses
    assert statuses.count(429) == 18
