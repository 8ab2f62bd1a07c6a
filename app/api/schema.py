"""The schema, assembled from each domain's query, mutation and subscription mixins (the
modules beside this one), with `node(id:)` over every registered type."""

from __future__ import annotations

import dataclasses
import decimal
import logging
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaskErrors
from strawberry.schema.types.base_scalars import DateTimeDefinition, DecimalDefinition

from app.api.audit import AuditQueries
from app.api.auth import AuthQuery, TokenMutations, TokenQueries, User
from app.api.connections.mutations import ConnectionMutations, RefreshMutations, RevealMutations
from app.api.connections.queries import ConnectionQueries
from app.api.connections.types import LLMConnectionType
from app.api.context import Info
from app.api.dependents.mutations import DependentMutations
from app.api.dependents.queries import DependentQueries
from app.api.dependents.types import EndpointType, WorkspaceType
from app.api.live import LiveSubscriptions
from app.api.model_catalog import Model, ModelMutations, ModelQueries
from app.api.org import SettingsMutations, SettingsQueries
from app.api.providers import ProviderQueries
from app.api.spend import BudgetType, SpendMutations, SpendQueries
from app.api.usage import UsageQueries
from app.budgets import Budgets
from app.errors import Unavailable
from app.graphql.caller_scope import CallerScope
from app.graphql.errors import should_mask
from app.graphql.execution import PlannedExecution
from app.graphql.gate import CostGate
from app.graphql.node import Node, resolve_node
from app.http.failures import UNEXPECTED, masked_extensions
from app.money import usd_text

log = logging.getLogger("switchboard.errors")


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null when it does not exist.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        found: Node | None = await resolve_node(info, id)
        return found


@strawberry.type
class Query(
    NodeQuery,
    AuthQuery,
    TokenQueries,
    ConnectionQueries,
    DependentQueries,
    ModelQueries,
    ProviderQueries,
    SettingsQueries,
    AuditQueries,
    UsageQueries,
    SpendQueries,
):
    pass


@strawberry.type
class Mutation(
    ConnectionMutations,
    RevealMutations,
    DependentMutations,
    RefreshMutations,
    ModelMutations,
    TokenMutations,
    SettingsMutations,
    SpendMutations,
):
    pass


class SwitchboardSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Log each unexpected error once, with its stack trace (the record carries the request
        id). Auth, validation and bad arguments are answers, not incidents."""
        for error in errors:
            if should_mask(error):
                path = ".".join(str(p) for p in error.path or ()) or "-"
                log.error("Unexpected error resolving %s", path, exc_info=error.original_error)


class MaskUnexpectedErrors(MaskErrors):
    """What a client sees of a bug: one message and the request id to quote, nothing else."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message=UNEXPECTED)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = masked_extensions()
        if isinstance(error.original_error, Unavailable):
            masked.message = str(error.original_error)
            masked.extensions["code"] = error.original_error.code
        return masked


@strawberry.type
class Subscription(LiveSubscriptions):
    pass


# Strawberry's DateTime, documented for typed clients: the wire format and its specification.
DATE_TIME = dataclasses.replace(
    DateTimeDefinition,
    description="A moment as an ISO 8601 string with its UTC offset, e.g. "
    '"2026-12-07T10:15:00+00:00" (a JSON string; codegen maps it to string).',
    specified_by_url="https://datatracker.ietf.org/doc/html/rfc3339",
)


def _decimal(value: object) -> decimal.Decimal:
    """A JSON number is read as it is written (0.1 is 0.1, not the float's binary value)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError('Expected a decimal string, e.g. "2.50"')
    try:
        parsed = decimal.Decimal(repr(value) if isinstance(value, float) else value)
    except decimal.InvalidOperation:
        raise ValueError(f"'{value}' is not a decimal number") from None
    return parsed


# Money is exact: a decimal string, never a float, and never in exponent form.
DECIMAL = dataclasses.replace(
    DecimalDefinition,
    description='An exact decimal number as a JSON string, e.g. "0.000125" (money is in USD).',
    serialize=usd_text,
    parse_value=_decimal,
)


def build_schema(introspection: bool = True, budgets: Budgets | None = None) -> strawberry.Schema:
    hardening: list[Any] = [] if introspection else [DisableIntrospection]
    gate = budgets or Budgets()
    return SwitchboardSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        scalar_overrides={datetime: DATE_TIME, decimal.Decimal: DECIMAL},
        types=[LLMConnectionType, User, Model, EndpointType, WorkspaceType, BudgetType],
        execution_context_class=PlannedExecution,
        extensions=[
            # Parses and validates (both cached) only within the budgets.
            lambda: CostGate(gate),
            CallerScope,
            MaskUnexpectedErrors,
            *hardening,
        ],
    )


schema = build_schema()
