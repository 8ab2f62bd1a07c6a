"""resolveConnection: explicit > workspace default > global default, never a disabled one."""

from __future__ import annotations

import pytest

from tests.documents import SET_ENABLED, two_connections_with_dependents

pytestmark = pytest.mark.db


RESOLVE = """query($c: ID, $w: ID) { resolveConnection(connectionId: $c, workspaceId: $w) {
  connection { name } source skipped { source reason connection { name } } userErrors { field code message } } }"""


async def test_resolution_priority(admin, fake):
    a, b, ep, ws = await two_connections_with_dependents(admin, fake)
    assert (await admin(RESOLVE, {"c": b["id"], "w": ws["id"]}))["resolveConnection"][
        "source"
    ] == "EXPLICIT"
    via_ws = (await admin(RESOLVE, {"w": ws["id"]}))["resolveConnection"]
    assert via_ws["connection"] == {"name": "a"} and via_ws["source"] == "WORKSPACE_DEFAULT"
    await admin(
        "mutation($id: ID!, $c: ID) { updateWorkspace(id: $id, input: {defaultConnectionId: $c}) { userErrors { code } } }",
        {"id": ws["id"], "c": b["id"]},
    )
    await admin(SET_ENABLED, {"id": b["id"], "enabled": False})
    skipped = (await admin(RESOLVE, {"w": ws["id"]}))["resolveConnection"]
    assert skipped["source"] == "GLOBAL_DEFAULT" and skipped["connection"] == {"name": "a"}
    assert skipped["skipped"] == [
        {
            "source": "WORKSPACE_DEFAULT",
            "reason": "connection 'b' is disabled",
            "connection": {"name": "b"},
        }
    ]
    explicit_off = (await admin(RESOLVE, {"c": b["id"]}))["resolveConnection"]
    assert (
        explicit_off["connection"] is None
        and explicit_off["userErrors"][0]["code"] == "NOT_ALLOWED"
    )
    assert "disabled" in explicit_off["userErrors"][0]["message"]
    await admin(SET_ENABLED, {"id": a["id"], "enabled": False})
    nothing = (await admin(RESOLVE, {}))["resolveConnection"]
    assert nothing["connection"] is None and nothing["userErrors"][0]["code"] == "NOT_FOUND"
    assert "setDefaultConnection" in nothing["userErrors"][0]["message"]
    assert [s["source"] for s in nothing["skipped"]] == ["GLOBAL_DEFAULT"]
