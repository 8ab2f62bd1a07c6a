"""Master key rotation: re-wrap every stored data key with the primary key, row by row.

Each row is re-wrapped in its own small, conditional update, so the run can be interrupted and
started again (it picks up what still uses an old key), and the service keeps serving: both keys
stay in the keyring until `keys retire`, so every value opens before, during and after the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.db.engine import is_deadlock
from app.db.tables import AppSetting, LLMConnection
from app.security.envelope import key_id_of, rewrap
from app.security.key_registry import register
from app.security.keyring import Keyring
from app.security.sealed_fields import (
    API_KEY_FIELD,
    SERVICE_ACCOUNT_FIELD,
    WEBHOOK_SECRET_CONTEXT,
    WEBHOOK_SECRET_SETTING,
    SealedRow,
    header_field,
    sealed_rows,
    sealed_setting,
    secret_context,
)

Progress = Callable[[int, int], None]
MAX_PASSES = 5


def _rewrapped_columns(keyring: Keyring, record: SealedRow) -> dict[Any, Any]:
    columns: dict[Any, Any] = {}
    if record.api_key:
        columns[LLMConnection.api_key_sealed] = rewrap(
            keyring, record.api_key, secret_context(record.id, API_KEY_FIELD)
        )
    if record.service_account:
        columns[LLMConnection.service_account_sealed] = rewrap(
            keyring, record.service_account, secret_context(record.id, SERVICE_ACCOUNT_FIELD)
        )
    if record.headers:
        headers = [
            {
                **h,
                "sealed": rewrap(
                    keyring, h["sealed"], secret_context(record.id, header_field(h["name"]))
                ),
            }
            for h in record.headers
        ]
        columns[LLMConnection.custom_headers] = json.dumps(headers)
    return columns


async def _rewrap_setting(keyring: Keyring) -> int:
    """The alert webhook secret under the primary key (1: it was re-wrapped), conditional on it
    being unchanged since read."""
    found = await sealed_setting()
    if found is None or key_id_of(found[0]["sealed"]) == keyring.primary_id:
        return 0
    stored, written_at = found
    fresh = {**stored, "sealed": rewrap(keyring, stored["sealed"], WEBHOOK_SECRET_CONTEXT)}
    updated = (
        await AppSetting.update({AppSetting.value: json.dumps(fresh)})
        .where((AppSetting.key == WEBHOOK_SECRET_SETTING) & (AppSetting.updated_at == written_at))
        .returning(AppSetting.key)
    )
    return len(updated)


async def rewrap_all(keyring: Keyring, progress: Progress | None = None) -> int:
    """Re-wrap every secret not yet under the primary key; return how many rows changed."""
    await register(keyring, keyring.primary_id)
    changed = await _rewrap_setting(keyring)
    for _ in range(MAX_PASSES):
        stale = [
            r
            for r in await sealed_rows()
            if any(key_id_of(v) != keyring.primary_id for v in r.values())
        ]
        if not stale:
            break
        for done, record in enumerate(stale, start=1):
            # Conditional on the credentials being unchanged since read: a rotation that lands
            # mid-run wins, and its row is picked up by the next pass if it still needs it.
            try:
                updated = (
                    await LLMConnection.update(_rewrapped_columns(keyring, record))
                    .where(
                        (LLMConnection.id == record.id)
                        & (LLMConnection.credentials_updated_at == record.credentials_updated_at)
                    )
                    .returning(LLMConnection.id)
                )
            except Exception as exc:
                if not is_deadlock(exc):
                    raise
                updated = []  # a concurrent write won the row: the next pass takes it again
            changed += bool(updated)
            if progress:
                progress(done, len(stale))
    return changed
