"""What each budget's current period has spent and has reserved for calls in flight, kept where
every instance sees it: Redis (one Lua script per step, so a check and its reservation are one
atomic step however many instances call at once), or this process's memory without Redis.

A period's entry is seeded from the recorded calls the first time it is needed (after a
restart, a Redis flush, a new budget), then moved by each call: `admit` refuses when a REJECT
budget's spent plus reserved has reached its amount, else reserves the call's estimate;
`settle` swaps the estimate for what the call cost. So concurrent calls overshoot by at most
one call's estimate. An entry expires a day after its period ends: a new period starts at 0.

When Redis does not answer, the ledger falls back to this instance's memory (seeded from the
database again) and says so in the log, as the rate limits do: budgets per instance are weaker
than shared ones, but an outage of the cache must not stop the gateway."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.http.stores import RedisFallback

NO_LIMIT = -1


@dataclass(frozen=True)
class Line:
    """One budget's part in one call: its period's entry, its limits if it rejects (NO_LIMIT
    otherwise), and what the call reserves against them."""

    key: str
    limit_usd: int = NO_LIMIT  # pico-dollars
    limit_tokens: int = NO_LIMIT
    reserve_usd: int = 0
    reserve_tokens: int = 0
    ttl: int = 86_400  # seconds the entry is kept


@dataclass(frozen=True)
class Spent:
    usd: int  # pico-dollars, settled calls only
    tokens: int


Seeder = Callable[[Sequence[str]], Awaitable[list["Spent"]]]


class Ledger(Protocol):
    async def admit(self, lines: Sequence[Line], seed: Seeder) -> int | None:
        """None when every line reserved its share; else the index of the line that refused
        (nothing is reserved then)."""

    async def settle(self, lines: Sequence[Line], usd: int, tokens: int) -> list[Spent]:
        """Release the reservations and add what the call spent; each entry's spent after."""

    async def spent(self, lines: Sequence[Line], seed: Seeder) -> list[Spent]: ...

    async def first_alert(self, key: str, percent: int) -> bool:
        """True once per entry and percent: whoever asks first fires the alert."""


@dataclass
class _Entry:
    usd: int
    tokens: int
    expires: float
    reserved_usd: int = 0
    reserved_tokens: int = 0
    alerted: set[int] = field(default_factory=set)


class MemoryLedger:
    """One process's ledger: every step runs with no await between its read and its write."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}

    def _live(self, key: str) -> _Entry | None:
        entry = self.entries.get(key)
        if entry is not None and entry.expires <= time.monotonic():
            del self.entries[key]
            return None
        return entry

    async def _seed(self, lines: Sequence[Line], seed: Seeder) -> None:
        missing = [line for line in lines if self._live(line.key) is None]
        if not missing:
            return
        found = await seed([line.key for line in missing])
        now = time.monotonic()
        for line, spent in zip(missing, found, strict=True):
            if self._live(line.key) is None:  # another call may have seeded it meanwhile
                self.entries[line.key] = _Entry(spent.usd, spent.tokens, now + line.ttl)

    async def admit(self, lines: Sequence[Line], seed: Seeder) -> int | None:
        await self._seed(lines, seed)
        entries = [self.entries[line.key] for line in lines]
        for index, (line, entry) in enumerate(zip(lines, entries, strict=True)):
            if _over(line, entry.usd + entry.reserved_usd, entry.tokens + entry.reserved_tokens):
                return index
        for line, entry in zip(lines, entries, strict=True):
            entry.reserved_usd += line.reserve_usd
            entry.reserved_tokens += line.reserve_tokens
        return None

    async def settle(self, lines: Sequence[Line], usd: int, tokens: int) -> list[Spent]:
        after = []
        for line in lines:
            entry = self._live(line.key)
            if entry is None:  # gone (expired): the next seed reads this call from the database
                after.append(Spent(0, 0))
                continue
            entry.reserved_usd = max(0, entry.reserved_usd - line.reserve_usd)
            entry.reserved_tokens = max(0, entry.reserved_tokens - line.reserve_tokens)
            entry.usd += usd
            entry.tokens += tokens
            after.append(Spent(entry.usd, entry.tokens))
        return after

    async def spent(self, lines: Sequence[Line], seed: Seeder) -> list[Spent]:
        await self._seed(lines, seed)
        return [Spent(self.entries[line.key].usd, self.entries[line.key].tokens) for line in lines]

    async def first_alert(self, key: str, percent: int) -> bool:
        entry = self._live(key)
        if entry is None or percent in entry.alerted:
            return False
        entry.alerted.add(percent)
        return True

    def keys(self) -> list[str]:
        return [key for key in list(self.entries) if self._live(key) is not None]

    def reset(self, key: str, spent: Spent) -> None:
        """What the recorded calls say this entry spent (its reservations stay)."""
        entry = self._live(key)
        if entry is not None:
            entry.usd, entry.tokens = spent.usd, spent.tokens


def _over(line: Line, usd: int, tokens: int) -> bool:
    return (line.limit_usd != NO_LIMIT and usd >= line.limit_usd) or (
        line.limit_tokens != NO_LIMIT and tokens >= line.limit_tokens
    )


# KEYS: the entries. ARGV: per key, limit_usd, limit_tokens, reserve_usd, reserve_tokens.
# Returns {} when reserved, {1, i} when entry i refused, {0, i...} when entries must be seeded.
ADMIT = """
local missing = {0}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 0 then missing[#missing + 1] = i end
end
if #missing > 1 then return missing end
for i, key in ipairs(KEYS) do
  local b = (i - 1) * 4
  local lu, lt = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
  if lu >= 0 or lt >= 0 then
    local v = redis.call('HMGET', key, 'usd', 'tok', 'rusd', 'rtok')
    if lu >= 0 and tonumber(v[1]) + tonumber(v[3]) >= lu then return {1, i} end
    if lt >= 0 and tonumber(v[2]) + tonumber(v[4]) >= lt then return {1, i} end
  end
end
for i, key in ipairs(KEYS) do
  local b = (i - 1) * 4
  redis.call('HINCRBY', key, 'rusd', ARGV[b + 3])
  redis.call('HINCRBY', key, 'rtok', ARGV[b + 4])
end
return {}
"""
# KEYS: the entries. ARGV: usd, tokens, then per key -reserve_usd, -reserve_tokens (arguments pass
# as strings, exactly; Lua's numbers are doubles). An entry that
# is gone is left gone (the next seed reads the call from the database). Returns usd, tokens
# per key as strings (exact, past 2^53).
SETTLE = """
local out = {}
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    local b = (i - 1) * 2
    if redis.call('HINCRBY', key, 'rusd', ARGV[b + 3]) < 0 then
      redis.call('HSET', key, 'rusd', 0)
    end
    if redis.call('HINCRBY', key, 'rtok', ARGV[b + 4]) < 0 then
      redis.call('HSET', key, 'rtok', 0)
    end
    redis.call('HINCRBY', key, 'usd', ARGV[1])
    redis.call('HINCRBY', key, 'tok', ARGV[2])
    local v = redis.call('HMGET', key, 'usd', 'tok')
    out[#out + 1] = v[1]
    out[#out + 1] = v[2]
  else
    out[#out + 1] = '0'
    out[#out + 1] = '0'
  end
end
return out
"""
# KEYS[1]: the entry; ARGV: usd, tokens, ttl. Only when no other instance seeded it first.
SEED = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'usd', ARGV[1], 'tok', ARGV[2], 'rusd', 0, 'rtok', 0)
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1
"""


class RedisLedger:
    """Shared by every instance through one Redis; falls back to `fallback` while Redis does
    not answer (REDIS_TIMEOUT), trying again every RETRY_AFTER seconds."""

    def __init__(
        self, redis: Any, make_key: Callable[[str], str], where: str, fallback: MemoryLedger
    ) -> None:
        self.redis = redis
        self.make_key = make_key
        self.where = where
        self.fallback = fallback
        self.sharing = RedisFallback(where, "budgets")
        self._admit = redis.register_script(ADMIT)
        self._settle = redis.register_script(SETTLE)
        self._seed_one = redis.register_script(SEED)

    def _keys(self, lines: Sequence[Line]) -> list[str]:
        return [self.make_key(line.key) for line in lines]

    async def _seed(self, lines: Sequence[Line], indexes: Sequence[int], seed: Seeder) -> None:
        chosen = [lines[i] for i in indexes]
        found = await seed([line.key for line in chosen])
        for line, spent in zip(chosen, found, strict=True):
            args = (spent.usd, spent.tokens, line.ttl)
            await self._seed_one(keys=[self.make_key(line.key)], args=args)

    async def admit(self, lines: Sequence[Line], seed: Seeder) -> int | None:
        async def shared() -> int | None:
            args = [v for line in lines for v in _limits(line)]
            for _ in range(3):  # seeded by then, unless entries keep expiring under us
                answer = await self._admit(keys=self._keys(lines), args=args)
                if not answer:
                    return None
                if int(answer[0]) == 1:
                    return int(answer[1]) - 1
                await self._seed(lines, [int(i) - 1 for i in answer[1:]], seed)
            return None

        return await self.sharing.run(shared, lambda: self.fallback.admit(lines, seed))

    async def settle(self, lines: Sequence[Line], usd: int, tokens: int) -> list[Spent]:
        async def shared() -> list[Spent]:
            args = [usd, tokens, *(v for line in lines for v in _reserved(line))]
            answer = await self._settle(keys=self._keys(lines), args=args)
            return [Spent(int(answer[i]), int(answer[i + 1])) for i in range(0, len(answer), 2)]

        return await self.sharing.run(shared, lambda: self.fallback.settle(lines, usd, tokens))

    async def spent(self, lines: Sequence[Line], seed: Seeder) -> list[Spent]:
        async def shared() -> list[Spent]:
            keys = self._keys(lines)
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.hmget(key, "usd", "tok")
                found = await pipe.execute()
            missing = [i for i, values in enumerate(found) if values[0] is None]
            if missing:
                await self._seed(lines, missing, seed)
                async with self.redis.pipeline(transaction=False) as pipe:
                    for key in keys:
                        pipe.hmget(key, "usd", "tok")
                    found = await pipe.execute()
            return [Spent(int(usd or 0), int(tokens or 0)) for usd, tokens in found]

        return await self.sharing.run(shared, lambda: self.fallback.spent(lines, seed))

    async def first_alert(self, key: str, percent: int) -> bool:
        async def shared() -> bool:
            return bool(await self.redis.hsetnx(self.make_key(key), f"alert:{percent}", 1))

        return await self.sharing.run(shared, lambda: self.fallback.first_alert(key, percent))


def _limits(line: Line) -> tuple[int, int, int, int]:
    return (line.limit_usd, line.limit_tokens, line.reserve_usd, line.reserve_tokens)


def _reserved(line: Line) -> tuple[int, int]:
    return (-line.reserve_usd, -line.reserve_tokens)


def ledger_for(store: Any) -> Ledger:
    """Redis's ledger when the rate-limit store is Redis (sharing its client and namespace),
    else this process's memory."""
    primary = getattr(store, "primary", None)
    redis = getattr(primary, "_redis", None)
    if redis is None:
        return MemoryLedger()
    where = getattr(store, "where", "redis")
    return RedisLedger(redis, primary._make_key, where, MemoryLedger())  # type: ignore[union-attr]
