"""Envelope encryption for secrets at rest.

Each secret is sealed with AES-256-GCM under its own random data key; the data key is wrapped
with the keyring's primary key. The associated data names the row and field the secret belongs to,
so a ciphertext copied into another row or field does not open. Stored form:

    sb1$<key-id>$<base64url(wrap nonce | wrapped data key)>$<base64url(nonce | ciphertext)>
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.security.keyring import Keyring

FORMAT = "sb1"
NONCE_BYTES = 12


class SecretUnavailable(Exception):
    """A stored secret could not be opened: unknown key id, wrong key, or tampered value."""

    def __init__(self, key_id: str, reason: str) -> None:
        super().__init__(f"cannot open a secret sealed with key {key_id!r}: {reason}")
        self.key_id = key_id


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _dek_aad(context: str, key_id: str) -> bytes:
    """Binds a wrapped data key to its key id and to the row and field it serves."""
    return f"switchboard/{FORMAT}/dek/{key_id}/{context}".encode()


def _data_aad(context: str) -> bytes:
    """Binds the secret to its row and field. No key id: re-wrapping never touches this part."""
    return f"switchboard/{FORMAT}/data/{context}".encode()


def seal(keyring: Keyring, plaintext: str, context: str, key_id: str | None = None) -> str:
    """Encrypt `plaintext` for the place named by `context` (e.g. "llm_connection/<id>/api_key")
    under `key_id` (one app.security.key_registry checked), else the current primary."""
    key_id = key_id or keyring.sealing_key_id()
    kek = keyring.key(key_id)
    if kek is None:
        raise SecretUnavailable(key_id, "that key is not in the keyring")
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(wrap_nonce, data_key, _dek_aad(context, key_id))
    sealed = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _data_aad(context))
    return "$".join((FORMAT, key_id, _b64(wrap_nonce + wrapped), _b64(nonce + sealed)))


def key_id_of(stored: str) -> str:
    return stored.split("$", 2)[1]


def rewrap(keyring: Keyring, stored: str, context: str) -> str:
    """The same secret with its data key wrapped by the primary key. The secret itself is never
    decrypted: only the 32-byte data key is unwrapped and wrapped again."""
    fmt, key_id, wrapped_part, data_part = stored.split("$")
    primary = keyring.primary_id
    if key_id == primary:
        return stored
    old = keyring.key(key_id)
    if old is None:
        raise SecretUnavailable(key_id, "that key is not in the keyring")
    wrapped = _unb64(wrapped_part)
    try:
        data_key = AESGCM(old).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _dek_aad(context, key_id)
        )
    except InvalidTag:
        raise SecretUnavailable(key_id, "wrong key, or the value belongs elsewhere") from None
    nonce = os.urandom(NONCE_BYTES)
    rewrapped = AESGCM(keyring.keys[primary]).encrypt(nonce, data_key, _dek_aad(context, primary))
    return "$".join((fmt, primary, _b64(nonce + rewrapped), data_part))


def open_sealed(keyring: Keyring, stored: str, context: str) -> str:
    try:
        fmt, key_id, wrapped_part, data_part = stored.split("$")
    except ValueError:
        raise SecretUnavailable("?", "not a sealed value") from None
    if fmt != FORMAT:
        raise SecretUnavailable(key_id, f"unknown format {fmt!r}")
    kek = keyring.key(key_id)
    if kek is None:
        raise SecretUnavailable(key_id, "that key is not in the keyring")
    try:
        wrapped, data = _unb64(wrapped_part), _unb64(data_part)
        data_key = AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _dek_aad(context, key_id)
        )
        plain = AESGCM(data_key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _data_aad(context))
    except (InvalidTag, ValueError):
        raise SecretUnavailable(key_id, "wrong key, or the value belongs elsewhere") from None
    return plain.decode()
