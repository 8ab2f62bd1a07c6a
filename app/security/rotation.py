"""Master key rotation: re-wrap every stored data key with the primary key, row by row.

Each row is re-wrapped in its own small, conditional update, so the run can be interrupted and
started again (it picks up what still uses an old key), and the service keeps serving: both keys
stay in the keyring until `keys retire`, so every value opens before, during and after the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.connections.records import ConnectionRecord
from app.connections.secrets import (
    API_KEY_FIELD,
    SERVICE_ACCOUNT_FIELD,
    header_field,
    secret_context,
)
from app.db.tables import LLMConnection
from app.security.envelope import key_id_of, rewrap
from app.security.key_registry import register
from app.security.keyring import Keyring

Progress = Callable[[int, int], None]
MAX_PASSES = 5


def _sealed_values(record: ConnectionRecord) -> list[str]:
    values = [
        record.api_key_sealed,
        record.service_account_sealed,
        *(h.sealed for h in record.custom_headers),
    ]
    return [v for v in values if v]


async def _records() -> list[ConnectionRecord]:
    return [ConnectionRecord.from_row(row) for row in await LLMConnection.select()]


def _rewrapped_columns(keyring: Keyring, record: ConnectionRecord) -> dict[Any, Any]:
    columns: dict[Any, Any] = {}
    if record.api_key_sealed:
        columns[LLMConnection.api_key_sealed] = rewrap(
            keyring, record.api_key_sealed, secret_context(record.id, API_KEY_FIELD)
        )
    if record.service_account_sealed:
        columns[LLMConnection.service_account_sealed] = rewrap(
            keyring, record.service_account_sealed, secret_context(record.id, SERVICE_ACCOUNT_FIELD)
        )
    if record.custom_headers:
        headers = [
            {
                "name": h.name,
                "hint": h.hint,
                "sealed": rewrap(
                    keyring, h.sealed, secret_context(record.id, header_field(h.name))
                ),
            }
            for h in record.custom_headers
        ]
        columns[LLMConnection.custom_headers] = json.dumps(headers)
    return columns


async def rewrap_all(keyring: Keyring, progress: Progress | None = None) -> int:
    """Re-wrap every secret not yet under the primary key; return how many rows changed."""
    await register(keyring, keyring.primary_id)
    changed = 0
    for _ in range(MAX_PASSES):
        stale = [
            r
            for r in await _records()
            if any(key_id_of(v) != keyring.primary_id for v in _sealed_values(r))
        ]
        if not stale:
            break
        for done, record in enumerate(stale, start=1):
            # Conditional on the credentials being unchanged since read: a rotation that lands
            # mid-run wins, and its row is picked up by the next pass if it still needs it.
            updated = (
                await LLMConnection.update(_rewrapped_columns(keyring, record))
                .where(
                    (LLMConnection.id == record.id)
                    & (LLMConnection.credentials_updated_at == record.credentials_updated_at)
                )
                .returning(LLMConnection.id)
            )
            changed += bool(updated)
            if progress:
                progress(done, len(stale))
    return changed
