"""`python -m app.cli keys add|rewrap|status|retire ID`: master key rotation for operators."""

from __future__ import annotations

import secrets
import sys

from app.db.engine import bind_tables, engine_from_url, open_engine
from app.security.key_registry import key_statuses, key_usage, registered_keys, retire
from app.security.keyring import (
    KEY_BYTES,
    Keyring,
    encode_key,
    load_keyring,
    new_key_id,
    write_key_file,
)
from app.security.rotation import rewrap_all
from app.settings import Settings, get_settings


class KeysError(SystemExit):
    def __init__(self, message: str) -> None:
        print(f"switchboard: {message}", file=sys.stderr)
        super().__init__(2)


def _progress(done: int, total: int) -> None:
    """A bar redrawn in place on a terminal; piped into a log, one line at the end."""
    if not sys.stderr.isatty():
        if done == total:
            print(f"  {done}/{total}", file=sys.stderr)
        return
    width = 30
    filled = width * done // max(total, 1)
    print(
        f"\r  [{'#' * filled}{'-' * (width - filled)}] {done}/{total}",
        end="",
        file=sys.stderr,
        flush=True,
    )
    if done == total:
        print(file=sys.stderr)


async def run_keys_command(action: str, key_id: str | None) -> None:
    settings = get_settings()
    keyring = load_keyring(settings)
    engine = engine_from_url(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    if action == "add":
        _add(settings, keyring, key_id or new_key_id())
    elif action == "rewrap":
        await _rewrap(keyring)
    elif action == "status":
        await _status(keyring)
    elif action == "retire":
        if not key_id:
            raise KeysError("keys retire needs a key id")
        await _retire(settings, keyring, key_id)


def _add(settings: Settings, keyring: Keyring, new_id: str) -> None:
    """A new primary key; the old ones stay so everything still opens during the re-wrap."""
    if new_id in keyring.keys:
        raise KeysError(f"key id {new_id!r} is already in the keyring")
    keys = {new_id: secrets.token_bytes(KEY_BYTES), **keyring.keys}
    if settings.encryption_keys:
        entries = ",".join(f"{kid}:{encode_key(raw)}" for kid, raw in keys.items())
        print("Set this on every instance, restart them, then run `keys rewrap`:")
        print(f"SWITCHBOARD_ENCRYPTION_KEYS={entries}")
        return
    write_key_file(settings.key_file, Keyring(new_id, keys))
    print(
        f"Added {new_id!r} as the primary key in {settings.key_file}; old keys stay readable. "
        "Now run: keys rewrap"
    )


async def _rewrap(keyring: Keyring) -> None:
    usage = await key_usage()
    pending = sum(n for kid, n in usage.items() if kid != keyring.primary_id)
    print(f"Re-wrapping {pending} secrets with {keyring.primary_id!r}", file=sys.stderr)
    changed = await rewrap_all(keyring, _progress)
    print(f"Done: {changed} connections re-wrapped. Check with: keys status")


async def _status(keyring: Keyring) -> None:
    for key in await key_statuses(keyring):
        marks = " (primary)" if key.primary else ""
        marks += " (retired)" if key.retired else ""
        marks += "" if key.in_keyring or key.retired else " (MISSING from the keyring)"
        print(f"{key.key_id}{marks}: protects {key.secrets} secrets")


async def _retire(settings: Settings, keyring: Keyring, key_id: str) -> None:
    known = set(keyring.keys) | {r["key_id"] for r in await registered_keys()}
    if key_id not in known:
        raise KeysError(f"no key {key_id!r} in the keyring or the database; see: keys status")
    if key_id == keyring.primary_id:
        raise KeysError(f"{key_id!r} is the primary key; add a new one first")
    still = await retire(keyring, key_id)
    if still:
        raise KeysError(f"{key_id!r} still protects {still} secrets; run `keys rewrap` first")
    if settings.encryption_keys:
        print(
            f"Retired {key_id!r}: no instance will seal with it again. Remove it from "
            "SWITCHBOARD_ENCRYPTION_KEYS."
        )
        return
    remaining = {kid: raw for kid, raw in keyring.keys.items() if kid != key_id}
    write_key_file(settings.key_file, Keyring(keyring.primary_id, remaining))
    print(f"Retired {key_id!r} and removed it from {settings.key_file}.")
