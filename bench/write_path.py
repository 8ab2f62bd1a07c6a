"""What each write costs the database: statements and commits per mutation, counted at the
engine (a statement outside a transaction commits on its own, so it counts as a commit too).

make bench          (or: .venv/bin/python -m bench.write_path)

Counting happens in Piccolo's engine and transaction classes (tests/db_tally.py), not in
Switchboard's code, so the same script measures any revision of the service.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from bench.common import bench_app, graphql
from tests.db_tally import tally
from tests.fakes.providers import FakeOpenAI


@contextlib.contextmanager
def counted(label: str) -> Iterator[None]:
    with tally() as seen:
        yield
    print(f"{label:<44} {seen.statements:>3} statements  {seen.commits:>2} commits")


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
