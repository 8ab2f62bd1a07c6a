"""The database's registry of encryption keys, which every instance consults before sealing.

Sealing is where a secret can be stranded: an instance that seals with a key an operator has
retired writes something nobody can open once that key is gone. So every write that seals takes
its key from `active_sealing_key` inside its own transaction. That key is the keyring's primary,
re-read from its source if the source changed, and it must not be retired in the registry. On
PostgreSQL the registry row is share-locked until the write commits, so `retire` (an UPDATE of
that row) waits for every write under way and then counts what they stored. On SQLite, writers
take turns anyway.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from app.db.prepared import Prepared
from app.db.tables import EncryptionKeyCheck
from app.errors import Unavailable
from app.security.envelope import key_id_of, seal
from app.security.keyring import Keyring
from app.security.sealed_fields import sealed_rows, sealed_setting

CANARY = "switchboard-key-check"


def canary_context(key_id: str) -> str:
    return f"encryption_key_check/{key_id}/canary"


class KeyRetired(Unavailable):
    """This instance would seal with a retired key; nothing is written."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"This instance's primary encryption key {key_id!r} has been retired, so it cannot "
            "store secrets; nothing was written. Give it the current keys "
            "(SWITCHBOARD_ENCRYPTION_KEYS or the key file) and restart it."
        )
        self.key_id = key_id


async def register(keyring: Keyring, key_id: str) -> None:
    """Record a key (with a canary sealed by it) unless it is known already."""
    canary = seal(keyring, CANARY, canary_context(key_id), key_id=key_id)
    await EncryptionKeyCheck.insert(EncryptionKeyCheck(key_id=key_id, canary=canary)).on_conflict(
        action="DO NOTHING"
    )


def _state_query(key_id: Any) -> Any:
    query = EncryptionKeyCheck.select(EncryptionKeyCheck.retired_at).where(
        EncryptionKeyCheck.key_id == key_id
    )
    if isinstance(EncryptionKeyCheck._meta.db, PostgresEngine):
        query = query.lock_rows("SHARE")
    return query


_STATE = Prepared(EncryptionKeyCheck, _state_query, 1)


async def _state(key_id: str) -> str | None:
    """ "active", "retired", or None when the key was never registered."""
    rows = await _STATE.run(key_id)
    if not rows:
        return None
    return "retired" if rows[0]["retired_at"] is not None else "active"


async def active_sealing_key(keyring: Keyring) -> str:
    """Call inside the write's transaction; seal with the key id it returns."""
    key_id = keyring.sealing_key_id()
    for _ in range(2):
        state = await _state(key_id)
        if state == "active":
            return key_id
        if state is None:
            await register(keyring, key_id)
            return key_id
        keyring.reload()  # retired: perhaps the key file has moved on since we last looked
        key_id = keyring.primary_id
    raise KeyRetired(key_id)


async def registered_keys() -> list[dict[str, Any]]:
    return await EncryptionKeyCheck.select(
        EncryptionKeyCheck.key_id, EncryptionKeyCheck.canary, EncryptionKeyCheck.retired_at
    )


async def key_usage() -> Counter[str]:
    """How many stored secrets each key id protects, counted from every sealed column now."""
    usage: Counter[str] = Counter()
    for row in await sealed_rows():
        usage.update(key_id_of(value) for value in row.values())
    setting = await sealed_setting()
    if setting is not None:
        usage[key_id_of(setting[0]["sealed"])] += 1
    return usage


async def retire(keyring: Keyring, key_id: str) -> int:
    """Retire `key_id` unless secrets are still sealed under it; return how many there are
    (0: retired). Marked first, then counted: a write racing this one either committed before
    the mark (and is counted) or sees the mark (and refuses to seal with the key)."""
    now = datetime.now(UTC)
    if key_id in keyring.keys:
        await register(keyring, key_id)
    await EncryptionKeyCheck.update({EncryptionKeyCheck.retired_at: now}).where(
        EncryptionKeyCheck.key_id == key_id
    )
    still = (await key_usage()).get(key_id, 0)
    if still:
        await EncryptionKeyCheck.update({EncryptionKeyCheck.retired_at: None}).where(
            EncryptionKeyCheck.key_id == key_id
        )
    return still


@dataclass(frozen=True)
class KeyStatus:
    """One key id as the operator sees it: never its material."""

    key_id: str
    primary: bool
    retired: bool
    in_keyring: bool  # False: what it sealed cannot be opened until the key is added back
    secrets: int  # stored secrets sealed under it now


async def key_statuses(keyring: Keyring) -> list[KeyStatus]:
    """Every key the keyring holds, the database registered or a secret names."""
    usage = await key_usage()
    retired = {r["key_id"] for r in await registered_keys() if r["retired_at"] is not None}
    return [
        KeyStatus(kid, kid == keyring.primary_id, kid in retired, kid in keyring.keys, usage[kid])
        for kid in sorted(set(keyring.keys) | set(usage) | retired)
    ]
