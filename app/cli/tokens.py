"""Token commands: `create-token`, `tokens list`, `tokens revoke ID`. Each write goes through
the same service as the API, with its audit event (actor "cli")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.cli.common import database, fail, operator
from app.ids import global_id, uuid_of


async def create_token(user: str, role: str, name: str) -> None:
    from app.auth.service import Role
    from app.auth.token_admin import create_token as create
    from app.errors import ProblemsFound

    viewer, actor = operator()
    async with database():
        try:
            token, _ = await create(viewer, actor, name, Role(role), None, user)
        except ProblemsFound as exc:
            fail("; ".join(problem.message for problem in exc.problems))
    print(token)


def _state(row: dict[str, Any], now: datetime) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["expires_at"] is not None and row["expires_at"] <= now:
        return "expired"
    return "active"


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "-"


async def list_tokens() -> None:
    from app.db.tables import ApiToken

    async with database():
        rows = await ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.user.name.as_alias("user_name"),
            ApiToken.role,
            ApiToken.display_prefix,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
        ).order_by(ApiToken.created_at)
    now = datetime.now(UTC)
    table = [("ID", "NAME", "USER", "ROLE", "PREFIX", "CREATED", "LAST USED", "STATE")]
    for row in rows:
        table.append(
            (
                global_id("ApiToken", row["id"]),
                row["name"],
                row["user_name"],
                row["role"],
                row["display_prefix"],
                _when(row["created_at"]),
                _when(row["last_used_at"]),
                _state(row, now),
            )
        )
    widths = [max(len(str(line[i])) for line in table) for i in range(len(table[0]))]
    for line in table:
        cells = (str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        print("  ".join(cells).rstrip())


def _token_id(given: str) -> uuid.UUID:
    found = uuid_of(given, "ApiToken")
    if found is None:
        try:
            found = uuid.UUID(given)
        except ValueError:
            fail(f"{given!r} is not a token id (tokens list shows them)")
    return found


async def revoke(given: str) -> None:
    from app.auth.token_admin import revoke_token
    from app.errors import ProblemsFound

    viewer, actor = operator()
    async with database():
        try:
            row = await revoke_token(viewer, actor, _token_id(given))
        except ProblemsFound:
            fail(f"no token with id {given!r} (tokens list shows them)")
    print(f"Revoked {row['name']!r}: it is refused from the next request on, on every instance.")
