"""The budgets' ledger, in memory and in Redis: a check and its reservation are one step, so
calls at once overshoot a budget by at most one call's estimate; settling swaps the estimate
for the cost; a period's entry is seeded once; each alert threshold fires once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import pytest

from app.http.stores import rate_limit_store
from app.spend.ledger import Line, MemoryLedger, Spent, ledger_for
from tests.instances import require_redis


@pytest.fixture(params=["memory", "redis"])
async def ledger(request):
    if request.param == "memory":
        yield MemoryLedger()
        return
    store = rate_limit_store(await require_redis(), f"switchboard-test-{uuid.uuid4().hex}")
    yield ledger_for(store)
    await store.delete_all()


def seeder(usd: int = 0, tokens: int = 0):
    calls: list[Sequence[str]] = []

    async def seed(keys: Sequence[str]) -> list[Spent]:
        calls.append(list(keys))
        return [Spent(usd, tokens) for _ in keys]

    seed.calls = calls  # type: ignore[attr-defined]
    return seed


async def test_calls_at_once_overshoot_by_at_most_one_estimate(ledger):
    line = Line("budget:a:1", limit_usd=1000, reserve_usd=300)
    seed = seeder()
    answers = await asyncio.gather(*(ledger.admit([line], seed) for _ in range(10)))
    admitted = answers.count(None)
    assert admitted == 4  # 0, 300, 600 and 900 were under 1000: reserved 1200 in all
    assert admitted * 300 - 1000 <= 300
    assert len(seed.calls) >= 1


async def test_settling_swaps_the_estimate_for_the_cost(ledger):
    line = Line("budget:b:1", limit_usd=1000, reserve_usd=900)
    seed = seeder()
    assert await ledger.admit([line], seed) is None
    assert await ledger.admit([line], seed) is None  # 900 reserved < 1000
    assert await ledger.admit([line], seed) == 0  # 1800 reserved: refused
    [after] = await ledger.settle([line], 100, 7)
    assert after == Spent(100, 7)
    [after] = await ledger.settle([line], 100, 7)
    assert after == Spent(200, 14)
    assert await ledger.admit([line], seed) is None  # 200 spent, nothing reserved
    assert await ledger.spent([line], seed) == [Spent(200, 14)]


async def test_a_spent_budget_refuses_and_names_which(ledger):
    seed = seeder(usd=5000)
    free = Line("budget:free:1", reserve_usd=10)  # an alert budget: no limit
    spent = Line("budget:spent:1", limit_usd=5000, reserve_usd=10)
    assert await ledger.admit([free, spent], seed) == 1
    assert await ledger.spent([free], seed) == [Spent(5000, 0)]


async def test_token_limits_count_tokens(ledger):
    line = Line("budget:t:1", limit_tokens=100, reserve_tokens=60)
    seed = seeder(tokens=30)
    assert await ledger.admit([line], seed) is None  # 30 + 0 < 100
    assert await ledger.admit([line], seed) is None  # 30 + 60 < 100
    assert await ledger.admit([line], seed) == 0  # 30 + 120


async def test_an_entry_is_seeded_once(ledger):
    line = Line("budget:s:1", reserve_usd=1)
    seed = seeder(usd=42)
    for _ in range(3):
        assert await ledger.admit([line], seed) is None
    assert len(seed.calls) == 1
    assert await ledger.spent([line], seed) == [Spent(42, 0)]


async def test_each_threshold_fires_once(ledger):
    line = Line("budget:alerts:1")
    await ledger.spent([line], seeder())
    assert await ledger.first_alert(line.key, 80) is True
    assert await ledger.first_alert(line.key, 80) is False
    assert await ledger.first_alert(line.key, 100) is True
    other_period = Line("budget:alerts:2")
    await ledger.spent([other_period], seeder())
    assert await ledger.first_alert(other_period.key, 80) is True


async def test_two_instances_share_one_redis_ledger():
    url = await require_redis()
    namespace = f"switchboard-test-{uuid.uuid4().hex}"
    one, two = rate_limit_store(url, namespace), rate_limit_store(url, namespace)
    first, second = ledger_for(one), ledger_for(two)
    line = Line("budget:shared:1", limit_usd=100, reserve_usd=60)
    assert await first.admit([line], seeder()) is None
    assert await second.admit([line], seeder()) is None  # 60 reserved < 100
    assert await second.admit([line], seeder()) == 0  # 120 reserved, seen by the second
    await first.settle([line], 150, 0)
    assert await second.spent([line], seeder()) == [Spent(150, 0)]
    await one.delete_all()


async def test_a_redis_that_does_not_answer_leaves_budgets_to_this_instance(caplog):
    store = rate_limit_store("redis://127.0.0.1:9/0", f"switchboard-test-{uuid.uuid4().hex}")
    ledger = ledger_for(store)
    line = Line("budget:down:1", limit_usd=100, reserve_usd=60)
    assert await ledger.admit([line], seeder()) is None  # counted in memory meanwhile
    assert await ledger.admit([line], seeder()) is None
    assert await ledger.admit([line], seeder()) == 0
    assert ledger.sharing.degraded
    assert "budgets count in this instance's memory" in caplog.text
