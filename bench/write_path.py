"""What each write costs the database: statements and commits per mutation, counted at the
engine (a statement outside a transaction commits on its own, so it counts as a commit too).

make bench          (or: .venv/bin/python -m bench.write_path)

Counting happens in Piccolo's engine and transaction classes, not in Switchboard's code, so the
same script measures any revision of the service.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction

from bench.common import bench_app, graphql
from tests.fakes.providers import FakeOpenAI

WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass
class Tally:
    statements: int = 0
    commits: int = 0


TALLY = Tally()


def _counting_statements(engine_class: Any) -> None:
    original = engine_class.run_querystring

    async def run_querystring(self: Any, querystring: Any, in_pool: bool = True) -> Any:
        TALLY.statements += 1
        outside = self.current_transaction.get() is None
        if outside and str(querystring).lstrip().upper().startswith(WRITES):
            TALLY.commits += 1
        return await original(self, querystring, in_pool)

    engine_class.run_querystring = run_querystring


def _counting_commits(transaction_class: Any) -> None:
    original = transaction_class.commit

    async def commit(self: Any) -> Any:
        TALLY.commits += 1
        return await original(self)

    transaction_class.commit = commit


for _engine in (SQLiteEngine, PostgresEngine):
    _counting_statements(_engine)
for _transaction in (SQLiteTransaction, PostgresTransaction):
    _counting_commits(_transaction)


@contextlib.contextmanager
def counted(label: str) -> Iterator[None]:
    TALLY.statements = TALLY.commits = 0
    yield
    print(f"{label:<44} {TALLY.statements:>3} statements  {TALLY.commits:>2} commits")


CREATE = """mutation($input: CreateConnectionInput!) {
  createConnection(input: $input) { connection { id version } userErrors { code message } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateConnectionInput!) {
  updateConnection(id: $id, input: $input) { connection { id } userErrors { code message } } }"""
DEFAULT = """mutation($id: ID!) {
  setDefaultConnection(id: $id) { connection { id } userErrors { code message } } }"""
ROTATE = """mutation($id: ID!, $input: RotateCredentialsInput!) {
  rotateConnectionCredentials(id: $id, input: $input) { connection { id } userErrors { code } } }"""
DELETE = """mutation($id: ID!) {
  deleteConnection(id: $id, force: true) { deletedId userErrors { code message } } }"""
ENDPOINT = """mutation($input: CreateEndpointInput!) {
  createEndpoint(input: $input) { endpoint { id } userErrors { code message } } }"""


async def main() -> None:
    fake = FakeOpenAI(key="sk-bench-0000000000000000", models=["model-a", "model-b"])
    try:
        async with bench_app() as (_, client):
            await run(client, fake)
    finally:
        fake.close()


async def run(client: Any, fake: FakeOpenAI) -> None:
    base = {"provider": "OPENAI_COMPATIBLE", "baseUrl": fake.url, "apiKey": fake.key}
    with counted("createConnection"):
        made = await graphql(client, CREATE, {"input": {**base, "name": "one"}})
    connection = made["createConnection"]["connection"]["id"]
    with counted("createConnection (verify: true)"):
        await graphql(client, CREATE, {"input": {**base, "name": "two", "verify": True}})
    with counted("updateConnection (description)"):
        await graphql(client, UPDATE, {"id": connection, "input": {"description": "d"}})
    with counted("updateConnection (prefixId: lists again)"):
        await graphql(client, UPDATE, {"id": connection, "input": {"prefixId": "p"}})
    with counted("setDefaultConnection"):
        await graphql(client, DEFAULT, {"id": connection})
    with counted("rotateConnectionCredentials (verify)"):
        await graphql(client, ROTATE, {"id": connection, "input": {"apiKey": fake.key}})
    with counted("createEndpoint"):
        endpoint = {"name": "e", "connectionId": connection, "model": "p.model-a"}
        await graphql(client, ENDPOINT, {"input": endpoint})
    with counted("deleteConnection (force, one dependent)"):
        await graphql(client, DELETE, {"id": connection})


if __name__ == "__main__":
    asyncio.run(main())
