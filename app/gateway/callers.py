"""Who is calling the gateway: a Switchboard token (ADMIN, MEMBER or CALLER) sent as
`Authorization: Bearer` or `x-api-key`, what it may see, and which models it may name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.auth.service import Viewer, authenticate
from app.auth.tokens import bearer_token, hash_token
from app.connections.access import can_see
from app.connections.records import ConnectionRecord
from app.db.recent import Recent
from app.gateway.errors import GatewayError, invalid_api_key
from app.org.settings import OrgSettings, load_org_settings


@dataclass(frozen=True)
class GatewayCaller:
    viewer: Viewer
    org: OrgSettings

    def may_use(self, connection: ConnectionRecord) -> bool:
        """Workspace-wide connections, and the caller's own personal ones; never another user's
        (not even for an admin: a personal connection serves only its owner)."""
        if connection.owner_id is not None and connection.owner_id != self.viewer.user_id:
            return False
        return can_see(self.viewer, self.org, connection)

    def check_model_allowed(self, model: str) -> None:
        allowed = self.viewer.limits.allowed_models
        if allowed and model not in allowed:
            message = f"This token may not call '{model}'; it may call: {', '.join(allowed)}."
            raise GatewayError(403, "model_not_allowed", message)

    def allows(self, model: str) -> bool:
        allowed = self.viewer.limits.allowed_models
        return not allowed or model in allowed


def presented_token(headers: Any) -> str | None:
    token = bearer_token(headers.get("authorization"))
    if token:
        return token
    for name in ("x-api-key", "x-goog-api-key"):  # Anthropic's SDK; Gemini's (or its ?key=)
        api_key = headers.get(name, "").strip()
        if api_key:
            return api_key
    return None


CALLERS: Recent[GatewayCaller | None] = Recent()


async def authenticate_caller(headers: Any) -> GatewayCaller:
    token = presented_token(headers)
    caller = await CALLERS.get(hash_token(token), lambda: _load(token)) if token else None
    # The expiry is checked on every call, a remembered caller's too: it holds to the moment.
    if caller is None or caller.viewer.expired():
        raise invalid_api_key()
    return caller


async def _load(token: str) -> GatewayCaller | None:
    viewer = await authenticate(token)
    return GatewayCaller(viewer, await load_org_settings()) if viewer else None
