"""The budgets around each gateway call: before it, every budget whose scope it falls in is
checked and reserves the call's estimate (one ledger step); after it, the estimate is swapped
for what the call cost, and each alert threshold the spend has reached fires once per period.
A call no budget applies to costs one dictionary lookup per scope."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from app.money import usd_of_picos
from app.spend.alerts import Alert, AlertSender
from app.spend.budgets import Action, BudgetRecord, Scope, budget_index
from app.spend.ledger import NO_LIMIT, Ledger, Line, MemoryLedger, Seeder, Spent
from app.usage.queries import spent_since

log = logging.getLogger("switchboard.budgets")

KEPT_AFTER_PERIOD = 86_400  # seconds a period's ledger entry outlives it
MAX_FIRED = 10_000


@dataclass(frozen=True)
class Who:
    """What a call falls under: each scope's id as text ('' when it has none)."""

    user: str
    token: str
    workspace: str = ""
    endpoint: str = ""

    def scopes(self) -> tuple[tuple[Scope, str], ...]:
        found = [(Scope.ORGANIZATION, ""), (Scope.USER, self.user), (Scope.TOKEN, self.token)]
        found += [(Scope.WORKSPACE, self.workspace), (Scope.ENDPOINT, self.endpoint)]
        return tuple((scope, key) for scope, key in found if key or scope is Scope.ORGANIZATION)


@dataclass(frozen=True)
class Entry:
    """A budget's current period, as the ledger names it."""

    budget: BudgetRecord
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return f"budget:{self.budget.id}:{int(self.start.timestamp())}"

    def line(self, reserve_usd: int = 0, reserve_tokens: int = 0) -> Line:
        rejects = self.budget.action is Action.REJECT
        ttl = int((self.end - datetime.now(UTC)).total_seconds()) + KEPT_AFTER_PERIOD
        return Line(
            key=self.key,
            limit_usd=_limit(rejects, self.budget.amount_pusd),
            limit_tokens=_limit(rejects, self.budget.amount_tokens),
            reserve_usd=reserve_usd if rejects else 0,
            reserve_tokens=reserve_tokens if rejects else 0,
            ttl=max(ttl, 60),
        )


def _limit(rejects: bool, amount: int | None) -> int:
    return amount if rejects and amount is not None else NO_LIMIT


def entry_of(budget: BudgetRecord, now: datetime | None = None) -> Entry:
    start, end = budget.bounds(now)
    return Entry(budget, start, end)


@dataclass(frozen=True)
class Admission:
    entries: tuple[Entry, ...] = ()
    lines: tuple[Line, ...] = ()


NOTHING = Admission()


class SpendControl:
    def __init__(
        self, ledger: Ledger, alerts: AlertSender, flush: Callable[[], Awaitable[None]]
    ) -> None:
        self.ledger = ledger
        self.alerts = alerts
        self.flush = flush  # this instance's recorded calls, written before a seed reads them
        self.fired: set[tuple[str, int]] = set()

    async def admit(self, who: Who, reserve_usd: int, reserve_tokens: int) -> Admission:
        """Reserve the call's estimate in every budget it falls under, or raise BudgetSpent
        when a REJECT budget has been spent (nothing is reserved then)."""
        index = await budget_index()
        if not index:
            return NOTHING
        budgets = [b for key in who.scopes() for b in index.get(key, ())]
        if not budgets:
            return NOTHING
        now = datetime.now(UTC)
        entries = tuple(entry_of(b, now) for b in budgets)
        lines = tuple(e.line(reserve_usd, reserve_tokens) for e in entries)
        refused = await self.ledger.admit(lines, self._seeder(entries))
        if refused is not None:
            raise budget_exceeded(entries[refused], now)
        return Admission(entries, lines)

    async def settle(self, admission: Admission, cost: int | None, tokens: int) -> None:
        """Swap the reservations for what the call cost (None: unpriced, counted as no dollars
        and its tokens), then fire the alerts it crossed."""
        if not admission.lines:
            return
        after = await self.ledger.settle(admission.lines, cost or 0, tokens)
        for entry, spent in zip(admission.entries, after, strict=True):
            await self._alert(entry, spent)

    async def spent(self, budgets: Sequence[BudgetRecord]) -> list[tuple[Entry, Spent]]:
        """Each budget's current period and what it has spent (one ledger step, and at most
        one query for the periods not yet in the ledger)."""
        now = datetime.now(UTC)
        entries = [entry_of(b, now) for b in budgets]
        if not entries:
            return []
        found = await self.ledger.spent([e.line() for e in entries], self._seeder(entries))
        return list(zip(entries, found, strict=True))

    async def reread(self) -> None:
        """Each budget's current spend as the recorded calls of every instance say it (this
        one's written first): how budgets hold across instances on PostgreSQL without Redis,
        whose ledger is each instance's memory. Nothing to do with the Redis ledger."""
        if not isinstance(self.ledger, MemoryLedger):
            return
        held = set(self.ledger.keys())
        if not held:
            return
        now = datetime.now(UTC)
        entries = [
            entry
            for budgets in (await budget_index()).values()
            for entry in (entry_of(b, now) for b in budgets)
            if entry.key in held
        ]
        if not entries:
            return
        await self.flush()
        for entry, spent in zip(entries, await recorded_spend(entries), strict=True):
            self.ledger.reset(entry.key, spent)

    async def reread_forever(self, interval: float) -> None:
        """Every `interval` seconds (SWITCHBOARD_BUDGET_REREAD_SECONDS), reread()."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reread()
            except Exception as exc:  # the database may be away: the next round tries again
                log.warning("Could not re-read the budgets' spend: %s", exc)

    async def _alert(self, entry: Entry, spent: Spent) -> None:
        budget = entry.budget
        if budget.amount_pusd is not None:
            value, amount = spent.usd, budget.amount_pusd
        else:
            value, amount = spent.tokens, budget.amount_tokens or 0
        for percent in budget.alert_at:
            if value * 100 < percent * amount or (entry.key, percent) in self.fired:
                continue
            if len(self.fired) >= MAX_FIRED:
                self.fired.clear()
            self.fired.add((entry.key, percent))
            if await self.ledger.first_alert(entry.key, percent):
                self.alerts.send(Alert(budget, percent, spent, entry.start, entry.end))

    def _seeder(self, entries: Sequence[Entry]) -> Seeder:
        by_key = {e.key: e for e in entries}

        async def seed(keys: Sequence[str]) -> list[Spent]:
            await self.flush()
            return await recorded_spend([by_key[k] for k in keys])

        return seed


async def recorded_spend(entries: Sequence[Entry]) -> list[Spent]:
    """What the recorded calls of each entry's scope spent since its period began (one
    statement)."""
    asked = [
        (
            int(e.start.timestamp() * 1000),
            None if e.budget.scope is Scope.ORGANIZATION else e.budget.scope.value.lower(),
            e.budget.scope_key,
        )
        for e in entries
    ]
    return [Spent(usd, tokens) for usd, tokens in await spent_since(asked)]


class BudgetSpent(Exception):
    """A REJECT budget the call falls under is spent: the message names it and when it resets;
    `retry_after` is the seconds until then."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def budget_exceeded(entry: Entry, now: datetime) -> BudgetSpent:
    budget = entry.budget
    wait = max(1, int((entry.end - now).total_seconds() + 0.999))
    amount = (
        f"${usd_of_picos(budget.amount_pusd):f}"
        if budget.amount_pusd is not None
        else f"{budget.amount_tokens:,} tokens"
    )
    scope = budget.scope.value.lower()
    of = "the organisation" if budget.scope is Scope.ORGANIZATION else f"this {scope}"
    message = (
        f"The budget '{budget.name}' of {of} ({amount} a {budget.period.value.lower()}) is spent; "
        f"calls are refused until it resets at {entry.end.isoformat()} (in {wait} s)."
    )
    return BudgetSpent(message, wait)
