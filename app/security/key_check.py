"""Start-up check that the keyring can open what the database holds."""

from __future__ import annotations

from app.db.tables import EncryptionKeyCheck
from app.security.envelope import SecretUnavailable, open_sealed, seal
from app.security.keyring import Keyring

CANARY = "switchboard-key-check"


def _context(key_id: str) -> str:
    return f"encryption_key_check/{key_id}/canary"


class KeyringMismatch(Exception):
    """The keyring cannot open secrets the database holds; the message names the key id."""


async def check_keyring(keyring: Keyring) -> None:
    """Raise KeyringMismatch before anything is written; then record the primary key's canary."""
    rows = await EncryptionKeyCheck.select(EncryptionKeyCheck.key_id, EncryptionKeyCheck.canary)
    for row in rows:
        key_id = row["key_id"]
        if keyring.key(key_id) is None:
            raise KeyringMismatch(
                f"encryption key {key_id!r} protects stored secrets but is not in the keyring; "
                "restore it (SWITCHBOARD_ENCRYPTION_KEYS or the key file) and start again"
            )
        try:
            ok = open_sealed(keyring, row["canary"], _context(key_id)) == CANARY
        except SecretUnavailable:
            ok = False
        if not ok:
            raise KeyringMismatch(
                f"encryption key {key_id!r} in the keyring is not the key that sealed the stored "
                "secrets; nothing was changed. Start again with the original key"
            )
    if keyring.primary_id not in {row["key_id"] for row in rows}:
        # Seal the canary with the primary key itself (seal always uses the primary).
        await EncryptionKeyCheck.insert(
            EncryptionKeyCheck(
                key_id=keyring.primary_id,
                canary=seal(keyring, CANARY, _context(keyring.primary_id)),
            )
        )
