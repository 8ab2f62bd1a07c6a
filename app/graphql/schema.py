"""The schema, assembled from per-domain query and mutation mixins."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from app.audit.graphql import AuditQueries
from app.auth.graphql import AuthQuery, TokenMutations, TokenQueries, User
from app.connections.graphql.mutations import ConnectionMutations
from app.connections.graphql.queries import ConnectionQueries
from app.connections.graphql.reveal import RevealMutations
from app.connections.graphql.types import LLMConnectionType
from app.dependents.graphql.mutations import DependentMutations
from app.dependents.graphql.queries import DependentQueries
from app.dependents.graphql.types import EndpointType, WorkspaceType
from app.graphql.errors import should_mask
from app.graphql.node import NodeQuery
from app.models.graphql import Model, ModelMutations, ModelQueries
from app.org.graphql import SettingsMutations, SettingsQueries
from app.providers.graphql import ProviderQueries

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000


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
):
    pass


@strawberry.type
class Mutation(
    ConnectionMutations,
    RevealMutations,
    DependentMutations,
    ModelMutations,
    TokenMutations,
    SettingsMutations,
):
    pass


class SwitchboardSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Log only unexpected errors: auth, validation and bad arguments are answers."""
        unexpected = [e for e in errors if should_mask(e)]
        if unexpected:
            super().process_errors(unexpected, execution_context)


def build_schema(introspection: bool = True) -> strawberry.Schema:
    hardening: list[Any] = [] if introspection else [DisableIntrospection]
    return SwitchboardSchema(
        query=Query,
        mutation=Mutation,
        types=[LLMConnectionType, User, Model, EndpointType, WorkspaceType],
        extensions=[
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            # Repeated documents skip re-parsing and re-validation.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: MaskErrors(should_mask_error=should_mask, error_message="Unexpected error."),
            *hardening,
        ],
    )


schema = build_schema()
