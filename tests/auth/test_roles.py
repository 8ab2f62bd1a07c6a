"""Roles: what a member token may not do."""

from __future__ import annotations

import pytest

from tests.documents import create

pytestmark = pytest.mark.db


async def test_member_against_every_admin_operation(member, admin):
    conn = await create(admin, name="shared", provider="OLLAMA")
    forbidden = [
        (
            "mutation($id: ID!) { setDefaultConnection(id: $id) { userErrors { code } } }",
            {"id": conn["id"]},
        ),
        ("mutation($id: ID!) { deleteConnection(id: $id) { deletedId } }", {"id": conn["id"]}),
        (
            "mutation($id: ID!) { verifyConnection(id: $id) { userErrors { code } } }",
            {"id": conn["id"]},
        ),
        (
            'mutation($id: ID!) { rotateConnectionCredentials(id: $id, input: {apiKey: "sk-x-123456789"}) { userErrors { code } } }',
            {"id": conn["id"]},
        ),
        ("mutation($id: ID!) { revealConnectionSecret(id: $id) { apiKey } }", {"id": conn["id"]}),
        ("mutation { refreshModels { results { ok } } }", {}),
        (
            'mutation { setModelEnabled(id: "TW9kZWw6eA", enabled: false) { userErrors { code } } }',
            {},
        ),
        ('mutation { createWorkspace(input: {name: "w"}) { userErrors { code } } }', {}),
        (
            'mutation($c: ID!) { createEndpoint(input: {name: "e", connectionId: $c, model: "m"}) { userErrors { code } } }',
            {"c": conn["id"]},
        ),
        (
            "mutation { updateSettings(input: {allowSecretReveal: true}) { settings { allowSecretReveal } } }",
            {},
        ),
        ("{ auditEvents { totalCount } }", {}),
    ]
    for document, variables in forbidden:
        errors = await member.errors(document, variables)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", document
    assert (await admin("{ settings { allowSecretReveal } }"))["settings"][
        "allowSecretReveal"
    ] is False
