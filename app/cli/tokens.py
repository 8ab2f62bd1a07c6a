"""Token commands: create-token (and the tokens group)."""

from __future__ import annotations

from app.settings import get_settings


async def create_token(user: str, role: str, name: str) -> None:
    from app.auth.service import Role, issue_token
    from app.db.engine import bind_tables, engine_from_url

    bind_tables(engine_from_url(get_settings().database_url))
    token = await issue_token(user, Role(role), name)
    print(token)
