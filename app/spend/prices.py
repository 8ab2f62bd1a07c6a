"""What a model's tokens cost: an admin's price (for one connection, or every one) wins over the
defaults shipped in default_prices.json (each list with its source and date). A call's cost is
computed once, when it ends, with the price in force then, and stored with it: a later price
never rewrites history. A model no price matches is unpriced, never $0.

Lookups run on every gateway call, so the admin's prices are read once and kept (app.gateway's
Recent: a write here reaches the next call, another instance's within a second)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from app.audit.service import Actor, Done, Target, audited_write, diff
from app.db.deadlines import DatabaseUnavailable
from app.db.recent import Recent
from app.db.tables import LLMConnection, ModelPrice
from app.errors import Problem, ProblemsFound, invalid, not_found
from app.money import NotMoney, price_micros, usd_of_micros, usd_text

DEFAULTS_FILE = Path(__file__).with_name("default_prices.json")
# A dated or pinned release of a listed model costs what the model does ("gpt-4o-2024-08-06",
# "claude-sonnet-4-5-20250929", Vertex's "claude-sonnet-4@20250514"); no other suffix matches,
# so "o3-pro" is never priced as "o3".
RELEASE = re.compile(r"(-\d{4}-\d{2}-\d{2}|-\d{8}|@\d{8}|-latest|-\d{3})$")
NAMESPACES = ("models/", "google/", "publishers/google/models/")  # how Google's APIs name models
ADMIN = "admin"


@dataclass(frozen=True)
class Tokens:
    """A call's tokens as the cost needs them: `input` counts all of the input, the cached and
    cache-written tokens included (as OpenAI and Gemini report it)."""

    input: int = 0
    output: int = 0
    cached: int = 0  # read from the provider's cache
    cache_write: int = 0  # written to it

    @property
    def used(self) -> bool:
        return bool(self.input or self.output)


@dataclass(frozen=True)
class Price:
    model: str
    connection_id: uuid.UUID | None  # None: every connection
    input: int  # micro-dollars per million tokens (= pico-dollars per token)
    output: int
    cached_input: int | None  # None: as the input
    cache_write: int | None
    effective_from: datetime
    source: str  # "admin", or "default (<list> <date>)"

    def cost(self, tokens: Tokens) -> int:
        """Pico-dollars, exactly. Cached and cache-written tokens at their own prices (the
        input's when the price has none: never at $0 for want of one)."""
        cached = min(tokens.cached, tokens.input)
        written = min(tokens.cache_write, tokens.input - cached)
        fresh = tokens.input - cached - written
        cached_price = self.input if self.cached_input is None else self.cached_input
        write_price = self.input if self.cache_write is None else self.cache_write
        return (
            fresh * self.input
            + cached * cached_price
            + written * write_price
            + tokens.output * self.output
        )

    def usd(self) -> dict[str, Any]:
        """The four prices in dollars per million tokens (None where not set)."""
        return {
            "input": usd_of_micros(self.input),
            "output": usd_of_micros(self.output),
            "cached_input": None if self.cached_input is None else usd_of_micros(self.cached_input),
            "cache_write": None if self.cache_write is None else usd_of_micros(self.cache_write),
        }


@dataclass(frozen=True)
class DefaultList:
    name: str
    providers: frozenset[str]
    prices: dict[str, Price]


@cache
def default_lists() -> tuple[DefaultList, ...]:
    document = json.loads(DEFAULTS_FILE.read_text())
    lists = []
    for listed in document["lists"]:
        since = datetime.fromisoformat(listed["date"]).replace(tzinfo=UTC)
        source = f"default ({listed['name']} {listed['date']})"
        prices = {
            model: Price(
                model=model,
                connection_id=None,
                input=price_micros(p["input"]),
                output=price_micros(p["output"]),
                cached_input=price_micros(p["cachedInput"]) if "cachedInput" in p else None,
                cache_write=price_micros(p["cacheWrite"]) if "cacheWrite" in p else None,
                effective_from=since,
                source=source,
            )
            for model, p in listed["models"].items()
        }
        lists.append(DefaultList(listed["name"], frozenset(listed["providers"]), prices))
    return tuple(lists)


def _names(model: str) -> list[str]:
    """The model as sent upstream, and without a Google namespace."""
    names = [model]
    for namespace in NAMESPACES:
        if model.startswith(namespace):
            names.append(model.removeprefix(namespace))
    return names


def default_price(provider: str, model: str) -> Price | None:
    for listed in default_lists():
        if provider not in listed.providers:
            continue
        for name in _names(model):
            found = listed.prices.get(name) or listed.prices.get(RELEASE.sub("", name))
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class PriceBook:
    """The admin's prices, by (connection id or '*', model)."""

    admin: dict[tuple[str, str], Price]

    def price_of(self, provider: str, connection_id: str, model: str) -> Price | None:
        """The price in force for a model served by a connection: the admin's for that
        connection, the admin's for every connection, then the defaults for its provider."""
        for name in _names(model):
            for key in ((connection_id, name), ("*", name)):
                found = self.admin.get(key)
                if found is not None:
                    return found
        return default_price(provider, model)

    def cost(self, provider: str, connection_id: str, model: str, tokens: Tokens) -> int | None:
        """Pico-dollars; None when tokens were used and no price is known."""
        if not tokens.used:
            return 0
        price = self.price_of(provider, connection_id, model)
        return None if price is None else price.cost(tokens)


BOOK: Recent[PriceBook] = Recent()
_last_read: list[PriceBook] = []  # the latest book read, for a database that stops answering


async def price_book() -> PriceBook:
    """The admin's prices; when the database does not answer, the last ones read (a call that
    has been answered is costed all the same, never failed for it)."""
    try:
        book = await BOOK.get("prices", _load_book)
    except DatabaseUnavailable:
        if not _last_read:
            raise
        return _last_read[0]
    _last_read[:] = [book]
    return book


async def _load_book() -> PriceBook:
    rows = await ModelPrice.select()
    prices = [_price(row) for row in rows]
    return PriceBook({(str(p.connection_id or "*"), p.model): p for p in prices})


def _price(row: dict[str, Any]) -> Price:
    return Price(
        model=row["model"],
        connection_id=row["connection"],
        input=row["input_per_mtok"],
        output=row["output_per_mtok"],
        cached_input=row["cached_input_per_mtok"],
        cache_write=row["cache_write_per_mtok"],
        effective_from=row["effective_from"],
        source=ADMIN,
    )


async def admin_prices() -> list[Price]:
    return list((await _load_book()).admin.values())


async def listed_prices(model: str | None, connection_id: uuid.UUID | None) -> list[Price]:
    """The admin's prices, then the defaults they do not replace; narrowed to a model (as
    sent upstream) and to what applies to one connection (its own, every connection's, and
    its provider's defaults)."""
    book = await _load_book()
    admin = [
        p
        for p in book.admin.values()
        if (model is None or p.model == model)
        and (connection_id is None or p.connection_id in (None, connection_id))
    ]
    providers: set[str] | None = None
    if connection_id is not None:
        rows = await LLMConnection.select(LLMConnection.provider).where(
            LLMConnection.id == connection_id
        )
        providers = {row["provider"] for row in rows}
    replaced = {p.model for p in admin if p.connection_id is None}
    defaults = [
        price
        for listed in default_lists()
        if providers is None or listed.providers & providers
        for price in listed.prices.values()
        if (model is None or price.model == model) and price.model not in replaced
    ]
    admin.sort(key=lambda p: (p.model, str(p.connection_id or "")))
    return admin + defaults


@dataclass(frozen=True)
class PriceInput:
    model: str
    connection_id: uuid.UUID | None
    input: str
    output: str
    cached_input: str | None = None
    cache_write: str | None = None


def _micros(value: str | None, field: str, problems: list[Problem]) -> int | None:
    if value is None:
        return None
    try:
        return price_micros(value)
    except NotMoney as exc:
        problems.append(invalid(("input", field), f"{field}: {exc}"))
        return None


def _checked(data: PriceInput) -> dict[str, Any]:
    problems: list[Problem] = []
    model = data.model.strip()
    if not model or len(model) > 300:
        problems.append(invalid(("input", "model"), "model: 1 to 300 characters"))
    values = {
        "input_per_mtok": _micros(data.input, "inputPerMTok", problems),
        "output_per_mtok": _micros(data.output, "outputPerMTok", problems),
        "cached_input_per_mtok": _micros(data.cached_input, "cachedInputPerMTok", problems),
        "cache_write_per_mtok": _micros(data.cache_write, "cacheWritePerMTok", problems),
    }
    if problems:
        raise ProblemsFound(problems)
    return {"model": model, **values}


def _snapshot(price: Price | None) -> dict[str, Any] | None:
    if price is None:
        return None
    return {k: None if v is None else usd_text(v) for k, v in price.usd().items()}


async def set_price(actor: Actor, data: PriceInput) -> Price:
    """Set (or replace) the admin's price for a model, in force from now; audited."""
    values = _checked(data)
    key = f"{data.connection_id or '*'}:{values['model']}"

    async def write() -> Done[Price]:
        if data.connection_id is not None:
            exists = await LLMConnection.exists().where(LLMConnection.id == data.connection_id)
            if not exists:
                raise ProblemsFound([not_found("connection", ("input", "connectionId"))])
        found = await ModelPrice.select().where(ModelPrice.price_key == key).first()
        before = _price(found) if found else None
        now = datetime.now(UTC)
        columns = {**values, "effective_from": now}
        if found:
            await ModelPrice.update({getattr(ModelPrice, k): v for k, v in columns.items()}).where(
                ModelPrice.price_key == key
            )
        else:
            row = ModelPrice(price_key=key, connection=data.connection_id, **columns)
            await ModelPrice.insert(row)
        after = _price({**columns, "connection": data.connection_id})
        target = Target("ModelPrice", None, _target_name(after))
        return Done(after, target, diff(_snapshot(before), _snapshot(after)))

    return await audited_write(ModelPrice, actor, "price.set", write)


async def delete_price(actor: Actor, model: str, connection_id: uuid.UUID | None) -> Price:
    """Remove the admin's price: the model's default (if any) is in force again; audited."""
    key = f"{connection_id or '*'}:{model.strip()}"

    async def write() -> Done[Price]:
        found = await ModelPrice.select().where(ModelPrice.price_key == key).first()
        if not found:
            raise ProblemsFound([not_found("admin price for this model", ("model",))])
        await ModelPrice.delete().where(ModelPrice.price_key == key)
        price = _price(found)
        target = Target("ModelPrice", None, _target_name(price))
        return Done(price, target, diff(_snapshot(price), None))

    return await audited_write(ModelPrice, actor, "price.delete", write)


def _target_name(price: Price) -> str:
    return price.model if price.connection_id is None else f"{price.model} @ {price.connection_id}"
