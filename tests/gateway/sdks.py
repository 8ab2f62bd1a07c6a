"""The official SDKs pointed at the gateway, as applications use them (over ASGI in-process;
tests that need a real socket use tests.serving)."""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2
import openai
from google import genai
from google.genai import types

from tests.documents import create

CALLER = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  token userErrors { field code message } } }"""


def openai_client(app: Any, token: str, **headers: str) -> openai.AsyncOpenAI:
    transport = httpx2.ASGITransport(app=app)
    return openai.AsyncOpenAI(
        base_url="http://switchboard.test/v1",
        api_key=token,
        max_retries=0,
        default_headers=headers or None,
        http_client=httpx2.AsyncClient(transport=transport),
    )


def anthropic_client(app: Any, token: str, **headers: str) -> anthropic.AsyncAnthropic:
    transport = httpx2.ASGITransport(app=app)
    return anthropic.AsyncAnthropic(
        base_url="http://switchboard.test",
        api_key=token,
        max_retries=0,
        default_headers=headers or None,
        http_client=httpx2.AsyncClient(transport=transport),
    )


async def caller_token(admin, **fields: Any) -> str:
    payload = (await admin(CALLER, {"input": {"name": "app", "role": "CALLER", **fields}}))[
        "createApiToken"
    ]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["token"]


async def openai_connection(admin, fake, name: str, models: list[str], **fields: Any) -> dict:
    server = fake("OPENAI_COMPATIBLE", key=f"sk-S3CR3T-{name}-upstream-key", models=models)
    connection = await create(
        admin,
        name=name,
        provider="OPENAI_COMPATIBLE",
        baseUrl=server.url,
        apiKey=server.key,
        **fields,
    )
    return {"server": server, **connection}


def gemini_client(app: Any, token: str, **headers: str) -> genai.Client:
    """google-genai with a custom base URL, as Gemini CLI's GOOGLE_GEMINI_BASE_URL sets it."""
    transport = httpx2.ASGITransport(app=app)
    options = types.HttpOptions(
        base_url="http://switchboard.test",
        headers=headers or None,
        httpx_async_client=httpx2.AsyncClient(transport=transport),
        retry_options=types.HttpRetryOptions(attempts=1),
    )
    return genai.Client(api_key=token, http_options=options)


async def anthropic_connection(admin, fake, name: str, models: list[str]) -> dict:
    server = fake("ANTHROPIC", key=f"sk-ant-S3CR3T-{name}", models=models)
    connection = await create(
        admin, name=name, provider="ANTHROPIC", baseUrl=server.url, apiKey=server.key
    )
    return {"server": server, **connection}


async def gemini_connection(admin, fake, name: str, models: list[str]) -> dict:
    server = fake("GEMINI", key=f"AIza-S3CR3T-{name}", models=models)
    connection = await create(
        admin, name=name, provider="GEMINI", baseUrl=server.origin, apiKey=server.key
    )
    return {"server": server, **connection}
