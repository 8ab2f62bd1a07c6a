"""Who may create which token."""

from __future__ import annotations

from datetime import UTC, datetime

from app.auth.service import GatewayLimits, Role, Viewer
from app.errors import ErrorCode, Problem, invalid
from app.validation import check_name


def check_new_token(
    viewer: Viewer, name: str, role: Role, expires_at: datetime | None, user: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    _, message = check_name(name)
    if message:
        problems.append(invalid(("input", "name"), message))
    if expires_at is not None:
        aware = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
        if aware <= datetime.now(UTC):
            problems.append(invalid(("input", "expiresAt"), "expiresAt must be in the future"))
    if not viewer.is_admin and role is Role.ADMIN:
        problems.append(
            Problem(
                ("input", "role"),
                ErrorCode.NOT_ALLOWED,
                "members can only create MEMBER or CALLER tokens",
            )
        )
    if not viewer.is_admin and user and user.strip().casefold() != viewer.name.casefold():
        problems.append(
            Problem(
                ("input", "user"), ErrorCode.NOT_ALLOWED, "members can only create their own tokens"
            )
        )
    if user is not None:
        _, message = check_name(user)
        if message:
            problems.append(invalid(("input", "user"), message.replace("name", "user", 1)))
    return problems


ALLOWED_MODELS_MAX = 100
ALLOWED_MODEL_MAX_LENGTH = 300
LIMIT_MAX = 1_000_000_000


def check_limits(limits: GatewayLimits) -> list[Problem]:
    """allowedModels: names or ids without spaces; per-minute limits: positive whole numbers."""
    problems: list[Problem] = []
    names = limits.allowed_models
    if len(names) > ALLOWED_MODELS_MAX or any(
        not name or len(name) > ALLOWED_MODEL_MAX_LENGTH or name != name.strip() for name in names
    ):
        message = (
            f"allowedModels takes at most {ALLOWED_MODELS_MAX} endpoint names or model ids, "
            f"each 1-{ALLOWED_MODEL_MAX_LENGTH} characters without surrounding spaces"
        )
        problems.append(invalid(("input", "allowedModels"), message))
    for field, value in (
        ("requestsPerMinute", limits.requests_per_minute),
        ("tokensPerMinute", limits.tokens_per_minute),
    ):
        if value is not None and not 1 <= value <= LIMIT_MAX:
            problems.append(invalid(("input", field), f"{field} must be 1-{LIMIT_MAX} (or null)"))
    return problems
