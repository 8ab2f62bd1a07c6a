"""Where secrets are sealed (each connection's, and the organisation's alert webhook secret), and
what each sealed value is bound to.

The one copy of the encryption-context string: sealing, opening, `keys rewrap` and `keys retire`
all use it, so a drift cannot make rewrap write values nobody can open.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.db.json_columns import load_json
from app.db.tables import AppSetting, LLMConnection

WEBHOOK_SECRET_SETTING = "alert_webhook_secret"  # noqa: S105 (the app_setting row's key)
WEBHOOK_SECRET_CONTEXT = f"app_setting/{WEBHOOK_SECRET_SETTING}"
API_KEY_FIELD = "api_key"
SERVICE_ACCOUNT_FIELD = "service_account"


def header_field(name: str) -> str:
    return f"header:{name.lower()}"


def secret_context(connection_id: uuid.UUID | str, field: str) -> str:
    """What a sealed value is bound to: a ciphertext moved to another row or field won't open."""
    return f"llm_connection/{connection_id}/{field}"


@dataclass(frozen=True)
class SealedRow:
    """One connection's sealed values, read straight from its row."""

    id: uuid.UUID
    credentials_updated_at: datetime
    api_key: str | None
    service_account: str | None
    headers: tuple[dict[str, Any], ...]  # {"name", "hint", "sealed"}

    def values(self) -> list[str]:
        every = [self.api_key, self.service_account, *(h.get("sealed") for h in self.headers)]
        return [value for value in every if value]


async def sealed_rows() -> list[SealedRow]:
    rows = await LLMConnection.select(
        LLMConnection.id,
        LLMConnection.credentials_updated_at,
        LLMConnection.api_key_sealed,
        LLMConnection.service_account_sealed,
        LLMConnection.custom_headers,
    )
    return [
        SealedRow(
            id=row["id"],
            credentials_updated_at=row["credentials_updated_at"],
            api_key=row["api_key_sealed"],
            service_account=row["service_account_sealed"],
            headers=tuple(load_json(row["custom_headers"]) or ()),
        )
        for row in rows
    ]


async def sealed_setting() -> tuple[dict[str, str], datetime] | None:
    """The alert webhook secret as stored ({"sealed", "hint"}) and when it was written, or
    None."""
    row = (
        await AppSetting.select(AppSetting.value, AppSetting.updated_at)
        .where(AppSetting.key == WEBHOOK_SECRET_SETTING)
        .first()
    )
    if row is None:
        return None
    value = load_json(row["value"])
    if not isinstance(value, dict) or not value.get("sealed"):
        return None
    return value, row["updated_at"]
