"""Envelope encryption and the keyring, without a database."""

from __future__ import annotations

import json

import pytest

from app.security.envelope import SecretUnavailable, key_id_of, open_sealed, seal
from app.security.keyring import Keyring, parse_key_list, read_key_file, write_key_file
from app.settings import SettingsError

KEYS = Keyring(primary_id="k1", keys={"k1": bytes(range(32)), "k2": bytes(32)})


def test_round_trip_and_format():
    sealed = seal(KEYS, "sk-S3CR3T-value", "llm_connection/1/api_key")
    assert sealed.startswith("sb1$k1$") and "S3CR3T" not in sealed
    assert key_id_of(sealed) == "k1"
    assert open_sealed(KEYS, sealed, "llm_connection/1/api_key") == "sk-S3CR3T-value"


def test_each_secret_gets_its_own_data_key():
    assert seal(KEYS, "same", "c") != seal(KEYS, "same", "c")


@pytest.mark.parametrize("context", ["llm_connection/2/api_key", "llm_connection/1/header:x"])
def test_context_binds_the_ciphertext(context):
    sealed = seal(KEYS, "secret", "llm_connection/1/api_key")
    with pytest.raises(SecretUnavailable):
        open_sealed(KEYS, sealed, context)


def test_wrong_or_missing_key():
    sealed = seal(KEYS, "secret", "c")
    with pytest.raises(SecretUnavailable, match="'k1'"):
        open_sealed(Keyring("k1", {"k1": bytes(32)}), sealed, "c")
    with pytest.raises(SecretUnavailable, match="not in the keyring"):
        open_sealed(Keyring("k9", {"k9": bytes(32)}), sealed, "c")


def test_tampering_is_detected():
    sealed = seal(KEYS, "secret", "c")
    head, tail = sealed.rsplit("$", 1)
    flipped = tail[:-2] + ("A" if tail[-2] != "A" else "B") + tail[-1]
    with pytest.raises(SecretUnavailable):
        open_sealed(KEYS, f"{head}${flipped}", "c")
    with pytest.raises(SecretUnavailable):
        open_sealed(KEYS, "garbage", "c")


def test_old_keys_still_open_after_the_primary_changes():
    sealed = seal(KEYS, "secret", "c")
    rotated = Keyring(primary_id="k2", keys=KEYS.keys)
    assert open_sealed(rotated, sealed, "c") == "secret"
    assert key_id_of(seal(rotated, "x", "c")) == "k2"


def test_key_list_parsing():
    import base64

    good = base64.b64encode(bytes(32)).decode()
    ring = parse_key_list(f"new:{good}, old:{good}")
    assert ring.primary_id == "new" and set(ring.keys) == {"new", "old"}
    for bad in (f"a:{good},a:{good}", "a:notbase64!", f"bad id:{good}", "a"):
        with pytest.raises(SettingsError, match="SWITCHBOARD_ENCRYPTION_KEYS"):
            parse_key_list(bad)


def test_key_file_round_trip(tmp_path):
    path = tmp_path / "keys.json"
    write_key_file(path, KEYS)
    assert (path.stat().st_mode & 0o777) == 0o600
    assert read_key_file(path) == KEYS
    path.write_text(json.dumps({"primary": "zz", "keys": {}}))
    with pytest.raises(SettingsError, match="SWITCHBOARD_KEY_FILE"):
        read_key_file(path)


def test_rewrap_changes_only_the_wrapped_key():
    from app.security.envelope import rewrap

    old = Keyring(primary_id="k1", keys={"k1": bytes(range(32))})
    both = Keyring(primary_id="k2", keys={"k1": bytes(range(32)), "k2": bytes(32)})
    sealed = seal(old, "secret", "c")
    moved = rewrap(both, sealed, "c")
    assert key_id_of(moved) == "k2" and moved.rsplit("$", 1)[1] == sealed.rsplit("$", 1)[1]
    assert open_sealed(Keyring("k2", {"k2": bytes(32)}), moved, "c") == "secret"
    with pytest.raises(SecretUnavailable):
        rewrap(both, sealed, "elsewhere")
