"""Prices and budgets over GraphQL: `modelPrices`, `setModelPrice`, `deleteModelPrice`;
`budgets`, `createBudget`, `updateBudget`, `deleteBudget`. Admins change them; everyone reads
prices, and members read the budgets that bound their own calls."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from app.api.context import Info
from app.graphql.arguments import NO_SUCH, id_of, optional_id, sent
from app.graphql.errors import UserError, maps_problems
from app.graphql.node import Node, register_node, to_global_id
from app.graphql.permissions import ADMIN_ONLY
from app.ids import uuid_of
from app.money import usd_of_picos
from app.spend import budgets as rules
from app.spend import prices
from app.spend.control import Entry
from app.spend.ledger import Spent
from app.validation import UNSET

if TYPE_CHECKING:
    from app.api.connections.types import LLMConnectionType

CONNECTION_TYPES = "app.api.connections.types"


@strawberry.type(name="ModelPrice", description="What a model's tokens cost, in USD per million.")
class ModelPriceType:
    model: str = strawberry.field(description="The model id as sent to the provider.")
    connection_id: strawberry.ID | None = strawberry.field(
        description="The connection it prices; null: every connection."
    )
    input_per_m_tok: Decimal = strawberry.field(name="inputPerMTok")
    output_per_m_tok: Decimal = strawberry.field(name="outputPerMTok")
    cached_input_per_m_tok: Decimal | None = strawberry.field(
        name="cachedInputPerMTok", description="Input read from the cache; null: as input."
    )
    cache_write_per_m_tok: Decimal | None = strawberry.field(
        name="cacheWritePerMTok", description="Input written to the cache; null: as input."
    )
    effective_from: datetime
    source: str | None = strawberry.field(
        description='"admin", or "default (<list> <date>)" for a shipped price.'
    )

    @strawberry.field(description="The connection it prices; null: every connection.")
    async def connection(
        self, info: Info
    ) -> Annotated[LLMConnectionType, strawberry.lazy(CONNECTION_TYPES)] | None:
        from app.api.connections.types import LLMConnectionType  # it shows prices' users too

        if self.connection_id is None:
            return None
        found = await info.context.loaders["connections"].load(
            uuid_of(self.connection_id, "LLMConnection")
        )
        return LLMConnectionType.of(found) if found else None

    @classmethod
    def of(cls, price: prices.Price) -> ModelPriceType:
        usd = price.usd()
        return cls(
            model=price.model,
            connection_id=(
                to_global_id("LLMConnection", price.connection_id) if price.connection_id else None
            ),
            input_per_m_tok=usd["input"],
            output_per_m_tok=usd["output"],
            cached_input_per_m_tok=usd["cached_input"],
            cache_write_per_m_tok=usd["cache_write"],
            effective_from=price.effective_from,
            source=price.source,
        )


@strawberry.input(description="A price per million tokens, in USD (up to 6 decimals).")
class SetModelPriceInput:
    model: str = strawberry.field(description="The model id as sent to the provider.")
    connection_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only for this connection; absent: every connection."
    )
    input_per_m_tok: Decimal = strawberry.field(name="inputPerMTok")
    output_per_m_tok: Decimal = strawberry.field(name="outputPerMTok")
    cached_input_per_m_tok: Decimal | None = strawberry.field(
        default=None, name="cachedInputPerMTok"
    )
    cache_write_per_m_tok: Decimal | None = strawberry.field(default=None, name="cacheWritePerMTok")


@strawberry.type
class ModelPricePayload:
    model_price: ModelPriceType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


BudgetScope = strawberry.enum(rules.Scope, name="BudgetScope")
BudgetPeriod = strawberry.enum(
    rules.Period, name="BudgetPeriod", description="Calendar periods; WEEK starts on Monday."
)
BudgetAction = strawberry.enum(rules.Action, name="BudgetAction")


@strawberry.type(name="Budget", description="What a scope's gateway calls may spend per period.")
class BudgetType(Node):
    name: str
    scope: BudgetScope  # type: ignore[valid-type]
    scope_id: strawberry.ID | None = strawberry.field(
        description="The user, token, workspace or endpoint; null for the organisation."
    )
    amount_usd: Decimal | None
    amount_tokens: int | None = strawberry.field(description="Input plus output tokens.")
    period: BudgetPeriod  # type: ignore[valid-type]
    time_zone: str = strawberry.field(description="Where the period's calendar is (IANA).")
    action: BudgetAction  # type: ignore[valid-type]
    alert_at: list[int] = strawberry.field(description="Percents of the amount that alert.")
    spent_usd: Decimal = strawberry.field(description="This period, priced calls only.")
    spent_tokens: int
    remaining_usd: Decimal | None = strawberry.field(
        description="Null for a budget in tokens; 0 once spent."
    )
    remaining_tokens: int | None
    period_start: datetime
    resets_at: datetime
    version: int

    @classmethod
    def of(cls, entry: Entry, spent: Spent) -> BudgetType:
        b = entry.budget
        remaining_usd = None
        if b.amount_pusd is not None:
            remaining_usd = usd_of_picos(max(0, b.amount_pusd - spent.usd))
        remaining_tokens = None
        if b.amount_tokens is not None:
            remaining_tokens = max(0, b.amount_tokens - spent.tokens)
        scope_id = b.scope_id()
        return cls(
            id=to_global_id("Budget", b.id),
            name=b.name,
            scope=b.scope,
            scope_id=strawberry.ID(scope_id) if scope_id else None,
            amount_usd=None if b.amount_pusd is None else usd_of_picos(b.amount_pusd),
            amount_tokens=b.amount_tokens,
            period=b.period,
            time_zone=b.time_zone,
            action=b.action,
            alert_at=list(b.alert_at),
            spent_usd=usd_of_picos(spent.usd),
            spent_tokens=spent.tokens,
            remaining_usd=remaining_usd,
            remaining_tokens=remaining_tokens,
            period_start=entry.start,
            resets_at=entry.end,
            version=b.version,
        )


@strawberry.input(description="One amount: amountUsd or amountTokens.")
class CreateBudgetInput:
    name: str
    scope: BudgetScope  # type: ignore[valid-type]
    scope_id: strawberry.ID | None = None
    amount_usd: Decimal | None = None
    amount_tokens: int | None = None
    period: BudgetPeriod = rules.DEFAULT_PERIOD  # type: ignore[valid-type]
    time_zone: str = rules.DEFAULT_TIME_ZONE
    action: BudgetAction = rules.DEFAULT_ACTION  # type: ignore[valid-type]
    alert_at: list[int] = strawberry.field(default_factory=lambda: list(rules.DEFAULT_ALERT_AT))


@strawberry.input(description="Partial: an absent field is unchanged.")
class UpdateBudgetInput:
    name: strawberry.Maybe[str | None]
    scope: strawberry.Maybe[BudgetScope | None]  # type: ignore[valid-type]
    scope_id: strawberry.Maybe[strawberry.ID | None]
    amount_usd: strawberry.Maybe[Decimal | None]
    amount_tokens: strawberry.Maybe[int | None]
    period: strawberry.Maybe[BudgetPeriod | None]  # type: ignore[valid-type]
    time_zone: strawberry.Maybe[str | None]
    action: strawberry.Maybe[BudgetAction | None]  # type: ignore[valid-type]
    alert_at: strawberry.Maybe[list[int] | None]


@strawberry.type
class BudgetPayload:
    budget: BudgetType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteBudgetPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _scope_key(scope: rules.Scope | None, global_id: str | None) -> uuid.UUID | None:
    if global_id is None:
        return None
    found = rules.SCOPE_TABLES.get(scope) if scope else None
    type_names = [found[1]] if found else [t for _, t in rules.SCOPE_TABLES.values()]
    for type_name in type_names:
        parsed = uuid_of(global_id, type_name)
        if parsed is not None:
            return parsed
    return NO_SUCH


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


async def budget_types(info: Info, budgets: Sequence[rules.BudgetRecord]) -> list[BudgetType]:
    """Each with its period's spend (one ledger step for the whole list)."""
    found = await info.context.services.spend.spent(budgets)
    return [BudgetType.of(entry, spent) for entry, spent in found]


async def _visible(info: Info, budgets: list[rules.BudgetRecord]) -> list[rules.BudgetRecord]:
    viewer = info.context.viewer
    return await rules.visible_to(viewer.user_id, viewer.is_admin, budgets)


@register_node("Budget")
async def resolve_budget(info: Info, global_id: str) -> BudgetType | None:
    budget_id = uuid_of(global_id, "Budget")
    found = await rules.fetch_budget(budget_id) if budget_id else None
    shown = await budget_types(info, await _visible(info, [found] if found else []))
    return shown[0] if shown else None


@strawberry.type
class SpendQueries:
    @strawberry.field(
        description="Prices in force: the admin's, then the shipped defaults they do not "
        "replace. `model` as sent upstream; `connectionId`: those that apply to it."
    )
    async def model_prices(
        self, info: Info, model: str | None = None, connection_id: strawberry.ID | None = None
    ) -> list[ModelPriceType]:
        connection = optional_id(connection_id, "LLMConnection")
        return [ModelPriceType.of(p) for p in await prices.listed_prices(model, connection)]

    @strawberry.field(description="Budgets, oldest first, each with this period's spend.")
    async def budgets(
        self,
        info: Info,
        scope: BudgetScope | None = None,  # type: ignore[valid-type]
        scope_id: strawberry.ID | None = None,
    ) -> list[BudgetType]:
        key = _scope_key(scope, scope_id)
        found = await rules.list_budgets(scope, None if key is None else str(key))
        return await budget_types(info, await _visible(info, found))


@strawberry.type
class SpendMutations:
    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def set_model_price(self, info: Info, input: SetModelPriceInput) -> ModelPricePayload:
        data = prices.PriceInput(
            model=input.model,
            connection_id=optional_id(input.connection_id, "LLMConnection"),
            input=str(input.input_per_m_tok),
            output=str(input.output_per_m_tok),
            cached_input=_text(input.cached_input_per_m_tok),
            cache_write=_text(input.cache_write_per_m_tok),
        )
        price = await prices.set_price(info.context.actor, data)
        return ModelPricePayload(model_price=ModelPriceType.of(price))

    @strawberry.mutation(
        permission_classes=ADMIN_ONLY,
        description="Remove the admin's price: the shipped default, if any, is in force again.",
    )
    @maps_problems
    async def delete_model_price(
        self, info: Info, model: str, connection_id: strawberry.ID | None = None
    ) -> ModelPricePayload:
        connection = optional_id(connection_id, "LLMConnection")
        price = await prices.delete_price(info.context.actor, model, connection)
        return ModelPricePayload(model_price=ModelPriceType.of(price))

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def create_budget(self, info: Info, input: CreateBudgetInput) -> BudgetPayload:
        data = rules.BudgetInput(
            name=input.name,
            scope=input.scope,
            scope_id=_scope_key(input.scope, input.scope_id),
            amount_usd=_text(input.amount_usd),
            amount_tokens=input.amount_tokens,
            period=input.period,
            time_zone=input.time_zone,
            action=input.action,
            alert_at=list(input.alert_at),
        )
        created = await rules.create_budget(info.context.actor, data)
        return BudgetPayload(budget=(await budget_types(info, [created]))[0])

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def update_budget(
        self, info: Info, id: strawberry.ID, input: UpdateBudgetInput
    ) -> BudgetPayload:
        scope = sent(input.scope)
        scope_id = sent(input.scope_id)
        data = rules.BudgetInput(
            name=sent(input.name),
            scope=scope,
            scope_id=(
                scope_id
                if scope_id is UNSET
                else _scope_key(None if scope is UNSET else scope, scope_id)
            ),
            amount_usd=sent(input.amount_usd, _text),
            amount_tokens=sent(input.amount_tokens),
            period=sent(input.period),
            time_zone=sent(input.time_zone),
            action=sent(input.action),
            alert_at=sent(input.alert_at),
        )
        budget_id = id_of(id, "Budget")
        updated = await rules.update_budget(info.context.actor, budget_id, data)
        return BudgetPayload(budget=(await budget_types(info, [updated]))[0])

    @strawberry.mutation(permission_classes=ADMIN_ONLY)
    @maps_problems
    async def delete_budget(self, info: Info, id: strawberry.ID) -> DeleteBudgetPayload:
        budget_id = id_of(id, "Budget")
        deleted = await rules.delete_budget(info.context.actor, budget_id)
        return DeleteBudgetPayload(deleted_id=to_global_id("Budget", deleted.id))
