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


def _aad(context: str, key_id: str, part: str) -> bytes:
    return f"switchboard/{FORMAT}/{part}/{key_id}/{context}".encode()


def seal(keyring: Keyring, plaintext: str, context: str) -> str:
    """Encrypt `plaintext` for the place named by `context` (e.g. "llm_connection/<id>/api_key")."""
    key_id = keyring.primary_id
    kek = keyring.keys[key_id]
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(wrap_nonce, data_key, _aad(context, key_id, "dek"))
    sealed = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _aad(context, key_id, "data"))
    return "$".join((FORMAT, key_id, _b64(wrap_nonce + wrapped), _b64(nonce + sealed)))


def key_id_of(stored: str) -> str:
    return stored.split("$", 2)[1]


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
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _aad(context, key_id, "dek")
        )
        plain = AESGCM(data_key).decrypt(
            data[:NONCE_BYTES], data[NONCE_BYTES:], _aad(context, key_id, "data")
        )
    except (InvalidTag, ValueError):
        raise SecretUnavailable(key_id, "wrong key, or the value belongs elsewhere") from None
    return plain.decode()
