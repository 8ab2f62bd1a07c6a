"""Users and their API tokens: authentication, creation, revocation and the first admin."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from app.auth.tokens import display_prefix, generate_token, hash_token
from app.db.json_columns import load_json
from app.db.pagination import Listing, OrderKey
from app.db.tables import ApiToken, AppUser
from app.db.versions import read_version

LAST_USED_RESOLUTION = timedelta(seconds=60)  # at most one last-used write a minute per token


class Role(Enum):
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    CALLER = "CALLER"  # the gateway and `viewer`, nothing else: the key an application is given


@dataclass(frozen=True)
class GatewayLimits:
    """What a token may call through the gateway, and how often."""

    allowed_models: tuple[str, ...] = ()  # endpoint names or model ids; empty: all it can see
    requests_per_minute: int | None = None
    tokens_per_minute: int | None = None


NO_LIMITS = GatewayLimits()


@dataclass(frozen=True)
class Viewer:
    """Who is making the request, and with what role (the token's)."""

    user_id: uuid.UUID
    name: str
    role: Role
    token_id: uuid.UUID
    token_hash: str = ""
    limits: GatewayLimits = NO_LIMITS
    expires_at: datetime | None = None

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC))

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_caller(self) -> bool:
        return self.role is Role.CALLER


@dataclass(frozen=True)
class UserRecord:
    id: uuid.UUID
    name: str
    role: Role


@dataclass
class _Known:
    """A viewer read at a cache version, with what a cache hit must still check itself."""

    version: int
    viewer: Viewer
    last_used_at: datetime | None


_KNOWN: dict[str, _Known] = {}
MAX_KNOWN = 10_000


async def authenticate(token: str, version: int | None = None) -> Viewer | None:
    """The viewer for a bearer token, or None when it is unknown, revoked or expired.

    A viewer read before is used again while the cache version (app.db.versions, read now
    unless the caller just did) has not moved: every revocation moves it in its transaction,
    so a revocation holds on the next request on every instance. Unknown tokens are never
    remembered.
    """
    version = await read_version() if version is None else version
    token_hash = hash_token(token)
    now = datetime.now(UTC)
    known = _KNOWN.get(token_hash)
    if known is None or known.version != version:
        known = await _read_token(token_hash, version)
        if known is None:
            return None
    if known.viewer.expired(now):
        return None
    if known.last_used_at is None or now - known.last_used_at > LAST_USED_RESOLUTION:
        await ApiToken.update({ApiToken.last_used_at: now}).where(
            ApiToken.id == known.viewer.token_id
        )
        known.last_used_at = now
    return known.viewer


async def _read_token(token_hash: str, version: int) -> _Known | None:
    rows = await ApiToken.select(
        ApiToken.id,
        ApiToken.role,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        ApiToken.allowed_models,
        ApiToken.requests_per_minute,
        ApiToken.tokens_per_minute,
        ApiToken.user.id.as_alias("user_id"),
        ApiToken.user.name.as_alias("user_name"),
    ).where(ApiToken.token_hash == token_hash)
    if not rows or rows[0]["revoked_at"] is not None:
        return None
    row = rows[0]
    limits = GatewayLimits(
        tuple(load_json(row["allowed_models"]) or ()),
        row["requests_per_minute"],
        row["tokens_per_minute"],
    )
    viewer = Viewer(
        row["user_id"],
        row["user_name"],
        Role(row["role"]),
        row["id"],
        token_hash,
        limits,
        row["expires_at"],
    )
    if len(_KNOWN) >= MAX_KNOWN:
        _KNOWN.clear()
    _KNOWN[token_hash] = _Known(version, viewer, row["last_used_at"])
    return _KNOWN[token_hash]


async def ensure_user(name: str) -> uuid.UUID:
    key = name.casefold()
    rows = await AppUser.select(AppUser.id).where(AppUser.name_key == key)
    if rows:
        user_id: uuid.UUID = rows[0]["id"]
        return user_id
    user = AppUser(name=name, name_key=key)
    await user.save()
    return user.id


async def issue_token(
    user_name: str,
    role: Role,
    token_name: str,
    token: str | None = None,
    expires_at: datetime | None = None,
    limits: GatewayLimits = NO_LIMITS,
) -> str:
    """Create a token for the user (created if new); return its plaintext, shown only now."""
    user_id = await ensure_user(user_name)
    plaintext = token or generate_token()
    await ApiToken.insert(
        ApiToken(
            user=user_id,
            name=token_name,
            role=role.value,
            token_hash=hash_token(plaintext),
            display_prefix=display_prefix(plaintext),
            expires_at=expires_at,
            allowed_models=json.dumps(list(limits.allowed_models)),
            requests_per_minute=limits.requests_per_minute,
            tokens_per_minute=limits.tokens_per_minute,
        )
    )
    return plaintext


async def bootstrap_admin(preset_token: str | None) -> str | None:
    """On a first start (no tokens at all) create the admin token; return it, else None."""
    if await ApiToken.count() > 0:
        return None
    return await issue_token("admin", Role.ADMIN, "bootstrap admin token", preset_token)


def user_listing() -> Listing:
    """Everyone who holds tokens, by name."""
    return Listing(AppUser, [], [OrderKey(AppUser.name_key), OrderKey(AppUser.id)])


async def load_users(ids: list[uuid.UUID]) -> list[UserRecord | None]:
    """DataLoader batch: users with their highest active role (two queries for any number)."""
    users = await AppUser.select(AppUser.id, AppUser.name).where(AppUser.id.is_in(ids))
    admins = await ApiToken.select(ApiToken.user).where(
        ApiToken.user.is_in(ids)
        & (ApiToken.role == Role.ADMIN.value)
        & ApiToken.revoked_at.is_null()
    )
    admin_ids = {row["user"] for row in admins}
    by_id = {
        row["id"]: UserRecord(
            row["id"], row["name"], Role.ADMIN if row["id"] in admin_ids else Role.MEMBER
        )
        for row in users
    }
    return [by_id.get(user_id) for user_id in ids]


async def load_tokens(ids: list[uuid.UUID]) -> list[dict[str, Any] | None]:
    """DataLoader batch: token rows by id (one query for any number; never the hash)."""
    rows = await ApiToken.select(
        *(column for column in ApiToken._meta.columns if column is not ApiToken.token_hash)
    ).where(ApiToken.id.is_in(ids))
    by_id = {row["id"]: row for row in rows}
    return [by_id.get(token_id) for token_id in ids]
