"""revealConnectionSecret: off by default, admins only, audited."""

from __future__ import annotations

import pytest

from tests.documents import create

pytestmark = pytest.mark.db


SETTINGS = "mutation($i: UpdateSettingsInput!) { updateSettings(input: $i) { settings { allowDirectConnections allowSecretReveal } userErrors { code } } }"


AUDIT = """query($f: AuditFilter, $first: Int) { auditEvents(filter: $f, first: $first) { totalCount
  nodes { action actorName targetType targetId targetName requestId changes { field old new secret } } } }"""


async def test_secret_reveal_is_off_by_default_then_audited(admin, secret_watch):
    plain = "sk-reveal-me-12345678"
    secret_watch.extra.add(plain)
    conn = await create(admin, name="r", provider="OPENAI", apiKey=plain)
    reveal = "mutation($id: ID!) { revealConnectionSecret(id: $id) { apiKey userErrors { code message } } }"
    off = (await admin(reveal, {"id": conn["id"]}))["revealConnectionSecret"]
    assert off["apiKey"] is None and off["userErrors"][0]["code"] == "NOT_ALLOWED"
    await admin(SETTINGS, {"i": {"allowSecretReveal": True}})
    secret_watch.extra.discard(plain)  # this one response is the point of the feature
    on = (await admin(reveal, {"id": conn["id"]}))["revealConnectionSecret"]
    assert on["apiKey"] == plain
    secret_watch.extra.add(plain)
    events = (await admin(AUDIT, {"f": {"action": "connection.reveal_secret"}}))["auditEvents"]
    assert events["totalCount"] == 1 and events["nodes"][0]["changes"] == [
        {"field": "apiKey", "old": None, "new": None, "secret": True}
    ]


async def test_a_personal_connections_secret_is_never_revealed(admin, member, fake, fresh_secret):
    server = fake("OPENAI_COMPATIBLE", key=fresh_secret)
    mine = await create(
        member, name="mine", provider="OPENAI_COMPATIBLE", baseUrl=server.url, apiKey=fresh_secret
    )
    await admin(SETTINGS, {"i": {"allowSecretReveal": True}})
    reveal = "mutation($id: ID!) { revealConnectionSecret(id: $id) { apiKey userErrors { code message } } }"
    refused = (await admin(reveal, {"id": mine["id"]}))["revealConnectionSecret"]
    assert refused == {
        "apiKey": None,
        "userErrors": [
            {"code": "NOT_ALLOWED", "message": "a personal connection's secrets are never revealed"}
        ],
    }
    events = (await admin(AUDIT, {"f": {"action": "connection.reveal_secret"}}))["auditEvents"]
    assert events["totalCount"] == 0
