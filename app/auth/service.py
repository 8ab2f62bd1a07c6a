"""Users and their API tokens: authentication, creation and the first admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from app.auth.tokens import display_prefix, generate_token, hash_token
from app.db.tables import ApiToken, AppUser


class Role(Enum):
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"


@dataclass(frozen=True)
class Viewer:
    """Who is making the request."""

    user_id: uuid.UUID
    name: str
    role: Role
    token_id: uuid.UUID

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


async def authenticate(token: str) -> Viewer | None:
    """The viewer for a bearer token, or None when it is unknown, revoked or expired."""
    rows = await ApiToken.select(
        ApiToken.id,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.user.id.as_alias("user_id"),
        ApiToken.user.name.as_alias("user_name"),
        ApiToken.user.role.as_alias("user_role"),
    ).where(ApiToken.token_hash == hash_token(token))
    if not rows:
        return None
    row = rows[0]
    now = datetime.now(UTC)
    if row["revoked_at"] is not None or (row["expires_at"] and row["expires_at"] <= now):
        return None
    return Viewer(
        user_id=row["user_id"],
        name=row["user_name"],
        role=Role(row["user_role"]),
        token_id=row["id"],
    )


async def ensure_user(name: str, role: Role) -> uuid.UUID:
    key = name.casefold()
    rows = await AppUser.select(AppUser.id).where(AppUser.name_key == key)
    if rows:
        user_id: uuid.UUID = rows[0]["id"]
        await AppUser.update({AppUser.role: role.value}).where(AppUser.id == user_id)
        return user_id
    user = AppUser(name=name, name_key=key, role=role.value)
    await user.save()
    return user.id


async def issue_token(user_name: str, role: Role, token_name: str, token: str | None = None) -> str:
    """Create a token for the user (created if new); return its plaintext, shown only now."""
    user_id = await ensure_user(user_name, role)
    plaintext = token or generate_token()
    await ApiToken.insert(
        ApiToken(
            user=user_id,
            name=token_name,
            token_hash=hash_token(plaintext),
            display_prefix=display_prefix(plaintext),
        )
    )
    return plaintext


async def bootstrap_admin(preset_token: str | None) -> str | None:
    """On a first start (no tokens at all) create the admin token; return it, else None."""
    if await ApiToken.count() > 0:
        return None
    return await issue_token("admin", Role.ADMIN, "bootstrap admin token", preset_token)


@dataclass(frozen=True)
class UserRecord:
    id: uuid.UUID
    name: str
    role: Role


async def load_users(ids: list[uuid.UUID]) -> list[UserRecord | None]:
    """DataLoader batch function: one query for every user a response mentions."""
    rows = await AppUser.select(AppUser.id, AppUser.name, AppUser.role).where(AppUser.id.is_in(ids))
    by_id = {row["id"]: UserRecord(row["id"], row["name"], Role(row["role"])) for row in rows}
    return [by_id.get(user_id) for user_id in ids]
