"""Property-based fuzzing of createConnection and updateConnection: whatever the input, the answer
is a connection or clean userErrors, never an unexpected error, and never a secret."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.asgi import create_app
from app.auth.service import Role, issue_token
from app.db.engine import bind_tables, close_engine
from app.settings import load_settings
from tests.conftest import ROOT, TEST_KEYRING, TEST_SETTINGS
from tests.documents import CREATE, UPDATE

pytestmark = pytest.mark.db

PROVIDERS = [
    "OPENAI",
    "AZURE_OPENAI",
    "ANTHROPIC",
    "GEMINI",
    "VERTEX_AI",
    "OLLAMA",
    "OPENAI_COMPATIBLE",
    "TOGETHER",
]
text = st.text(max_size=80)
tricky = st.sampled_from(
    [
        "",
        " ",
        "…WXYZ",
        "sk-****1234",
        "a\r\nb",
        "\x00",
        "https://x.example/v1",
        "http://169.254.169.254",
        "ftp://x",
        "{}",
        "名前",
        "x" * 300,
    ]
)
strings = st.one_of(text, tricky)
optional = st.one_of(st.none(), strings)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), strings),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3),
    max_leaves=6,
)
secret = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=12, max_size=40).map(
    lambda s: "sk-" + s
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "description": optional,
        "authMethod": st.sampled_from(["API_KEY", "NONE", "AZURE_API_KEY", "SERVICE_ACCOUNT"]),
        "baseUrl": optional,
        "apiKey": st.one_of(st.none(), secret, strings),
        "serviceAccountJson": optional,
        "config": st.one_of(st.none(), json_values),
        "prefixId": optional,
        "tags": st.lists(strings, max_size=4),
        "modelIds": st.lists(strings, max_size=4),
        "enabled": st.booleans(),
        "isDefault": st.booleans(),
        "customHeaders": st.lists(
            st.fixed_dictionaries({"name": strings, "value": optional}), max_size=3
        ),
    },
)
creates = st.tuples(strings, st.sampled_from(PROVIDERS), fields)
# Names the API itself writes in answers (field paths, codes): a key that is part of one cannot
# be told apart from it.
SCHEMA_TEXT = (ROOT / "schema.graphql").read_text()


def _check(response: httpx.Response, payload_key: str, sent: dict[str, Any]) -> None:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload = body["data"][payload_key]
    assert (payload["connection"] is None) == bool(payload["userErrors"]), payload
    for error in payload["userErrors"]:
        assert error["message"] and error["code"] in {"VALIDATION", "NOT_ALLOWED", "DUPLICATE_NAME"}
    key = sent.get("apiKey")
    # The key may not come back, unless the same text was also sent in a non-secret field.
    public = {
        k: v for k, v in sent.items() if k not in ("apiKey", "serviceAccountJson", "customHeaders")
    }
    public["headerNames"] = [h.get("name") for h in sent.get("customHeaders") or []]
    if (
        isinstance(key, str)
        and len(key) > 8
        and key not in json.dumps(public, ensure_ascii=False)
        and key not in SCHEMA_TEXT
    ):
        assert key not in response.text, "a secret came back"


async def _scenario(database_url: str, cases: list[tuple[str, str, dict[str, Any]]]) -> None:
    app = create_app(
        load_settings({"DATABASE_URL": database_url, **TEST_SETTINGS}),
        TEST_KEYRING,
        store_namespace=f"fuzz-{uuid.uuid4().hex}",
    )
    bind_tables(app.state.engine)
    token = await issue_token(f"fuzz-{uuid.uuid4().hex[:8]}", Role.ADMIN, "fuzz")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://sb",
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        anchor = None
        for name, provider, extra in cases:
            sent = {"name": name, "provider": provider, **extra}
            response = await http.post(
                "/graphql", json={"query": CREATE, "variables": {"input": sent}}
            )
            _check(response, "createConnection", sent)
            created = response.json()["data"]["createConnection"]["connection"]
            anchor = anchor or (created and created["id"])
            if anchor:
                response = await http.post(
                    "/graphql", json={"query": UPDATE, "variables": {"id": anchor, "input": extra}}
                )
                _check(response, "updateConnection", extra)
    for outbound in app.state.outbound:
        await outbound.client.aclose()
    await close_engine(app.state.engine)


def test_fuzzed_inputs_never_break_the_api(database_url, app):
    """Sync on purpose: Hypothesis drives each example on its own event loop and engine."""

    @settings(
        max_examples=int(os.environ.get("SWITCHBOARD_FUZZ_EXAMPLES", "40")),
        deadline=None,
        derandomize=os.environ.get("CI") == "true",
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(creates, min_size=1, max_size=4))
    def run(cases: list[tuple[str, str, dict[str, Any]]]) -> None:
        asyncio.run(_scenario(database_url, cases))

    try:
        run()
    finally:
        bind_tables(app.state.engine)  # hand the tables back to the suite's engine
