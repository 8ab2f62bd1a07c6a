"""Driving the admin console in headless Chromium as a person (or a screen reader) would: by
roles and names. The GraphQL calls a test makes around the browser, sign-in, and the checks
every flow shares: no key in the page, the browser's storage or a URL; axe-core's verdict."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.serving import ADMIN

KEY = "sk-S3CR3T-console-upstream-key-WXYZ"
CREATE = """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  connection { id } userErrors { message } } }"""
TOKEN = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  token apiToken { id } userErrors { message } } }"""
UPDATE = """mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) {
  userErrors { message } } }"""
SETTINGS = """mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) {
  userErrors { message } } }"""
ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  userErrors { message } } }"""
SWITCH_IS = "v => document.querySelector('[role=switch]').getAttribute('aria-checked') === v"
AXE = Path(__file__).resolve().parents[2] / "console" / "node_modules" / "axe-core" / "axe.min.js"


async def gql(port: int, query: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient(timeout=60) as http:
        answer = await http.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
    return answer.json()


async def sign_in(page, url: str, token: str) -> None:
    await page.goto(url + "/")
    await page.get_by_label("Token").fill(token)
    await page.get_by_role("button", name="Sign in").click()


async def no_secret_anywhere(page) -> None:
    html = await page.content()
    storage = await page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert KEY not in html and KEY not in storage and KEY not in page.url
    assert ADMIN not in page.url and ADMIN not in html
    assert await page.evaluate("() => localStorage.length") == 0


async def screenshot(page, name: str) -> None:
    """The README's pictures: `make screenshots` runs the tests with this folder set."""
    folder = os.environ.get("SWITCHBOARD_SCREENSHOTS")
    if folder:
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.screenshot(path=str(Path(folder) / f"console-{name}.png"), full_page=True)


async def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs the console's packages")
    await page.add_script_tag(content=AXE.read_text())
    found = await page.evaluate(
        "async () => (await axe.run()).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)
