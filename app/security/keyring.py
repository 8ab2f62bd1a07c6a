"""The key-encryption keys: `key-id -> 32-byte key`, one of them primary.

Sources, first match wins:
- SWITCHBOARD_ENCRYPTION_KEYS: "id1:base64key,id2:base64key" (the first is primary);
- the key file (SWITCHBOARD_KEY_FILE): JSON {"primary": "id", "keys": {"id": "base64key"}}.
In development a missing key file is created (mode 0600); in production it stops start-up.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.settings import Settings, SettingsError

log = logging.getLogger(__name__)

KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
KEY_BYTES = 32


@dataclass
class Keyring:
    """Key-encryption keys. One loaded from a key file follows that file while the service
    runs: before sealing (`sealing_key_id`) and on meeting an unknown key id, it re-reads the
    file if it changed, so `keys add`, `keys rewrap` and `keys retire` need no restart."""

    primary_id: str
    keys: Mapping[str, bytes]
    path: Path | None = field(default=None, compare=False)
    _seen: tuple[int, int, int] | None = field(default=None, compare=False, repr=False)

    def key(self, key_id: str) -> bytes | None:
        if key_id not in self.keys:
            self.reload()
        return self.keys.get(key_id)

    def sealing_key_id(self) -> str:
        """The primary key as the key source says it is now."""
        self.reload(only_if_changed=True)
        return self.primary_id

    def reload(self, only_if_changed: bool = False) -> None:
        if self.path is None:
            return  # keys from the environment change only with a restart
        try:
            stat = self.path.stat()
        except OSError:
            return  # a file being replaced: keep what we have
        seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if only_if_changed and seen == self._seen:
            return
        fresh = read_key_file(self.path)
        self.primary_id, self.keys, self._seen = fresh.primary_id, fresh.keys, seen


def new_key_id() -> str:
    return "k" + datetime.now(UTC).strftime("%Y%m%d%H%M%S")


def encode_key(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _decode_key(key_id: str, encoded: str, variable: str) -> bytes:
    if not KEY_ID_PATTERN.match(key_id):
        raise SettingsError(variable, f"key id {key_id!r} must match {KEY_ID_PATTERN.pattern}")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise SettingsError(variable, f"key {key_id!r} is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise SettingsError(variable, f"key {key_id!r} must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def parse_key_list(value: str, variable: str = "SWITCHBOARD_ENCRYPTION_KEYS") -> Keyring:
    keys: dict[str, bytes] = {}
    for item in (part.strip() for part in value.split(",")):
        key_id, sep, encoded = item.partition(":")
        if not sep:
            raise SettingsError(variable, "each entry must be key-id:base64-key")
        if key_id in keys:
            raise SettingsError(variable, f"key id {key_id!r} appears twice")
        keys[key_id] = _decode_key(key_id, encoded.strip(), variable)
    return Keyring(primary_id=next(iter(keys)), keys=keys)


def read_key_file(path: Path) -> Keyring:
    variable = "SWITCHBOARD_KEY_FILE"
    try:
        document = json.loads(path.read_text())
        primary = document["primary"]
        encoded_keys = document["keys"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SettingsError(variable, f"cannot read key file {path}: {exc}") from None
    keys = {kid: _decode_key(kid, enc, variable) for kid, enc in encoded_keys.items()}
    if primary not in keys:
        raise SettingsError(variable, f"primary key {primary!r} is not in {path}")
    keyring = Keyring(primary_id=primary, keys=keys, path=path)
    with contextlib.suppress(OSError):
        stat = path.stat()
        keyring._seen = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return keyring


def write_key_file(path: Path, keyring: Keyring) -> None:
    """Write atomically with mode 0600 from the start, so the key is never world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "primary": keyring.primary_id,
        "keys": {kid: encode_key(raw) for kid, raw in keyring.keys.items()},
    }
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, indent=2)
    os.replace(tmp, path)


def load_keyring(settings: Settings) -> Keyring:
    if settings.encryption_keys:
        return parse_key_list(settings.encryption_keys)
    if settings.key_file.exists():
        return read_key_file(settings.key_file)
    if settings.is_production:
        raise SettingsError(
            "SWITCHBOARD_ENCRYPTION_KEYS",
            f"no encryption key: set it or provide the key file {settings.key_file} "
            "(production never generates keys)",
        )
    key_id = new_key_id()
    keyring = Keyring(primary_id=key_id, keys={key_id: secrets.token_bytes(KEY_BYTES)})
    write_key_file(settings.key_file, keyring)
    keyring.path = settings.key_file
    log.warning(
        "Created a new encryption key file %s (mode 0600). Back it up: without it the stored "
        "secrets cannot be read. In production set SWITCHBOARD_ENCRYPTION_KEYS instead.",
        settings.key_file,
    )
    return keyring
