"""Start-up check that the keyring can open everything the database holds, before any write."""

from __future__ import annotations

from typing import Any

from app.security.envelope import SecretUnavailable, open_sealed
from app.security.key_registry import (
    CANARY,
    canary_context,
    key_usage,
    register,
    registered_keys,
)
from app.security.keyring import Keyring

RESTORE = "restore it (SWITCHBOARD_ENCRYPTION_KEYS or the key file) and start again"


class KeyringMismatch(Exception):
    """The keyring cannot open what the database holds; the message names the key id."""


async def check_keyring(keyring: Keyring) -> None:
    """Raise KeyringMismatch naming the first key at fault; then register the primary key."""
    usage = await key_usage()
    rows = await registered_keys()
    retired = {row["key_id"] for row in rows if row["retired_at"] is not None}
    problem = registered_key_problem(keyring, rows, usage)
    if problem is not None:
        raise KeyringMismatch(problem)
    for key_id, count in sorted(usage.items()):
        if keyring.key(key_id) is None:
            raise KeyringMismatch(
                f"encryption key {key_id!r} protects {count} stored secrets but is not in the "
                f"keyring; {RESTORE}"
            )
    if keyring.primary_id in retired:
        raise KeyringMismatch(
            f"the primary encryption key {keyring.primary_id!r} was retired; make a current key "
            "the primary (keys add, or the first entry of SWITCHBOARD_ENCRYPTION_KEYS)"
        )
    await register(keyring, keyring.primary_id)


def registered_key_problem(
    keyring: Keyring, rows: list[dict[str, Any]], usage: dict[str, int] | None = None
) -> str | None:
    """What is wrong with the keyring against the keys the database registered, or None."""
    retired = {row["key_id"] for row in rows if row["retired_at"] is not None}
    for row in rows:
        key_id = row["key_id"]
        if key_id in retired:
            continue
        if keyring.key(key_id) is None:
            protects = (
                "" if usage is None else f" protects {usage.get(key_id, 0)} stored secrets but"
            )
            return f"encryption key {key_id!r}{protects} is not in the keyring; {RESTORE}"
        try:
            opens = open_sealed(keyring, row["canary"], canary_context(key_id)) == CANARY
        except SecretUnavailable:
            opens = False
        if not opens:
            return (
                f"encryption key {key_id!r} in the keyring is not the key that sealed the stored "
                "secrets; nothing was changed. Start again with the original key"
            )
    return None


async def keyring_problem(keyring: Keyring) -> str | None:
    """For readiness: the registered keys' canaries, without counting every secret."""
    return registered_key_problem(keyring, await registered_keys())
