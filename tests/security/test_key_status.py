"""encryptionKeys: what `keys status` prints, for the console's settings page; admins only, and
never a key's material."""

from __future__ import annotations

import pytest

from tests.documents import create

pytestmark = pytest.mark.db

KEYS = "{ encryptionKeys { keyId primary retired inKeyring secrets } }"


async def test_admins_see_which_key_protects_how_many_secrets(admin, member, fake, fresh_secret):
    server = fake("OPENAI_COMPATIBLE", key=fresh_secret)
    await create(
        admin, name="one", provider="OPENAI_COMPATIBLE", baseUrl=server.url, apiKey=fresh_secret
    )
    keys = (await admin(KEYS))["encryptionKeys"]
    assert keys == [
        {"keyId": "test1", "primary": True, "retired": False, "inKeyring": True, "secrets": 1}
    ]
    refused = await member.errors(KEYS)
    assert refused[0]["extensions"]["code"] == "FORBIDDEN"
