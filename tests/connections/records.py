"""Records built in memory, for unit tests of rules that look at them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from app.connections.plain_fields import PLAIN_FIELDS
from app.connections.records import ConnectionRecord
from app.providers.catalog import AuthMethod, Provider


def connection(**overrides: Any) -> ConnectionRecord:
    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": "conn",
        "provider": Provider.OPENAI_COMPATIBLE,
        "auth_method": AuthMethod.NONE,
        "base_url": "http://127.0.0.1:9/v1",
        "config": {},
        "api_key_sealed": None,
        "api_key_hint": None,
        "service_account_sealed": None,
        "custom_headers": (),
        "plain": {f.name: () if f.json else None for f in PLAIN_FIELDS},
        "enabled": True,
        "is_default": False,
        "owner_id": None,
        "last_verification": None,
        "version": 1,
        "models_fetched_at": None,
        "models_error": None,
        "created_at": now,
        "updated_at": now,
        "credentials_updated_at": now,
    }
    return ConnectionRecord(**{**fields, **overrides})
