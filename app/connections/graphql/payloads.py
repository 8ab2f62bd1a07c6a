"""Payloads and the rotation input of connection mutations."""

from __future__ import annotations

import strawberry

from app.connections.graphql.inputs import CustomHeaderInput
from app.connections.graphql.types import LLMConnectionType, Verification
from app.connections.service import Outcome
from app.dependents.graphql.types import DependentType
from app.errors import not_found
from app.graphql.errors import UserError, user_errors
from app.providers.verification import VerificationResult


@strawberry.type
class ConnectionPayload:
    connection: LLMConnectionType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
    verification: Verification | None = strawberry.field(
        default=None, description="Set when the mutation tested something."
    )

    @classmethod
    def of(
        cls, outcome: Outcome, verification: VerificationResult | None = None
    ) -> ConnectionPayload:
        return cls(
            connection=LLMConnectionType.of(outcome.connection) if outcome.connection else None,
            user_errors=user_errors(outcome.problems),
            verification=Verification.of(verification) if verification else None,
        )

    @classmethod
    def missing(cls) -> ConnectionPayload:
        return cls(user_errors=user_errors([not_found("connection")]))


@strawberry.type
class DeleteConnectionPayload:
    deleted_id: strawberry.ID | None = None
    dependents: list[DependentType] = strawberry.field(
        default_factory=list,
        description="With HAS_DEPENDENTS: what uses the connection. After a delete: what was "
        "moved (reassignTo) or unlinked (force).",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RotateCredentialsInput:
    api_key: str | None = None
    service_account_json: str | None = None
    custom_headers: list[CustomHeaderInput] | None = strawberry.field(
        default=None, description="The new header list; a null value keeps that header's value."
    )
    verify: bool = strawberry.field(
        default=True, description="Test the new secrets first; if they fail, the old ones stay."
    )
