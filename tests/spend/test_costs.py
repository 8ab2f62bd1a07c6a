"""What each gateway call cost, stored with its record and summed in usage: the official SDKs
on every route, streamed and not, cached-token answers included, each record's costUsd equal to
the cost computed by hand from the usage the SDK saw, to the last digit."""

from __future__ import annotations

from decimal import Decimal

from tests.documents import create
from tests.gateway.sdks import (
    anthropic_connection,
    caller_token,
    gemini_client,
    gemini_connection,
    openai_client,
    openai_connection,
)

SET_PRICE = """mutation($input: SetModelPriceInput!) { setModelPrice(input: $input) {
  modelPrice { model connectionId inputPerMTok outputPerMTok cachedInputPerMTok
    cacheWritePerMTok effectiveFrom source }
  userErrors { field code message } } }"""
CALLS = """query { gatewayCalls(first: 50) { nodes { operation model status inputTokens
  outputTokens cachedInputTokens cacheWriteTokens costUsd } } }"""
TOTAL = """query { usage(groupBy: []) { requests costUsd unpricedRequests cachedInputTokens } }"""
BY_DAY = """query { usage(groupBy: [DAY, MODEL]) { day model requests costUsd } }"""

GPT = {"in": "2.50", "out": "10", "cached": "1.25"}
CLAUDE = {"in": "3", "out": "15", "cached": "0.30", "write": "3.75"}
GEMINI = {"in": "0.30", "out": "2.50", "cached": "0.075"}
M = Decimal(10**6)


async def set_price(admin, model: str, p: dict, connection_id: str | None = None) -> dict:
    fields = {"model": model, "inputPerMTok": p["in"], "outputPerMTok": p["out"]}
    if "cached" in p:
        fields["cachedInputPerMTok"] = p["cached"]
    if "write" in p:
        fields["cacheWritePerMTok"] = p["write"]
    if connection_id:
        fields["connectionId"] = connection_id
    payload = (await admin(SET_PRICE, {"input": fields}))["setModelPrice"]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["modelPrice"]


def by_hand(p: dict, fresh: int, output: int, cached: int = 0, written: int = 0) -> Decimal:
    """Dollars: fresh input, cached input, cache writes and output, each at its price."""
    total = fresh * Decimal(p["in"]) + cached * Decimal(p.get("cached", p["in"]))
    total += written * Decimal(p.get("write", p["in"])) + output * Decimal(p["out"])
    return total / M


async def calls(admin) -> list[dict]:
    return list(reversed((await admin(CALLS))["gatewayCalls"]["nodes"]))  # oldest first


async def test_every_route_records_its_cost_to_the_last_digit(app, admin, fake):
    server = fake("OPENAI", key="sk-S3CR3T-openai", models=["gpt-fake"])
    await create(admin, name="openai", provider="OPENAI", baseUrl=server.url, apiKey=server.key)
    await anthropic_connection(admin, fake, "anthropic", ["claude-fake"])
    await gemini_connection(admin, fake, "gemini", ["gemini-fake"])
    for model, price in (("gpt-fake", GPT), ("claude-fake", CLAUDE), ("gemini-fake", GEMINI)):
        await set_price(admin, model, price)
    token = await caller_token(admin)
    oa = openai_client(app, token)
    expected: list[Decimal] = []

    def openai_style(p: dict, prompt: int, output: int, cached: int) -> None:
        expected.append(by_hand(p, prompt - cached, output, cached))

    chat = await oa.chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": "hello cached world"}]
    )
    u = chat.usage
    assert u.prompt_tokens_details.cached_tokens == 2
    openai_style(GPT, u.prompt_tokens, u.completion_tokens, 2)
    stream = await oa.chat.completions.create(
        model="gpt-fake",
        messages=[{"role": "user", "content": "one two three"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    final = [chunk async for chunk in stream][-1].usage
    openai_style(GPT, final.prompt_tokens, final.completion_tokens, 0)
    answer = await oa.responses.create(model="gpt-fake", input="cached words here")
    ru = answer.usage
    openai_style(GPT, ru.input_tokens, ru.output_tokens, ru.input_tokens_details.cached_tokens)
    embedded = await oa.embeddings.create(model="gpt-fake", input=["a b c", "d e"])
    openai_style(GPT, embedded.usage.prompt_tokens, 0, 0)

    from tests.gateway.sdks import anthropic_client

    an = anthropic_client(app, token)
    block = {"type": "text", "text": "cached context", "cache_control": {"type": "ephemeral"}}
    message = await an.messages.create(
        model="claude-fake", max_tokens=100, messages=[{"role": "user", "content": [block]}]
    )
    mu = message.usage
    assert mu.cache_read_input_tokens == 2 and mu.cache_creation_input_tokens == 3
    expected.append(
        by_hand(
            CLAUDE,
            mu.input_tokens,
            mu.output_tokens,
            mu.cache_read_input_tokens,
            mu.cache_creation_input_tokens,
        )
    )
    async with an.messages.stream(
        model="claude-fake", max_tokens=100, messages=[{"role": "user", "content": "go on then"}]
    ) as streamed:
        done = await streamed.get_final_message()
    expected.append(by_hand(CLAUDE, done.usage.input_tokens, done.usage.output_tokens))

    ge = gemini_client(app, token)
    generated = await ge.aio.models.generate_content(model="gemini-fake", contents="cached hi")
    g = generated.usage_metadata
    assert g.cached_content_token_count == 2
    openai_style(GEMINI, g.prompt_token_count, g.candidates_token_count, 2)
    thought = await ge.aio.models.generate_content(model="gemini-fake", contents="think hard")
    t = thought.usage_metadata
    assert t.thoughts_token_count == 4  # billed as output: Gemini reports them apart
    openai_style(GEMINI, t.prompt_token_count, t.candidates_token_count + 4, 0)
    chunks = [
        c
        async for c in await ge.aio.models.generate_content_stream(
            model="gemini-fake", contents="a b c d"
        )
    ]
    last = chunks[-1].usage_metadata
    openai_style(GEMINI, last.prompt_token_count, last.candidates_token_count, 0)

    recorded = await calls(admin)
    assert [c["status"] for c in recorded] == [200] * len(expected)
    assert [Decimal(c["costUsd"]) for c in recorded] == expected
    assert all(Decimal(c["costUsd"]) > 0 for c in recorded)
    assert [c["cacheWriteTokens"] for c in recorded][4] == 3
    assert recorded[7]["outputTokens"] == t.candidates_token_count + 4
    [total] = (await admin(TOTAL))["usage"]
    assert Decimal(total["costUsd"]) == sum(expected)
    assert total["requests"] == len(expected) and total["unpricedRequests"] == 0
    assert total["cachedInputTokens"] == 2 + 2 + 2 + 2  # chat, responses, messages, gemini
    days = (await admin(BY_DAY))["usage"]
    assert sum(Decimal(d["costUsd"]) for d in days) == sum(expected)


async def test_a_later_price_never_rewrites_history(app, admin, fake):
    await openai_connection(admin, fake, "local", ["llama-fake"])
    await set_price(admin, "llama-fake", {"in": "1", "out": "2"})
    client = openai_client(app, await caller_token(admin))
    ask = {"model": "llama-fake", "messages": [{"role": "user", "content": "a b c"}]}
    first = (await client.chat.completions.create(**ask)).usage
    price = await set_price(admin, "llama-fake", {"in": "10", "out": "20"})
    assert price["source"] == "admin" and price["inputPerMTok"] == "10"
    second = (await client.chat.completions.create(**ask)).usage
    recorded = await calls(admin)
    old = by_hand({"in": "1", "out": "2"}, first.prompt_tokens, first.completion_tokens)
    new = by_hand({"in": "10", "out": "20"}, second.prompt_tokens, second.completion_tokens)
    assert [Decimal(c["costUsd"]) for c in recorded] == [old, new]
    assert new == 10 * old
    summary = await admin('query { connection(name: "local") { usage { requests costUsd } } }')
    assert summary["connection"]["usage"] == {"requests": 2, "costUsd": format(old + new, "f")}


async def test_a_model_without_a_price_is_unpriced_never_zero(app, admin, fake):
    await openai_connection(admin, fake, "local", ["llama-fake", "mistral-fake"])
    await set_price(admin, "mistral-fake", {"in": "1", "out": "1"})
    client = openai_client(app, await caller_token(admin))
    for model in ("llama-fake", "llama-fake", "mistral-fake"):
        await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "hi"}]
        )
    recorded = await calls(admin)
    assert [c["costUsd"] is None for c in recorded] == [True, True, False]
    [total] = (await admin(TOTAL))["usage"]
    assert total["unpricedRequests"] == 2 and Decimal(total["costUsd"]) > 0
    by_model = await admin("query { usage(groupBy: [MODEL]) { model costUsd unpricedRequests } }")
    unpriced = [b for b in by_model["usage"] if b["model"] == "llama-fake"]
    assert unpriced == [{"model": "llama-fake", "costUsd": None, "unpricedRequests": 2}]


async def test_a_connections_own_price_wins_over_every_connections(app, admin, fake):
    one = await openai_connection(admin, fake, "one", ["same-fake"])
    await openai_connection(admin, fake, "two", ["same-fake"])
    await set_price(admin, "same-fake", {"in": "1", "out": "1"})
    await set_price(admin, "same-fake", {"in": "100", "out": "100"}, one["id"])
    client = openai_client(app, await caller_token(admin))
    for name in ("one", "two"):
        await client.with_options(
            default_headers={"X-Switchboard-Connection": name}
        ).chat.completions.create(model="same-fake", messages=[{"role": "user", "content": "hi"}])
    first, second = (Decimal(c["costUsd"]) for c in await calls(admin))
    assert first == 100 * second
    listed = await admin(
        'query($c: ID) { modelPrices(model: "same-fake", connectionId: $c) { connectionId source } }',
        {"c": one["id"]},
    )
    assert {p["connectionId"] for p in listed["modelPrices"]} == {one["id"], None}


async def test_metrics_count_the_cost(app, admin, fake, client):
    await openai_connection(admin, fake, "metered", ["metered-fake"])
    await set_price(admin, "metered-fake", {"in": "1000", "out": "1000"})
    token = await caller_token(admin)
    before = await _cost_metric(client, admin)
    await openai_client(app, token).chat.completions.create(
        model="metered-fake", messages=[{"role": "user", "content": "a b"}]
    )
    [call] = await calls(admin)
    added = await _cost_metric(client, admin) - before
    assert abs(added - float(call["costUsd"])) < 1e-9


async def _cost_metric(client, admin) -> float:
    text = (await client.get("/metrics", headers={"Authorization": f"Bearer {admin.token}"})).text
    series = 'switchboard_gateway_cost_usd_total{connection="metered",model="metered-fake"}'
    found = [ln for ln in text.splitlines() if ln.startswith(series)]
    return float(found[0].rsplit(" ", 1)[1]) if found else 0.0
