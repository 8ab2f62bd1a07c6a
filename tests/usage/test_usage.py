"""Gateway calls made with the official SDKs are recorded and answer `usage`, `gatewayCalls`,
`lastUsedAt`, `usage(since)` and `callsLast24Hours` to the unit, at once (nothing here waits for
the recorder's timer); members see their own calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import openai
import pytest

from app.auth.service import Role, issue_token
from tests.gateway.sdks import anthropic_client, caller_token, openai_client, openai_connection
from tests.support import GraphQLClient

pytestmark = pytest.mark.db

HELLO = [{"role": "user", "content": "hello there"}]  # the fake: 2 tokens in, 3 out
USAGE = """query($groupBy: [UsageDimension!]!, $filter: UsageFilter) {
  usage(groupBy: $groupBy, filter: $filter) {
    connectionId connectionName endpointName userName model hour day
    requests errors inputTokens outputTokens latencyP50Ms latencyP95Ms } }"""
CALLS = """query($filter: UsageFilter, $first: Int, $after: String) {
  gatewayCalls(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { at operation model upstreamModel status attempts latencyMs timeToFirstTokenMs
            inputTokens outputTokens userId tokenId connectionId endpointId } } }"""
CONNECTION = """query($id: ID!) { node(id: $id) { ... on LLMConnection {
  lastUsedAt callsLast24Hours usage { requests inputTokens outputTokens errors } } } }"""
ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  endpoint { id } userErrors { message } } }"""


async def flushed(app) -> None:
    await app.state.services.usage.recorder.flush()


async def test_calls_are_counted_per_connection_to_the_unit(app, admin, fake):
    one = await openai_connection(admin, fake, "one", ["m-one"])
    two = await openai_connection(admin, fake, "two", ["m-two"])
    client = openai_client(app, await caller_token(admin))
    for _ in range(3):
        await client.chat.completions.create(model="m-one", messages=HELLO)
    stream = await client.chat.completions.create(model="m-two", messages=HELLO, stream=True)
    async for _ in stream:
        pass
    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.create(model="nowhere", messages=HELLO)

    buckets = (await admin(USAGE, {"groupBy": ["CONNECTION"]}))["usage"]
    by_name = {b["connectionName"]: b for b in buckets}
    assert by_name["one"]["requests"] == 3 and by_name["one"]["connectionId"] == one["id"]
    assert (by_name["one"]["inputTokens"], by_name["one"]["outputTokens"]) == (6, 9)
    assert by_name["two"]["requests"] == 1 and by_name["two"]["outputTokens"] == 3
    assert by_name["two"]["connectionId"] == two["id"]
    assert by_name[None]["requests"] == 1 and by_name[None]["errors"] == 1  # the unknown model
    assert by_name["one"]["latencyP50Ms"] is not None

    [total] = (await admin(USAGE, {"groupBy": []}))["usage"]
    assert (total["requests"], total["inputTokens"], total["errors"]) == (5, 8, 1)
    models = (await admin(USAGE, {"groupBy": ["MODEL", "DAY"]}))["usage"]
    today = datetime.now(UTC).strftime("%Y-%m-%dT00:00:00")
    assert {(b["model"], b["requests"]) for b in models} == {
        ("m-one", 3),
        ("m-two", 1),
        ("nowhere", 1),
    }
    assert all(b["day"].startswith(today) for b in models)


async def test_gateway_calls_list_each_call_newest_first(app, admin, fake):
    conn = await openai_connection(admin, fake, "one", ["m-one"])
    client = anthropic_client(app, await caller_token(admin))
    await client.messages.create(model="m-one", max_tokens=10, messages=HELLO)
    openai_app = openai_client(app, await caller_token(admin))
    await openai_app.chat.completions.create(model="m-one", messages=HELLO)

    page = (await admin(CALLS, {"first": 1}))["gatewayCalls"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    [newest] = page["nodes"]
    assert newest["operation"] == "chat/completions" and newest["status"] == 200
    assert newest["connectionId"] == conn["id"] and newest["upstreamModel"] == "m-one"
    assert (newest["inputTokens"], newest["outputTokens"], newest["attempts"]) == (2, 3, 1)
    assert newest["timeToFirstTokenMs"] is not None and newest["latencyMs"] >= 0
    rest = await admin(CALLS, {"first": 5, "after": page["pageInfo"]["endCursor"]})
    [older] = rest["gatewayCalls"]["nodes"]
    assert older["operation"] == "messages" and older["at"] <= newest["at"]


async def test_members_see_only_their_own_calls(app, client, admin, secret_watch, fake):
    await openai_connection(admin, fake, "shared", ["m-shared"])
    member_token = await issue_token("mia", Role.MEMBER, "mia's app")
    member = GraphQLClient(client, member_token, secret_watch)
    await openai_client(app, member_token).chat.completions.create(model="m-shared", messages=HELLO)
    others = openai_client(app, await caller_token(admin))
    for _ in range(2):
        await others.chat.completions.create(model="m-shared", messages=HELLO)

    [mine] = (await member(USAGE, {"groupBy": ["USER"]}))["usage"]
    assert mine["userName"] == "mia" and mine["requests"] == 1
    assert (await member(CALLS, {}))["gatewayCalls"]["totalCount"] == 1
    everyone = (await admin(USAGE, {"groupBy": ["USER"]}))["usage"]
    assert {(b["userName"], b["requests"]) for b in everyone} == {("mia", 1), ("root", 2)}
    # A member naming someone else's calls gets none of them.
    admins_calls = (await admin(CALLS, {"first": 1}))["gatewayCalls"]["nodes"][0]["userId"]
    assert (await member(USAGE, {"groupBy": [], "filter": {"userId": admins_calls}}))["usage"] == []


async def test_last_use_and_recent_calls_on_connections_and_endpoints(app, admin, fake):
    conn = await openai_connection(admin, fake, "one", ["m-one"])
    never = await openai_connection(admin, fake, "idle", ["m-idle"])
    made = await admin(
        ENDPOINT, {"input": {"name": "assistant", "connectionId": conn["id"], "model": "m-one"}}
    )
    endpoint_id = made["createEndpoint"]["endpoint"]["id"]
    before = datetime.now(UTC) - timedelta(seconds=1)
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(model="assistant", messages=HELLO)
    await client.chat.completions.create(model="m-one", messages=HELLO)

    seen = (await admin(CONNECTION, {"id": conn["id"]}))["node"]
    assert datetime.fromisoformat(seen["lastUsedAt"]) >= before
    assert seen["callsLast24Hours"] == 2
    assert seen["usage"] == {"requests": 2, "inputTokens": 4, "outputTokens": 6, "errors": 0}
    idle = (await admin(CONNECTION, {"id": never["id"]}))["node"]
    assert idle["lastUsedAt"] is None and idle["callsLast24Hours"] == 0
    endpoint = await admin(
        """query($id: ID!) { node(id: $id) { ... on Endpoint {
          lastUsedAt callsLast24Hours usage { requests } } } }""",
        {"id": endpoint_id},
    )
    assert endpoint["node"]["callsLast24Hours"] == 1
    assert endpoint["node"]["usage"] == {"requests": 1}
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    since = await admin(
        """query($id: ID!, $since: DateTime) { node(id: $id) { ... on LLMConnection {
          usage(since: $since) { requests } } } }""",
        {"id": conn["id"], "since": later},
    )
    assert since["node"]["usage"] == {"requests": 0}


async def test_a_time_range_counts_exactly_the_calls_inside_it(app, admin, fake):
    await openai_connection(admin, fake, "one", ["m-one"])
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(model="m-one", messages=HELLO)
    middle = datetime.now(UTC)
    await client.chat.completions.create(model="m-one", messages=HELLO)
    await client.chat.completions.create(model="m-one", messages=HELLO)

    after = await admin(USAGE, {"groupBy": [], "filter": {"from": middle.isoformat()}})
    assert after["usage"][0]["requests"] == 2
    before = await admin(USAGE, {"groupBy": [], "filter": {"to": middle.isoformat()}})
    assert before["usage"][0]["requests"] == 1
    wide = {
        "from": (middle - timedelta(days=2)).isoformat(),
        "to": (middle + timedelta(days=2)).isoformat(),
    }
    hours = (await admin(USAGE, {"groupBy": ["HOUR"], "filter": wide}))["usage"]
    assert sum(b["requests"] for b in hours) == 3


LISTED = """{ connections(first: 50) { nodes { name lastUsedAt callsLast24Hours
  usage { requests } dependents { ... on Endpoint { name lastUsedAt callsLast24Hours
  usage { requests } } } } } }"""


async def test_usage_fields_on_a_list_cost_the_same_for_any_number_of_rows(app, admin, fake):
    from tests.db_tally import tally

    client = openai_client(app, await caller_token(admin))
    counts = []
    for size in (2, 5):
        for n in range(len(counts) * 2, len(counts) * 2 + size):
            conn = await openai_connection(admin, fake, f"c{n}", [f"m{n}"])
            await admin(
                ENDPOINT,
                {"input": {"name": f"e{n}", "connectionId": conn["id"], "model": f"m{n}"}},
            )
            await client.chat.completions.create(model=f"e{n}", messages=HELLO)
        await flushed(app)
        with tally() as counted:
            listed = (await admin(LISTED))["connections"]["nodes"]
        assert all(c["usage"]["requests"] == 1 and c["callsLast24Hours"] == 1 for c in listed)
        counts.append(counted.statements)
    assert counts[0] == counts[1], counts


async def test_every_operation_is_recorded_by_its_name(app, admin, fake):
    from tests.documents import create

    server = fake("ANTHROPIC", key="sk-ant-S3CR3T-usage-key", models=["claude-fake"])
    await create(admin, name="claude", provider="ANTHROPIC", baseUrl=server.url, apiKey=server.key)
    client = anthropic_client(app, await caller_token(admin))
    await client.messages.count_tokens(model="claude-fake", messages=HELLO)
    await client.messages.create(model="claude-fake", max_tokens=10, messages=HELLO)
    calls = (await admin(CALLS, {}))["gatewayCalls"]["nodes"]
    assert {c["operation"] for c in calls} == {"messages/count_tokens", "messages"}
