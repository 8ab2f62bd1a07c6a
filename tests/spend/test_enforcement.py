"""Budgets enforced before every gateway call on every route: a spent REJECT budget refuses
the next call (429 in the route's format, naming the budget and when it resets, Retry-After),
on a second instance too; calls at once overshoot by at most one estimate; an ALERT budget's
thresholds each fire the signed webhook once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anthropic
import openai
import pytest
from google.genai import errors

from app.spend.budgets import Action, BudgetRecord, Period, Scope
from app.spend.control import entry_of
from tests.documents import create
from tests.gateway.sdks import (
    anthropic_client,
    anthropic_connection,
    caller_token,
    gemini_client,
    gemini_connection,
    openai_client,
    openai_connection,
)
from tests.instances import instance, require_redis
from tests.spend.test_budgets import create_budget
from tests.spend.test_costs import set_price

HI = [{"role": "user", "content": "hello there"}]
SETTINGS = """mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) {
  settings { alertWebhookUrl alertWebhookSecretHint } userErrors { field code message } } }"""


async def spend_first(app, token: str) -> None:
    await openai_client(app, token).chat.completions.create(model="gpt-fake", messages=HI)


def assert_names_the_budget(message: str) -> None:
    assert "budget 'team'" in message and "resets at" in message


async def test_a_spent_reject_budget_stops_the_next_call_on_every_route(app, admin, fake):
    server = fake("OPENAI", key="sk-S3CR3T-openai", models=["gpt-fake"])
    await create(admin, name="openai", provider="OPENAI", baseUrl=server.url, apiKey=server.key)
    await anthropic_connection(admin, fake, "anthropic", ["claude-fake"])
    await gemini_connection(admin, fake, "gemini", ["gemini-fake"])
    await set_price(admin, "gpt-fake", {"in": "1", "out": "1"})
    await create_budget(admin, amountUsd="0.000001", action="REJECT", alertAt=[])
    token = await caller_token(admin)
    await spend_first(app, token)  # 0 spent before it: admitted, and it spends past $0.000001
    oa, an, ge = openai_client(app, token), anthropic_client(app, token), gemini_client(app, token)
    refusals = [
        oa.chat.completions.create(model="gpt-fake", messages=HI),
        oa.chat.completions.create(model="gpt-fake", messages=HI, stream=True),
        oa.embeddings.create(model="gpt-fake", input="a b"),
        oa.responses.create(model="gpt-fake", input="hello"),
    ]
    for refused in refusals:
        with pytest.raises(openai.RateLimitError) as caught:
            await refused
        error = caught.value.body
        assert error["type"] == "budget_exceeded" and error["code"] == "budget_exceeded"
        assert_names_the_budget(error["message"])
        wait = int(caught.value.response.headers["retry-after"])
        assert 0 < wait <= 31 * 86400
    for refused in (
        an.messages.create(model="claude-fake", max_tokens=10, messages=HI),
        an.messages.count_tokens(model="claude-fake", messages=HI),
    ):
        with pytest.raises(anthropic.RateLimitError) as caught_a:
            await refused
        assert caught_a.value.body["error"]["type"] == "rate_limit_error"
        assert_names_the_budget(caught_a.value.body["error"]["message"])
    with pytest.raises(errors.ClientError) as caught_g:
        await ge.aio.models.generate_content(model="gemini-fake", contents="hi")
    assert caught_g.value.code == 429 and caught_g.value.status == "RESOURCE_EXHAUSTED"
    assert_names_the_budget(caught_g.value.message)
    with pytest.raises(errors.ClientError):
        async for _ in await ge.aio.models.generate_content_stream(
            model="gemini-fake", contents="x"
        ):
            pass
    calls = await admin("query { gatewayCalls(first: 20) { nodes { status operation } } }")
    statuses = [c["status"] for c in calls["gatewayCalls"]["nodes"]]
    assert statuses.count(429) == 8 and statuses.count(200) == 1  # refused calls are recorded
    assert len([r for r in server.requests if r.path == "/v1/chat/completions"]) == 1


async def test_budgets_bind_only_their_own_scope(app, admin, fake):
    await openai_connection(admin, fake, "local", ["gpt-fake"])
    await set_price(admin, "gpt-fake", {"in": "1", "out": "1"})
    bound, free = await caller_token(admin), await caller_token(admin)
    tokens = (await admin("query { apiTokens { nodes { id name } } }"))["apiTokens"]["nodes"]
    bound_id = tokens[-2]["id"] if len(tokens) > 1 else tokens[0]["id"]
    await create_budget(
        admin, scope="TOKEN", scopeId=bound_id, amountUsd="0.000001", action="REJECT"
    )
    results = {}
    for token in (bound, free):
        client = openai_client(app, token)
        for _ in range(2):
            try:
                await client.chat.completions.create(model="gpt-fake", messages=HI)
                results.setdefault(token, []).append(200)
            except openai.RateLimitError:
                results.setdefault(token, []).append(429)
    assert sorted(results.values()) == [[200, 200], [200, 429]]


async def test_a_token_budget_counts_tokens(app, admin, fake):
    await openai_connection(admin, fake, "local", ["llama-fake"])  # unpriced: tokens still count
    await create_budget(admin, amountTokens=5, action="REJECT")
    client = openai_client(app, await caller_token(admin))
    await client.chat.completions.create(model="llama-fake", messages=HI)  # 2 in, 3 out
    with pytest.raises(openai.RateLimitError):
        await client.chat.completions.create(model="llama-fake", messages=HI)
    [budget] = (await admin("query { budgets { spentTokens remainingTokens spentUsd } }"))[
        "budgets"
    ]
    assert budget == {"spentTokens": 5, "remainingTokens": 0, "spentUsd": "0"}


async def test_calls_at_once_overshoot_by_at_most_one_estimate(app, admin, fake):
    await openai_connection(admin, fake, "local", ["llama-fake"])
    await create_budget(admin, amountTokens=100, action="REJECT")
    client = openai_client(app, await caller_token(admin))

    async def one() -> int:
        try:
            await client.chat.completions.create(model="llama-fake", messages=HI, max_tokens=60)
        except openai.RateLimitError:
            return 429
        return 200

    answers = await asyncio.gather(*(one() for _ in range(12)))
    # Each reserves 60 output tokens and its body's (about 20) while in flight, and settles at
    # the 5 it used: 12 at once would use 60 of 100, but their reservations refuse most.
    assert answers.count(429) >= 1
    [budget] = (await admin("query { budgets { spentTokens } }"))["budgets"]
    assert budget["spentTokens"] == 5 * answers.count(200) <= 100 + 80


async def test_a_reject_budget_holds_on_a_second_instance(app, admin, fake, database_url):
    redis_url = await require_redis()
    await openai_connection(admin, fake, "local", ["gpt-fake"])
    await set_price(admin, "gpt-fake", {"in": "1", "out": "1"})
    await create_budget(admin, amountUsd="0.000001", action="REJECT")
    token = await caller_token(admin)
    shared = {"REDIS_URL": redis_url}
    namespace = f"switchboard-test-{uuid.uuid4().hex}"
    headers = {"Authorization": f"Bearer {token}"}
    ask = {"model": "gpt-fake", "messages": HI}
    async with (
        instance(database_url, shared, namespace=namespace) as one,
        instance(database_url, shared, namespace=namespace) as two,
    ):
        first = await one.post("/v1/chat/completions", json=ask, headers=headers)
        assert first.status_code == 200
        refused = await two.post("/v1/chat/completions", json=ask, headers=headers)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "budget_exceeded"
        await one.app.state.rate_limit_store.delete_all()


class Receiver:
    """A loopback webhook receiver: every POST's body and headers; it answers 503 to the first
    `failures` of them."""

    def __init__(self, failures: int = 0) -> None:
        self.posts: list[tuple[bytes, dict[str, str]]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["content-length"]))
                posts.append((body, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(503 if len(posts) <= failures else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/budget"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.close()


async def test_an_alert_budget_fires_its_signed_webhook_once_per_threshold(
    app, admin, fake, receiver, secret_watch
):
    secret = "whsec-S3CR3T-" + uuid.uuid4().hex
    secret_watch.extra.add(secret)
    saved = (
        await admin(
            SETTINGS, {"input": {"alertWebhookUrl": receiver.url, "alertWebhookSecret": secret}}
        )
    )["updateSettings"]
    assert saved["userErrors"] == []
    assert saved["settings"] == {
        "alertWebhookUrl": receiver.url,
        "alertWebhookSecretHint": "…" + secret[-4:],
    }
    await openai_connection(admin, fake, "local", ["gpt-fake"])
    await set_price(admin, "gpt-fake", {"in": "1", "out": "1"})  # 5 tokens: $0.000005 a call
    budget = await create_budget(admin, amountUsd="0.00001", alertAt=[50, 100, 300])
    client = openai_client(app, await caller_token(admin))
    for _ in range(3):  # $0.000005 (50%), $0.00001 (100%), $0.000015: 300% never reached
        await client.chat.completions.create(model="gpt-fake", messages=HI)
    for _ in range(100):
        if len(receiver.posts) >= 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # nothing more arrives
    assert len(receiver.posts) == 2
    bodies = []
    for body, headers in receiver.posts:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-switchboard-signature"] == expected
        bodies.append(json.loads(body))
    assert sorted(b["percent"] for b in bodies) == [50, 100]
    first = next(b for b in bodies if b["percent"] == 50)
    assert first["event"] == "budget.threshold"
    assert first["budget"] == {
        "id": budget["id"],
        "name": "team",
        "scope": "ORGANIZATION",
        "scopeId": None,
        "action": "ALERT",
        "amountTokens": None,
    }
    assert first["spentUsd"] == "0.000005" and first["amountUsd"] == "0.00001"
    assert first["resetsAt"] == budget["resetsAt"] and first["periodStart"] == budget["periodStart"]
    events = await admin(
        'query { auditEvents(first: 20, filter: {action: "budget.alert"}) { nodes { targetName changes { field new } } } }'
    )
    alerts = events["auditEvents"]["nodes"]
    assert len(alerts) == 2 and all(a["targetName"] == "team" for a in alerts)


async def test_a_webhook_url_must_be_http(admin):
    data = await admin(SETTINGS, {"input": {"alertWebhookUrl": "file:///etc/passwd"}})
    [error] = data["updateSettings"]["userErrors"]
    assert error["field"] == ["input", "alertWebhookUrl"] and error["code"] == "VALIDATION"


def test_a_new_period_is_a_new_ledger_entry():
    now = datetime.now(UTC)
    budget = BudgetRecord(
        uuid.uuid4(),
        "b",
        Scope.ORGANIZATION,
        "",
        10,
        None,
        Period.DAY,
        "UTC",
        Action.REJECT,
        (),
        1,
        now,
        now,
    )
    today, tomorrow = entry_of(budget, now), entry_of(budget, now + timedelta(days=1))
    assert today.key != tomorrow.key and today.end == tomorrow.start


async def test_a_failed_delivery_is_retried_and_never_holds_a_call(app, admin, fake):
    receiver = Receiver(failures=1)
    try:
        await admin(SETTINGS, {"input": {"alertWebhookUrl": receiver.url}})
        await openai_connection(admin, fake, "local", ["gpt-fake"])
        await set_price(admin, "gpt-fake", {"in": "1", "out": "1"})
        await create_budget(admin, amountUsd="0.000001", alertAt=[100])
        client = openai_client(app, await caller_token(admin))
        started = asyncio.get_running_loop().time()
        await client.chat.completions.create(model="gpt-fake", messages=HI)
        assert asyncio.get_running_loop().time() - started < 0.9  # the 1 s backoff is not ours
        for _ in range(60):
            if len(receiver.posts) >= 2:
                break
            await asyncio.sleep(0.05)
        first, second = receiver.posts
        assert first == second, "the same body, and no signature without a secret"
        assert "x-switchboard-signature" not in first[1]
    finally:
        receiver.close()


async def test_without_redis_each_instance_rereads_what_the_others_spent(
    app, admin, fake, database_url
):
    await openai_connection(admin, fake, "local", ["llama-fake"])
    await create_budget(admin, amountTokens=10, action="REJECT")  # each call uses 5 tokens
    token = await caller_token(admin)
    headers = {"Authorization": f"Bearer {token}"}
    ask = {"model": "llama-fake", "messages": HI}
    async with instance(database_url) as one, instance(database_url) as two:
        assert (await two.post("/v1/chat/completions", json=ask, headers=headers)).is_success
        assert (await one.post("/v1/chat/completions", json=ask, headers=headers)).is_success
        await one.app.state.services.usage.recorder.flush()  # its one-second timer, at once
        # Until it re-reads, the second instance knows only its own 5 tokens.
        await two.app.state.services.spend.reread()  # what its background task does every 2 s
        refused = await two.post("/v1/chat/completions", json=ask, headers=headers)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "budget_exceeded"
