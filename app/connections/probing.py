"""What a provider probe means for a write: whether one is needed, and how its failure reads."""

from __future__ import annotations

from datetime import UTC, datetime

from app.connections.plan_types import ConnectionPlan
from app.connections.records import ConnectionRecord
from app.errors import ErrorCode, Problem, ProblemsFound
from app.providers.verification import VerificationResult, VerificationStatus


def models_affected(plan: ConnectionPlan, current: ConnectionRecord) -> bool:
    """Whether an edit can change which models the connection serves (then they are fetched
    again before the write)."""
    return (
        (plan.enabled and not current.enabled)
        or plan.credentials_changed
        or plan.base_url != current.base_url
        or plan.auth_method is not current.auth_method
        or plan.config != dict(current.config)
        or plan.prefix_id != current.prefix_id
        or tuple(plan.model_ids) != tuple(current.model_ids)
    )


def verification_failed(result: VerificationResult, outcome: str) -> ProblemsFound:
    message = (
        f"Verification failed ({result.status.value}): {result.message or 'no details'}. {outcome}"
    )
    problem = Problem(("input",), ErrorCode.VERIFICATION_FAILED, message)
    return ProblemsFound([problem], verification=result)


def refused_by_policy(problems: list[Problem]) -> VerificationResult | None:
    """A test that would send stored secrets to a new origin answers BLOCKED_BY_POLICY rather
    than a validation error: the configuration is fine, the test is what is refused."""
    moved = [p for p in problems if p.code is ErrorCode.NOT_ALLOWED and "origin" in p.message]
    if not moved:
        return None
    status = VerificationStatus.BLOCKED_BY_POLICY
    return VerificationResult(status, moved[0].message, None, None, datetime.now(UTC))
