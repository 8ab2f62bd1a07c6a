"""Payloads and the rotation input of connection mutations."""

from __future__ import annotations

import strawberry

from app.api.connections.types import LLMConnectionType, Verification
from app.api.dependents.types import DependentType, dependent_of
from app.connections.write_steps import Written
from app.errors import ProblemsFound
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
    def of(cls, written: Written) -> ConnectionPayload:
        verification = written.verification
        return cls(
            connection=LLMConnectionType.of(written.connection),
            verification=Verification.of(verification) if verification else None,
        )

    @classmethod
    def from_problems(cls, found: ProblemsFound) -> ConnectionPayload:
        """A failed verification is reported alongside the userError."""
        verification: VerificationResult | None = found.details.get("verification")
        return cls(
            user_errors=user_errors(found.problems),
            verification=Verification.of(verification) if verification else None,
        )


@strawberry.type
class DeleteConnectionPayload:
    deleted_id: strawberry.ID | None = None
    dependents: list[DependentType] = strawberry.field(
        default_factory=list,
        description="With HAS_DEPENDENTS: what uses the connection. After a delete: what was "
        "moved (reassignTo) or unlinked (force).",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)

    @classmethod
    def from_problems(cls, found: ProblemsFound) -> DeleteConnectionPayload:
        """HAS_DEPENDENTS lists what uses the connection."""
        blocking = found.details.get("dependents", [])
        return cls(
            dependents=[dependent_of(d) for d in blocking], user_errors=user_errors(found.problems)
        )
