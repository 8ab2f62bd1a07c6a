"""A token's per-minute limits: requests, and tokens as the providers report them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import openai
import pytest

from app.auth.service import GatewayLimits, Role, Viewer
from app.gateway.limits import TOKENS_WAIT, CallerLimits
from app.gateway.streams import Usage
from tests.gateway.sdks import caller_token, openai_client, openai_connection

pytestmark = pytest.mark.db

HELLO = [{"role": "user", "content": "one two three"}]


async def test_requests_per_minute_answers_429_with_retry_after(app, admin, fake):
    await openai_connection(admin, fake, "main", ["gpt-fake"])
    client = openai_client(app, await caller_token(admin, requestsPerMinute=2))
    for _ in range(2):
        await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    with pytest.raises(openai.RateLimitError) as limited:
        await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    assert limited.value.body["code"] == "rate_limit_exceeded"
    assert 1 <= int(limited.value.response.headers["retry-after"]) <= 60
    unlimited = openai_client(app, await caller_token(admin))
    assert (await unlimited.chat.completions.create(model="gpt-fake", messages=HELLO)).choices


@pytest.mark.parametrize("stream", [False, True])
async def test_tokens_per_minute_counts_what_each_call_used(app, admin, fake, stream):
    await openai_connection(admin, fake, "main", ["gpt-fake"])
    # Each call: 3 prompt tokens and 4 completion tokens ("echo: one two three").
    client = openai_client(app, await caller_token(admin, tokensPerMinute=10))
    first = await client.chat.completions.create(model="gpt-fake", messages=HELLO, stream=stream)
    if stream:
        [_ async for _ in first]
    second = await client.chat.completions.create(model="gpt-fake", messages=HELLO, stream=stream)
    if stream:
        [_ async for _ in second]
    with pytest.raises(openai.RateLimitError) as limited:
        await client.chat.completions.create(model="gpt-fake", messages=HELLO)
    assert "10 tokens a minute" in limited.value.body["message"]


class RoundTrips:
    """A Redis rate-limit store whose round trips are counted at redis-py's own client (one
    pipeline is one round trip)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.count = 0
        client = store.primary._redis
        original = client.pipeline

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(*args, **kwargs)

        client.pipeline = counting

    @classmethod
    async def open(cls) -> RoundTrips:
        from app.http.stores import rate_limit_store
        from tests.instances import require_redis

        namespace = f"switchboard-test-{uuid.uuid4().hex}"
        return cls(rate_limit_store(await require_redis(), namespace))


def caller(**limits: int) -> Viewer:
    return Viewer(uuid.uuid4(), "u", Role.CALLER, uuid.uuid4(), limits=GatewayLimits(**limits))


async def test_both_limits_are_checked_in_one_redis_round_trip():
    trips = await RoundTrips.open()
    viewer = caller(requests_per_minute=2, tokens_per_minute=1000)
    gate = CallerLimits(trips.store)
    await gate.admit(viewer)
    assert trips.count == 1
    await gate.admit(viewer)
    with pytest.raises(Exception, match="2 requests a minute"):
        await gate.admit(viewer)
    await trips.store.delete_all()


async def test_a_calls_tokens_ride_with_the_next_admission_and_reach_others_soon():
    """One Redis round trip a call: the tokens a call used go with the next admission on this
    instance (which then sees them), or on their own within TOKENS_WAIT for the others."""
    trips = await RoundTrips.open()
    viewer = caller(requests_per_minute=100, tokens_per_minute=10)
    here, there = CallerLimits(trips.store), CallerLimits(trips.store)
    await here.admit(viewer)
    await here.used(viewer, Usage(5, 7))
    with pytest.raises(Exception, match="10 tokens a minute"):
        await here.admit(viewer)  # its 12 tokens went first, in the same round trip
    assert trips.count == 2

    other = caller(requests_per_minute=100, tokens_per_minute=10)
    await here.admit(other)
    await here.used(other, Usage(6, 6))
    await asyncio.sleep(TOKENS_WAIT * 4)
    with pytest.raises(Exception, match="10 tokens a minute"):
        await there.admit(other)  # another instance: sent on their own, within the wait
    await trips.store.delete_all()
