"""Test helpers: a GraphQL client that checks every response for leaked secrets."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any

import httpx

# Every secret the tests use carries this marker away from its last four characters, so a leak
# anywhere (response, log, database) is found by one substring search.
SECRET_MARKER = "S3CR3T"


@dataclass
class SecretWatch:
    extra: set[str] = field(default_factory=set)

    def assert_absent(self, where: str, text: str) -> None:
        assert SECRET_MARKER not in text, f"a secret leaked into the {where}: ...{_around(text)}..."
        for secret in self.extra:
            assert secret not in text, f"a secret leaked into the {where}"


def _around(text: str) -> str:
    at = text.index(SECRET_MARKER)
    return text[max(0, at - 60) : at]


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, token: str, watch: SecretWatch) -> None:
        self.http = http
        self.token = token
        self.watch = watch

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        self.watch.assert_absent("response", response.text)
        return response

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a query that must succeed without top-level errors; return its data."""
        response = await self.raw(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, json.dumps(body["errors"], indent=2)
        return body["data"]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        response = await self.raw(query, variables)
        body = response.json()
        assert body.get("errors"), body
        return body["errors"]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def insert_plain_connections(count: int, prefix: str = "bulk") -> None:
    """`count` keyless Ollama connections written straight to the table: data for list sizes."""
    import uuid

    from app.db.tables import LLMConnection

    await LLMConnection.insert(
        *(
            LLMConnection(
                id=uuid.uuid4(),
                name=f"{prefix}-{i:04}",
                name_key=f"{prefix}-{i:04}",
                provider="OLLAMA",
                auth_method="NONE",
                base_url="http://127.0.0.1:9",
            )
            for i in range(count)
        )
    )
