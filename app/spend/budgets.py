"""Budgets: what the calls of a scope (the organisation, a user, a token, a workspace or an
endpoint) may spend in a calendar period, in dollars or in tokens, and what happens when they
have: an alert, or a refusal of every further call until the period resets.

The rules (what a budget may say), its calendar (when a period starts and ends, in its time
zone) and its writes (each with its audit event) live here; what a period has spent lives in
the ledger (app.spend.ledger), and the check before each call in app.spend.control."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.audit.service import Actor, Done, Target, audited_write, diff
from app.db.json_columns import load_json
from app.db.recent import Recent
from app.db.tables import ApiToken, AppUser, Budget, Endpoint, Workspace
from app.errors import Problem, ProblemsFound, invalid, not_found
from app.ids import global_id
from app.money import NotMoney, amount_picos, picos_text
from app.validation import UNSET, Unset, check_name, given


class Scope(Enum):
    ORGANIZATION = "ORGANIZATION"
    USER = "USER"
    TOKEN = "TOKEN"  # noqa: S105 (a scope's name)
    WORKSPACE = "WORKSPACE"
    ENDPOINT = "ENDPOINT"


class Period(Enum):
    DAY = "DAY"
    WEEK = "WEEK"  # from Monday 00:00
    MONTH = "MONTH"


class Action(Enum):
    ALERT = "ALERT"  # calls go on; the webhook hears each threshold crossed
    REJECT = "REJECT"  # and once it is spent, calls are refused until the period resets


# The table a scope's id names, and its type name in global ids.
SCOPE_TABLES: dict[Scope, tuple[Any, str]] = {
    Scope.USER: (AppUser, "User"),
    Scope.TOKEN: (ApiToken, "ApiToken"),
    Scope.WORKSPACE: (Workspace, "Workspace"),
    Scope.ENDPOINT: (Endpoint, "Endpoint"),
}
# What a new budget is unless it says otherwise.
DEFAULT_PERIOD = Period.MONTH
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_ACTION = Action.ALERT
DEFAULT_ALERT_AT = (80, 100)
MAX_THRESHOLDS = 10
MAX_PERCENT = 1000
MAX_TOKENS = 10**15


@dataclass(frozen=True)
class BudgetRecord:
    id: uuid.UUID
    name: str
    scope: Scope
    scope_key: str  # the id as text; '' for the organisation
    amount_pusd: int | None
    amount_tokens: int | None
    period: Period
    time_zone: str
    action: Action
    alert_at: tuple[int, ...]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> BudgetRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            scope=Scope(row["scope"]),
            scope_key=row["scope_key"],
            amount_pusd=row["amount_pusd"],
            amount_tokens=row["amount_tokens"],
            period=Period(row["period"]),
            time_zone=row["time_zone"],
            action=Action(row["action"]),
            alert_at=tuple(load_json(row["alert_at"]) or ()),
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    def scope_id(self) -> str | None:
        """The global ID of the user, token, workspace or endpoint; None for the organisation."""
        found = SCOPE_TABLES.get(self.scope)
        return global_id(found[1], self.scope_key) if found and self.scope_key else None

    def bounds(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        return period_bounds(self.period, self.time_zone, now or datetime.now(UTC))

    def snapshot(self) -> dict[str, Any]:
        """What the audit trail compares."""
        return {
            "name": self.name,
            "scope": self.scope.value,
            "scopeId": self.scope_key or None,
            "amountUsd": None if self.amount_pusd is None else picos_text(self.amount_pusd),
            "amountTokens": self.amount_tokens,
            "period": self.period.value,
            "timeZone": self.time_zone,
            "action": self.action.value,
            "alertAt": list(self.alert_at),
        }


def period_bounds(period: Period, time_zone: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the calendar period holding `now`, in the zone's local time (so a day is
    23 or 25 hours across a change of clocks), as UTC moments."""
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    if period is Period.DAY:
        first, after = today, today + timedelta(days=1)
    elif period is Period.WEEK:
        first = today - timedelta(days=today.weekday())
        after = first + timedelta(days=7)
    else:
        first = today.replace(day=1)
        after = date(first.year + first.month // 12, first.month % 12 + 1, 1)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)

    return midnight(first), midnight(after)


@dataclass
class BudgetInput:
    """createBudget / updateBudget. UNSET: not sent (keep what is stored)."""

    name: str | Unset = UNSET
    scope: Scope | Unset = UNSET
    scope_id: uuid.UUID | Unset | None = UNSET
    amount_usd: str | Unset | None = UNSET
    amount_tokens: int | Unset | None = UNSET
    period: Period | Unset = UNSET
    time_zone: str | Unset | None = UNSET
    action: Action | Unset = UNSET
    alert_at: list[int] | Unset | None = UNSET


def _field(name: str) -> tuple[str, ...]:
    return ("input", name)


def _amounts(data: BudgetInput, current: BudgetRecord | None, problems: list[Problem]) -> Any:
    usd = given(data.amount_usd, None)
    picos = current.amount_pusd if current and isinstance(data.amount_usd, Unset) else None
    if usd is not None:
        try:
            picos = amount_picos(usd)
        except NotMoney as exc:
            problems.append(invalid(_field("amountUsd"), f"amountUsd: {exc}"))
    tokens = given(data.amount_tokens, current.amount_tokens if current else None)
    if tokens is not None and not 0 < tokens <= MAX_TOKENS:
        problems.append(invalid(_field("amountTokens"), "amountTokens: from 1 to 10^15"))
    if picos == 0:
        problems.append(invalid(_field("amountUsd"), "amountUsd: must be more than 0"))
    if (picos is None) == (tokens is None) and not problems:
        message = "give the budget one amount: amountUsd or amountTokens"
        problems.append(invalid(_field("amountUsd"), message))
    return picos, tokens


def _alert_at(data: BudgetInput, current: BudgetRecord | None, problems: list[Problem]) -> Any:
    default = list(current.alert_at if current else DEFAULT_ALERT_AT)
    given_at = given(data.alert_at, default)
    percents = sorted(set(default if given_at is None else given_at))
    if len(percents) > MAX_THRESHOLDS or any(not 0 < p <= MAX_PERCENT for p in percents):
        message = f"alertAt: at most {MAX_THRESHOLDS} percents, each from 1 to {MAX_PERCENT}"
        problems.append(invalid(_field("alertAt"), message))
    return tuple(percents)


def _time_zone(data: BudgetInput, current: BudgetRecord | None, problems: list[Problem]) -> str:
    zone = given(data.time_zone, current.time_zone if current else None) or DEFAULT_TIME_ZONE
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"timeZone: '{zone[:64]}' is not an IANA time zone (e.g. UTC, Europe/Paris)"
        problems.append(invalid(_field("timeZone"), message))
    return zone


async def _scope(data: BudgetInput, current: BudgetRecord | None, problems: list[Problem]) -> Any:
    scope = _kept(data.scope, current.scope if current else Scope.ORGANIZATION)
    kept = current.scope_key if current and current.scope is scope else ""
    key_id = given(data.scope_id, uuid.UUID(kept) if kept else None)
    if scope is Scope.ORGANIZATION:
        if key_id is not None and not isinstance(data.scope_id, Unset):
            problems.append(invalid(_field("scopeId"), "scopeId: the organisation takes none"))
        return scope, ""
    table, _ = SCOPE_TABLES[scope]
    if key_id is None:
        problems.append(invalid(_field("scopeId"), f"scopeId: a {scope.value} budget needs one"))
        return scope, ""
    if not await table.exists().where(table.id == key_id):
        problems.append(not_found(scope.value.lower(), _field("scopeId")))
    return scope, str(key_id)


def _kept(value: Any, fallback: Any) -> Any:
    """A required field of a partial update: what was sent, else (absent or null) the fallback."""
    return given(value, None) or fallback


async def _checked(data: BudgetInput, current: BudgetRecord | None) -> dict[str, Any]:
    problems: list[Problem] = []
    name, message = check_name(given(data.name, current.name if current else "") or "")
    if message:
        problems.append(invalid(_field("name"), message))
    scope, scope_key = await _scope(data, current, problems)
    picos, tokens = _amounts(data, current, problems)
    values = {
        "name": name,
        "scope": scope.value,
        "scope_key": scope_key,
        "amount_pusd": picos,
        "amount_tokens": tokens,
        "period": (
            given(data.period, None) or (current.period if current else DEFAULT_PERIOD)
        ).value,
        "time_zone": _time_zone(data, current, problems),
        "action": (
            given(data.action, None) or (current.action if current else DEFAULT_ACTION)
        ).value,
        "alert_at": json.dumps(_alert_at(data, current, problems)),
    }
    if problems:
        raise ProblemsFound(problems)
    return values


async def fetch_budget(budget_id: uuid.UUID) -> BudgetRecord | None:
    row = await Budget.select().where(Budget.id == budget_id).first()
    return BudgetRecord.of(row) if row else None


async def _found(budget_id: uuid.UUID) -> BudgetRecord:
    found = await fetch_budget(budget_id)
    if found is None:
        raise ProblemsFound([not_found("budget")])
    return found


async def create_budget(actor: Actor, data: BudgetInput) -> BudgetRecord:
    async def write() -> Done[BudgetRecord]:
        values = await _checked(data, None)
        budget_id = uuid.uuid4()
        await Budget.insert(Budget(id=budget_id, **values))
        created = await _found(budget_id)
        target = Target("Budget", budget_id, created.name)
        return Done(created, target, diff(None, created.snapshot()))

    return await audited_write(Budget, actor, "budget.create", write)


async def update_budget(actor: Actor, budget_id: uuid.UUID, data: BudgetInput) -> BudgetRecord:
    async def write() -> Done[BudgetRecord]:
        before = await _found(budget_id)
        values = await _checked(data, before)
        now = datetime.now(UTC)
        changes = {getattr(Budget, k): v for k, v in values.items()}
        await Budget.update(
            {**changes, Budget.version: Budget.version + 1, Budget.updated_at: now}
        ).where(Budget.id == budget_id)
        after = await _found(budget_id)
        target = Target("Budget", budget_id, after.name)
        return Done(after, target, diff(before.snapshot(), after.snapshot()))

    return await audited_write(Budget, actor, "budget.update", write)


async def delete_budget(actor: Actor, budget_id: uuid.UUID) -> BudgetRecord:
    async def write() -> Done[BudgetRecord]:
        before = await _found(budget_id)
        await Budget.delete().where(Budget.id == budget_id)
        target = Target("Budget", budget_id, before.name)
        return Done(before, target, diff(before.snapshot(), None))

    return await audited_write(Budget, actor, "budget.delete", write)


async def list_budgets(scope: Scope | None, scope_key: str | None) -> list[BudgetRecord]:
    query = Budget.select().order_by(Budget.created_at).order_by(Budget.id)
    if scope is not None:
        query = query.where(Budget.scope == scope.value)
    if scope_key is not None:
        query = query.where(Budget.scope_key == scope_key)
    return [BudgetRecord.of(row) for row in await query]


async def visible_to(
    user_id: uuid.UUID | None, admin: bool, budgets: list[BudgetRecord]
) -> list[BudgetRecord]:
    """Admins see every budget; members the organisation's, workspaces' and endpoints', and
    their own and their tokens'."""
    if admin:
        return budgets
    rows = await ApiToken.select(ApiToken.id).where(ApiToken.user == user_id)
    own = {str(user_id), *(str(row["id"]) for row in rows)}
    personal = (Scope.USER, Scope.TOKEN)
    return [b for b in budgets if b.scope not in personal or b.scope_key in own]


# What the gateway checks on every call: every budget by (scope, id), read once and kept.
BudgetIndex = dict[tuple[Scope, str], tuple[BudgetRecord, ...]]
INDEX: Recent[BudgetIndex] = Recent()


async def budget_index() -> BudgetIndex:
    return await INDEX.get("budgets", _load_index)


async def _load_index() -> BudgetIndex:
    index: dict[tuple[Scope, str], list[BudgetRecord]] = {}
    for budget in await list_budgets(None, None):
        index.setdefault((budget.scope, budget.scope_key), []).append(budget)
    return {key: tuple(found) for key, found in index.items()}
