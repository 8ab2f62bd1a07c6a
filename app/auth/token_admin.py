"""Creating and revoking tokens through the API, each with its audit event (audited_write)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.audit.service import Actor, Done, Target, audited_write, set_to
from app.auth.policy import check_limits, check_new_token
from app.auth.service import NO_LIMITS, GatewayLimits, Role, Viewer, issue_token
from app.auth.tokens import hash_token
from app.db.pagination import Listing, OrderKey
from app.db.tables import ApiToken
from app.errors import ProblemsFound, not_found


def token_scope(viewer: Viewer) -> list[Any]:
    """Admins reach every token, members their own."""
    return [] if viewer.is_admin else [ApiToken.user == viewer.user_id]


def token_listing(viewer: Viewer) -> Listing:
    """The tokens this viewer may see, newest first."""
    newest = [
        OrderKey(ApiToken.created_at, descending=True),
        OrderKey(ApiToken.id, descending=True),
    ]
    return Listing(ApiToken, token_scope(viewer), newest)


async def create_token(
    viewer: Viewer,
    actor: Actor,
    name: str,
    role: Role,
    expires_at: datetime | None,
    user: str | None,
    limits: GatewayLimits = NO_LIMITS,
) -> tuple[str, dict[str, Any]]:
    """(the token, shown only now; its row)."""
    problems = check_new_token(viewer, name, role, expires_at, user) + check_limits(limits)
    if problems:
        raise ProblemsFound(problems)
    owner = user.strip() if user else viewer.name

    async def write() -> Done[tuple[str, dict[str, Any]]]:
        token = await issue_token(owner, role, name.strip(), expires_at=expires_at, limits=limits)
        [row] = await ApiToken.select().where(ApiToken.token_hash == hash_token(token))
        expires = expires_at.isoformat() if expires_at else None
        changes = set_to(
            role=role.value,
            owner=owner,
            expiresAt=expires,
            allowedModels=list(limits.allowed_models),
            requestsPerMinute=limits.requests_per_minute,
            tokensPerMinute=limits.tokens_per_minute,
        )
        return Done((token, row), Target("ApiToken", row["id"], row["name"]), changes)

    return await audited_write(ApiToken, actor, "token.create", write)


async def revoke_token(viewer: Viewer, actor: Actor, token_id: uuid.UUID) -> dict[str, Any]:
    """Takes effect on the next request, on every instance."""

    async def write() -> Done[dict[str, Any]]:
        query = ApiToken.update({ApiToken.revoked_at: datetime.now(UTC)}).where(
            ApiToken.id == token_id
        )
        for condition in token_scope(viewer):
            query = query.where(condition)
        if not await query.returning(ApiToken.id):
            raise ProblemsFound([not_found("token")])
        [row] = await ApiToken.select().where(ApiToken.id == token_id)
        target = Target("ApiToken", token_id, row["name"])
        return Done(row, target, set_to(revokedAt=row["revoked_at"].isoformat()))

    return await audited_write(ApiToken, actor, "token.revoke", write)
