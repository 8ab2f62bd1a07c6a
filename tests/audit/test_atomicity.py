"""A write and its audit event commit together or not at all: when the database refuses the
audit insert, every kind of write leaves every table exactly as it was."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import subprocess
import tempfile
import threading
import time
from typing import Any

import httpx
import pytest

from app.db.tables import ALL_TABLES, ApiToken, AuditEvent, ConnectionModel, LLMConnection
from tests.db_faults import (
    audit_inserts_refused,
    audit_inserts_stall,
    is_sqlite,
    stalled_in_audit_insert_on_postgres,
)
from tests.documents import create
from tests.serving import post_graphql, start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

CONNECTION = "connection { id } userErrors { code }"
WRITES: list[tuple[str, str]] = [
    ("createConnection", f"createConnection(input: $create) {{ {CONNECTION} }}"),
    (
        "updateConnection",
        f'updateConnection(id: $a, input: {{description: "x"}}) {{ {CONNECTION} }}',
    ),
    ("updateConnection", f'updateConnection(id: $a, input: {{prefixId: "p"}}) {{ {CONNECTION} }}'),
    ("setDefaultConnection", f"setDefaultConnection(id: $b) {{ {CONNECTION} }}"),
    ("setConnectionEnabled", f"setConnectionEnabled(id: $b, enabled: false) {{ {CONNECTION} }}"),
    ("verifyConnection", f"verifyConnection(id: $a) {{ {CONNECTION} }}"),
    (
        "rotateConnectionCredentials",
        f"rotateConnectionCredentials(id: $a, input: {{apiKey: $key}}) {{ {CONNECTION} }}",
    ),
    ("deleteConnection", "deleteConnection(id: $a, force: true) { deletedId userErrors { code } }"),
    (
        "createEndpoint",
        'createEndpoint(input: {name: "e2", connectionId: $b, model: "model-a"}) '
        "{ endpoint { id } userErrors { code } }",
    ),
    (
        "updateEndpoint",
        'updateEndpoint(id: $endpoint, input: {name: "e3"}) { endpoint { id } userErrors { code } }',
    ),
    ("deleteEndpoint", "deleteEndpoint(id: $endpoint) { deletedId userErrors { code } }"),
    (
        "createWorkspace",
        'createWorkspace(input: {name: "w2"}) { workspace { id } userErrors { code } }',
    ),
    (
        "updateWorkspace",
        'updateWorkspace(id: $workspace, input: {name: "w3"}) { workspace { id } userErrors { code } }',
    ),
    ("deleteWorkspace", "deleteWorkspace(id: $workspace) { deletedId userErrors { code } }"),
    ("refreshModels", "refreshModels { results { ok } userErrors { code } }"),
    ("setModelEnabled", "setModelEnabled(id: $model, enabled: false) { userErrors { code } }"),
    (
        "createApiToken",
        'createApiToken(input: {name: "t", role: MEMBER}) { token userErrors { code } }',
    ),
    ("revokeApiToken", "revokeApiToken(id: $token) { userErrors { code } }"),
    ("updateSettings", "updateSettings(input: {allowSecretReveal: false}) { userErrors { code } }"),
    ("revealConnectionSecret", "revealConnectionSecret(id: $a) { apiKey userErrors { code } }"),
]

TYPES = {"key": "String!", "create": "CreateConnectionInput!"}  # the others are IDs


def _document(selection: str, variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The mutation with exactly the variables it uses declared."""
    used = sorted(name for name in variables if re.search(rf"\${name}\b", selection))
    declared = ", ".join(f"${name}: {TYPES.get(name, 'ID!')}" for name in used)
    head = f"mutation({declared})" if used else "mutation"
    return f"{head} {{ {selection} }}", {name: variables[name] for name in used}


async def _every_table() -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order (a token's last use aside: reading
    with a token records it, outside any write)."""
    state = {}
    for table in ALL_TABLES:
        rows = await table.select()
        if table is ApiToken:
            rows = [{k: v for k, v in row.items() if k != "last_used_at"} for row in rows]
        state[table._meta.tablename] = sorted(repr(sorted(row.items())) for row in rows)
    return state


async def _seed(admin, fake, key: str) -> dict[str, Any]:
    fields = {"provider": "OPENAI_COMPATIBLE", "baseUrl": fake.url, "apiKey": key}
    a = await create(admin, name="a", **fields)
    b = await create(admin, name="b", **fields)
    data = await admin(
        """mutation($b: ID!) {
          updateSettings(input: {allowSecretReveal: true}) { userErrors { code } }
          createEndpoint(input: {name: "e", connectionId: $b, model: "model-a"}) { endpoint { id } }
          createWorkspace(input: {name: "w", defaultConnectionId: $b}) { workspace { id } }
          createApiToken(input: {name: "other", role: MEMBER}) { apiToken { id } }
        }""",
        {"b": b["id"]},
    )
    models = await admin("{ models(first: 1) { nodes { id } } }")
    return {
        "a": a["id"],
        "b": b["id"],
        "endpoint": data["createEndpoint"]["endpoint"]["id"],
        "workspace": data["createWorkspace"]["workspace"]["id"],
        "token": data["createApiToken"]["apiToken"]["id"],
        "model": models["models"]["nodes"][0]["id"],
        "key": key,
        "create": {**fields, "name": "c", "verify": True},
    }


async def test_a_refused_audit_insert_leaves_every_write_undone(
    admin, fake, fresh_secret, database_url
):
    provider = fake("OPENAI_COMPATIBLE", key=fresh_secret, models=["model-a"])
    variables = await _seed(admin, provider, fresh_secret)
    before = await _every_table()
    async with audit_inserts_refused(database_url):
        for name, selection in WRITES:
            response = await admin.raw(*_document(selection, variables))
            body = response.json()
            assert body["data"] is None, (name, body["data"])
            assert len(body["errors"]) == 1, (name, body["errors"])
            [error] = body["errors"]
            assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR", (name, error)
            assert await _every_table() == before, f"{name} wrote without its audit event"
    # The same writes go through once the audit trail accepts them again.
    response = await admin.raw(*_document(WRITES[1][1], variables))
    assert response.json()["data"]["updateConnection"]["userErrors"] == []


def _sqlite_writer_active(database_url: str) -> bool:
    """True while another process holds SQLite's write lock (a write transaction is open)."""
    path = database_url.removeprefix("sqlite:///")
    probe = sqlite3.connect(path, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


async def _wait_in_audit_insert(database_url: str, process: subprocess.Popen[str]) -> None:
    """Until the server is inside the audit insert: the last step of the write's transaction,
    which the stall trigger holds for minutes. SQLite cannot say which statement runs, only that
    a write transaction is open; the steps before the audit insert take milliseconds, so one
    still open a second later is stalled in it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited before the audit insert"
        if is_sqlite(database_url):
            if _sqlite_writer_active(database_url):
                await asyncio.sleep(1)
                assert _sqlite_writer_active(database_url)
                return
        elif await stalled_in_audit_insert_on_postgres():
            return
        await asyncio.sleep(0.1)
    pytest.fail("the write never reached its audit insert")


async def test_a_process_killed_before_its_audit_event_commits_leaves_neither(
    database_url, clean_db, fake, fresh_secret
):
    provider = fake("OPENAI_COMPATIBLE", key=fresh_secret, models=["model-a"])
    create = """mutation($input: CreateConnectionInput!) {
      createConnection(input: $input) { connection { id } } }"""
    fields = {"provider": "OPENAI_COMPATIBLE", "baseUrl": provider.url, "apiKey": fresh_secret}
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(database_url, port, log)
        try:
            wait_healthy(port, process)
            async with audit_inserts_stall(database_url):
                caller = threading.Thread(
                    target=lambda: _ignore_errors(
                        post_graphql, port, create, {"input": {**fields, "name": "doomed"}}
                    ),
                    daemon=True,
                )
                caller.start()
                await _wait_in_audit_insert(database_url, process)
                process.kill()
                process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert await LLMConnection.count() == 0, "the connection committed without its audit event"
    assert await ConnectionModel.count() == 0
    assert await AuditEvent.count() == 0


def _ignore_errors(call: Any, *args: Any) -> None:
    """The caller's connection dies with the server; that is the point."""
    with contextlib.suppress(httpx.HTTPError):
        call(*args)
