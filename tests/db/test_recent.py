"""The gateway's short cache: many calls missing one key load it once; a busy entry is
refreshed in the background before it expires, serving calls meanwhile; a write of this
process is never answered from a load begun before it; a failed load reaches its waiters and
the next call tries again."""

from __future__ import annotations

import asyncio

import pytest

from app.db import engine
from app.db.recent import Recent


class Source:
    """A load that counts its calls and can be held open or made to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False

    async def __call__(self) -> int:
        self.calls += 1
        number = self.calls
        await self.gate.wait()
        if self.fail:
            raise RuntimeError("the database said no")
        return number


async def test_calls_that_miss_at_once_share_one_load():
    cache, source = Recent[int](ttl=10), Source()
    source.gate.clear()
    waiting = [asyncio.create_task(cache.get("k", source)) for _ in range(50)]
    await asyncio.sleep(0)
    source.gate.set()
    assert await asyncio.gather(*waiting) == [1] * 50
    assert source.calls == 1


async def test_a_busy_entry_is_refreshed_in_the_background_while_it_serves():
    cache, source = Recent[int](ttl=0.2), Source()
    assert await cache.get("k", source) == 1
    await asyncio.sleep(0.12)  # past half the TTL: still served, and refreshed behind
    source.gate.clear()
    assert await cache.get("k", source) == 1
    assert await cache.get("k", source) == 1
    await asyncio.sleep(0)  # the refresh begins
    assert source.calls == 2, "one refresh, however many calls came meanwhile"
    source.gate.set()
    await asyncio.sleep(0.01)
    assert await cache.get("k", source) == 2


async def test_an_expired_entry_is_never_served():
    cache, source = Recent[int](ttl=0.05), Source()
    assert await cache.get("k", source) == 1
    await asyncio.sleep(0.06)
    assert await cache.get("k", source) == 2


async def test_a_write_here_is_never_answered_from_a_load_begun_before_it(monkeypatch):
    cache, source = Recent[int](ttl=10), Source()
    source.gate.clear()
    before = asyncio.create_task(cache.get("k", source))
    await asyncio.sleep(0)
    monkeypatch.setattr(engine, "_generation", engine.write_generation() + 1)  # a commit here
    after = asyncio.create_task(cache.get("k", source))
    await asyncio.sleep(0)
    source.gate.set()
    assert (await before, await after) == (1, 2)
    assert await cache.get("k", source) == 2, "the older load did not overwrite the newer"


async def test_a_failed_load_reaches_its_waiters_and_the_next_call_tries_again():
    cache, source = Recent[int](ttl=10), Source()
    source.fail = True
    with pytest.raises(RuntimeError):
        await cache.get("k", source)
    source.fail = False
    assert await cache.get("k", source) == 2


async def test_a_caller_that_leaves_does_not_cancel_the_load_others_wait_for():
    cache, source = Recent[int](ttl=10), Source()
    source.gate.clear()
    leaving = asyncio.create_task(cache.get("k", source))
    staying = asyncio.create_task(cache.get("k", source))
    await asyncio.sleep(0)
    leaving.cancel()
    source.gate.set()
    assert await staying == 1
