"""Who may create which token."""

from __future__ import annotations

from datetime import UTC, datetime

from app.auth.service import Role, Viewer
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
                ("input", "role"), ErrorCode.NOT_ALLOWED, "members can only create MEMBER tokens"
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
