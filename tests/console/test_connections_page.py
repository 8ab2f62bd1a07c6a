"""The admin console in headless Chromium against a real `serve` and a loopback fake provider,
driven as a person (or a screen reader) would: by roles and names. Sign-in, the connections
list, its switch, star and Test, a CALLER token's page, a token revoked mid-session; no key
anywhere in the page, the browser's storage or a URL."""

from __future__ import annotations

import asyncio
import json
import os
import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port

pytestmark = pytest.mark.db

KEY = "sk-S3CR3T-console-upstream-key-WXYZ"
CREATE = """mutation($input: CreateConnectionInput!) { createConnection(input: $input) {
  connection { id } userErrors { message } } }"""
TOKEN = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  token apiToken { id } userErrors { message } } }"""


async def _gql(port: int, query: str, variables: dict | None = None) -> dict:
    async with httpx.AsyncClient(timeout=60) as http:
        answer = await http.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
    return answer.json()


@pytest.fixture
async def console(database_url, clean_db, fake) -> AsyncIterator[dict[str, Any]]:
    """serve on the test database with one connection, "acme", on a fake provider."""
    server = fake("OPENAI_COMPATIBLE", key=KEY, models=["gpt-fake"])
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        process = start_serve(database_url, port, log)
        try:
            await asyncio.to_thread(wait_healthy, port, process)
            fields = {
                "name": "acme",
                "provider": "OPENAI_COMPATIBLE",
                "baseUrl": server.url,
                "apiKey": KEY,
            }
            made = await _gql(port, CREATE, {"input": fields})
            assert made["data"]["createConnection"]["userErrors"] == [], made
            yield {"url": f"http://127.0.0.1:{port}", "port": port, "provider": server.url}
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 30)


async def _sign_in(page, url: str, token: str) -> None:
    await page.goto(url + "/")
    await page.get_by_label("Token").fill(token)
    await page.get_by_role("button", name="Sign in").click()


async def _no_secret_anywhere(page) -> None:
    html = await page.content()
    storage = await page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert KEY not in html and KEY not in storage and KEY not in page.url
    assert ADMIN not in page.url and ADMIN not in html
    assert await page.evaluate("() => localStorage.length") == 0


SWITCH_IS = "v => document.querySelector('[role=switch]').getAttribute('aria-checked') === v"


async def _screenshot(page, name: str) -> None:
    """The README's pictures: `make screenshots` runs the tests with this folder set."""
    folder = os.environ.get("SWITCHBOARD_SCREENSHOTS")
    if folder:
        await page.set_viewport_size({"width": 1280, "height": 800})
        await page.screenshot(path=str(Path(folder) / f"console-{name}.png"), full_page=True)


async def test_an_admin_signs_in_and_manages_a_connection_from_its_row(chromium, console):
    page = await chromium.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url + (r.post_data or "")))
    await _sign_in(page, console["url"], "swb_not-a-real-token-0000000000000")
    assert "not valid" in await page.get_by_role("alert").inner_text()

    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("heading", name="Connections").wait_for()
    switch = page.get_by_role("switch", name=re.compile("acme"))
    assert await switch.get_attribute("aria-checked") == "true"
    row = page.get_by_role("listitem", name="acme")
    assert "WXYZ" in await row.inner_text()  # the key's hint, never the key

    await switch.click()
    await page.wait_for_function(SWITCH_IS, arg="false")
    listed = await _gql(console["port"], "{ connections { nodes { name enabled } } }")
    assert listed["data"]["connections"]["nodes"] == [{"name": "acme", "enabled": False}]
    await switch.click()
    await page.wait_for_function(SWITCH_IS, arg="true")

    await page.get_by_role("button", name="Set as default: acme").click()
    await page.get_by_text("default", exact=True).wait_for()
    await page.get_by_role("button", name="Test: acme").click()
    await row.get_by_text("OK (checked just now)").wait_for()
    await _screenshot(page, "connections")

    await _no_secret_anywhere(page)
    assert not [r for r in requests if KEY in r], "the key never travels in the console's requests"
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in to Switchboard").wait_for()
    assert await page.evaluate("() => sessionStorage.length") == 0


async def test_a_caller_token_gets_a_page_that_says_what_it_is_for(chromium, console):
    made = await _gql(console["port"], TOKEN, {"input": {"name": "app", "role": "CALLER"}})
    page = await chromium.new_page()
    await _sign_in(page, console["url"], made["data"]["createApiToken"]["token"])
    await page.get_by_role("heading", name="This token can only call models").wait_for()
    assert f"{console['url']}/v1" in await page.inner_text("main")


async def test_a_token_revoked_mid_session_returns_to_sign_in_with_a_message(chromium, console):
    made = await _gql(console["port"], TOKEN, {"input": {"name": "ops", "role": "ADMIN"}})
    created = made["data"]["createApiToken"]
    page = await chromium.new_page()
    await _sign_in(page, console["url"], created["token"])
    await page.get_by_role("switch", name=re.compile("acme")).wait_for()
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { userErrors { message } } }"
    assert (await _gql(console["port"], revoke, {"id": created["apiToken"]["id"]}))["data"]
    await page.get_by_role("switch", name=re.compile("acme")).click()
    await page.get_by_role("heading", name="Sign in to Switchboard").wait_for()
    assert "no longer valid" in await page.get_by_role("status").inner_text()


async def test_the_console_is_served_locked_down_compressed_and_cached(console):
    async with httpx.AsyncClient(base_url=console["url"]) as http:
        html = await http.get("/")
        assert "script-src 'self'" in html.headers["content-security-policy"]
        assert "<script>" not in html.text  # no inline script
        script = re.search(r'src="(/console/assets/[^"]+\.js)"', html.text).group(1)
        asset = await http.get(script, headers={"Accept-Encoding": "gzip"})
        assert asset.headers["content-encoding"] == "gzip"
        assert "immutable" in asset.headers["cache-control"]
        assert (await http.get("/console/assets/../index.html")).status_code == 404


async def test_a_connection_is_added_after_a_test_and_field_errors_show_beside_their_field(
    chromium, console
):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Add connection").click()
    dialog = page.get_by_role("dialog", name="Add connection")
    await dialog.get_by_label("Provider").select_option(value="OPENAI_COMPATIBLE")
    await dialog.get_by_label("Name").fill("beta")
    await dialog.get_by_label("Base URL").fill("ftp://nowhere")
    await dialog.get_by_label("API key").fill(KEY)
    await dialog.get_by_role("button", name="Save").click()
    base_url = dialog.get_by_label("Base URL")
    await page.wait_for_function(
        "() => document.getElementById('add-baseUrl').getAttribute('aria-invalid') === 'true'"
    )
    assert "http" in await dialog.locator("#add-baseUrl-error").inner_text()
    listed = await _gql(console["port"], "{ connections { totalCount } }")
    assert listed["data"]["connections"]["totalCount"] == 1, "nothing was saved"

    await base_url.fill(console["provider"])
    await dialog.get_by_role("button", name="Test connection").click()
    await dialog.get_by_role("status").filter(has_text="Connection OK").wait_for()
    await dialog.get_by_role("button", name="Save").click()
    await page.get_by_role("switch", name="Enabled: beta").wait_for()
    assert not await dialog.is_visible()
    await _no_secret_anywhere(page)


ENDPOINT = """mutation($input: CreateEndpointInput!) { createEndpoint(input: $input) {
  userErrors { message } } }"""


async def test_a_delete_lists_what_depends_on_the_connection_and_can_unlink_them(chromium, console):
    listed = await _gql(console["port"], "{ connections { nodes { id } } }")
    acme = listed["data"]["connections"]["nodes"][0]["id"]
    made = await _gql(
        console["port"],
        ENDPOINT,
        {"input": {"name": "chat", "connectionId": acme, "model": "gpt-fake"}},
    )
    assert made["data"]["createEndpoint"]["userErrors"] == [], made
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Delete: acme").click()
    dialog = page.get_by_role("dialog", name="Delete acme")
    await dialog.get_by_text("Endpoint chat").wait_for()
    await dialog.get_by_role("button", name="Cancel").click()
    assert (await _gql(console["port"], "{ connections { totalCount } }"))["data"]["connections"][
        "totalCount"
    ] == 1, "cancel deletes nothing"

    await page.get_by_role("button", name="Delete: acme").click()
    await dialog.get_by_role("button", name="Unlink and delete").click()
    await page.get_by_text("0 connection(s)").wait_for()
    left = await _gql(
        console["port"],
        "{ connections { totalCount } endpoints { nodes { name connection { name } } } }",
    )
    assert left["data"]["connections"]["totalCount"] == 0
    assert left["data"]["endpoints"]["nodes"] == [{"name": "chat", "connection": None}]


UPDATE = """mutation($id: ID!, $input: UpdateConnectionInput!) { updateConnection(id: $id, input: $input) {
  userErrors { message } } }"""


async def test_the_edit_dialog_saves_says_when_someone_else_changed_it_and_rotates_the_key(
    chromium, console
):
    acme = (await _gql(console["port"], "{ connections { nodes { id } } }"))["data"]["connections"][
        "nodes"
    ][0]["id"]
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Edit: acme").click()
    dialog = page.get_by_role("dialog", name="Edit acme")
    await dialog.get_by_label("Description").fill("the team's main one")
    # Meanwhile, someone else edits it.
    await _gql(console["port"], UPDATE, {"id": acme, "input": {"tags": ["other"]}})
    await dialog.get_by_role("button", name="Save").click()
    await dialog.get_by_role("alert").filter(has_text="Changed by someone else").wait_for()
    await dialog.get_by_role("button", name="Reload").click()
    await dialog.get_by_role("alert").wait_for(state="hidden")  # reloaded at the new version
    await dialog.get_by_label("Description").fill("the team's main one")
    await dialog.get_by_role("button", name="Save").click()
    await page.wait_for_function("() => !document.querySelector('dialog[open]')")
    read = await _gql(console["port"], "{ connections { nodes { description tags } } }")
    assert read["data"]["connections"]["nodes"] == [
        {"description": "the team's main one", "tags": ["other"]}
    ]

    await page.get_by_role("button", name="Edit: acme").click()
    await dialog.get_by_label("New API key").fill("sk-S3CR3T-wrong-key-0000")
    await dialog.get_by_role("button", name="Rotate key").click()
    refused = dialog.get_by_role("status")
    await refused.wait_for()
    assert "Key rotated" not in await refused.inner_text()
    await dialog.get_by_label("New API key").fill(KEY)
    await dialog.get_by_role("button", name="Rotate key").click()
    await dialog.get_by_role("status").filter(has_text="Key rotated").wait_for()
    assert KEY not in await page.content(), "a key typed in is not left in the page"


SETTINGS = """mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) {
  userErrors { message } } }"""


async def test_the_eye_reveals_the_key_only_when_allowed_and_hides_it_again(chromium, console):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("switch", name="Enabled: acme").wait_for()
    assert await page.get_by_role("button", name="Reveal key: acme").count() == 0, "off by default"

    await _gql(console["port"], SETTINGS, {"input": {"allowSecretReveal": True}})
    await page.reload()
    await page.get_by_role("button", name="Reveal key: acme").click()
    shown = page.get_by_role("listitem", name="acme").get_by_role("status")
    await shown.filter(has_text=KEY).wait_for()
    assert "audited" in await shown.inner_text()
    await page.get_by_label("Search connections").focus()  # focus leaves the eye: hidden again
    await page.wait_for_function("k => !document.body.innerText.includes(k)", arg=KEY)
    await _no_secret_anywhere(page)
    audit = await _gql(console["port"], "{ auditEvents(first: 5) { nodes { action } } }")
    assert "connection.reveal_secret" in json.dumps(audit), audit


AXE = Path(__file__).resolve().parents[2] / "console" / "node_modules" / "axe-core" / "axe.min.js"


async def _serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs the console's packages")
    await page.add_script_tag(content=AXE.read_text())
    found = await page.evaluate(
        "async () => (await axe.run()).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


async def test_axe_finds_no_serious_violation_on_the_pages_and_dialogs(chromium, console):
    for width, height in ((1280, 800), (390, 844)):
        # The page forbids inline scripts; only the test may inject axe, so CSP is bypassed here.
        page = await chromium.new_page(viewport={"width": width, "height": height}, bypass_csp=True)
        await page.goto(console["url"] + "/")
        await page.get_by_role("button", name="Sign in").wait_for()
        assert await _serious_violations(page) == [], "sign-in"
        await _sign_in(page, console["url"], ADMIN)
        await page.get_by_role("switch", name="Enabled: acme").wait_for()
        assert await _serious_violations(page) == [], "connections"
        await page.get_by_role("button", name="Add connection").click()
        await page.get_by_role("dialog", name="Add connection").get_by_label("Name").wait_for()
        assert await _serious_violations(page) == [], "add connection"
        await page.keyboard.press("Escape")
        await page.get_by_role("button", name="Edit: acme").click()
        await page.get_by_role("dialog", name="Edit acme").get_by_label("Name").wait_for()
        assert await _serious_violations(page) == [], "edit"
        await page.keyboard.press("Escape")
        await page.get_by_role("link", name="Tokens").click()
        await page.get_by_role("button", name="Create token").wait_for()
        assert await _serious_violations(page) == [], "tokens"
        await page.get_by_role("link", name="Models").click()
        await page.get_by_role("table", name=re.compile("Models")).wait_for()
        assert await _serious_violations(page) == [], "models"
        await page.get_by_role("link", name="Endpoints").click()
        await page.get_by_role("button", name="Add endpoint").wait_for()
        assert await _serious_violations(page) == [], "endpoints"
        await page.get_by_role("link", name="Workspaces").click()
        await page.get_by_role("button", name="Add workspace").wait_for()
        assert await _serious_violations(page) == [], "workspaces"
        await page.get_by_role("link", name="Usage").click()
        await page.get_by_role("table", name="Latest gateway calls").wait_for()
        assert await _serious_violations(page) == [], "usage"
        await page.get_by_role("link", name="Audit log").click()
        await page.get_by_role("table", name=re.compile("Audit events")).wait_for()
        assert await _serious_violations(page) == [], "audit log"
        await page.get_by_role("link", name="Settings").click()
        await page.get_by_role("table", name="Encryption keys").wait_for()
        assert await _serious_violations(page) == [], "settings"


async def test_a_token_is_created_shown_once_and_revoked(chromium, console):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Tokens").click()
    await page.get_by_role("heading", name="Tokens", exact=True).wait_for()
    await page.get_by_role("row", name=re.compile("bootstrap admin token")).wait_for()
    suggested = await page.locator("#token-users option").evaluate_all("o => o.map(x => x.value)")
    assert "admin" in suggested, suggested
    await page.get_by_label("Name").fill("ci-app")
    await page.get_by_label("Role").select_option("CALLER")
    await page.get_by_label("Requests a minute").fill("60")
    await page.get_by_role("button", name="Create token").click()
    shown = page.get_by_role("status").filter(has_text="shown this once")
    token = (await shown.locator("code").inner_text()).strip()
    assert token.startswith("swb_")
    async with httpx.AsyncClient() as http:
        viewer = await http.post(
            console["url"] + "/graphql",
            json={"query": "{ viewer { role } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert viewer.json()["data"]["viewer"]["role"] == "CALLER"
    storage = await page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert token not in storage and token not in page.url
    await page.get_by_role("button", name="Done").click()
    assert token not in await page.content()

    row = page.get_by_role("row", name=re.compile("ci-app"))
    assert "60 requests/min" in await row.inner_text()
    await page.get_by_role("button", name="Revoke: ci-app").click()
    await row.get_by_text("revoked or expired").wait_for()
    tokens = await _gql(console["port"], "{ apiTokens { nodes { name active } } }")
    assert {"name": "ci-app", "active": False} in tokens["data"]["apiTokens"]["nodes"]
    await page.reload()  # the page is in the URL
    await page.get_by_role("heading", name="Tokens", exact=True).wait_for()


async def test_settings_flip_the_organisation_switches_and_show_the_keys(chromium, console):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Settings").click()
    reveal = page.get_by_role("switch", name="Admins may reveal stored keys")
    assert await reveal.get_attribute("aria-checked") == "false"
    await reveal.click()
    await page.wait_for_function(
        "() => document.querySelector('[aria-labelledby=allowSecretReveal-label]')"
        ".getAttribute('aria-checked') === 'true'"
    )
    read = await _gql(console["port"], "{ settings { allowSecretReveal } }")
    assert read["data"]["settings"]["allowSecretReveal"] is True
    keys = page.get_by_role("table", name="Encryption keys")
    assert "1 secret(s)" in await keys.get_by_role("row", name=re.compile("test1")).inner_text()


async def test_the_models_page_searches_hides_a_model_and_refreshes_the_lists(chromium, console):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Models").click()
    model = page.get_by_role("switch", name="Enabled: gpt-fake")
    assert await model.get_attribute("aria-checked") == "true"
    assert (
        "acme (gpt-fake)" in await page.get_by_role("row", name=re.compile("gpt-fake")).inner_text()
    )
    await model.click()
    await page.wait_for_function(
        "() => document.querySelector('[role=switch]').getAttribute('aria-checked') === 'false'"
    )
    hidden = await _gql(console["port"], "{ models { totalCount } }")
    assert hidden["data"]["models"]["totalCount"] == 0, "hidden from the catalog's default view"
    await page.get_by_label("Search models").fill("nothing-like-this")
    await page.get_by_text("0 model(s)").wait_for()
    await page.get_by_role("button", name="Refresh model lists").click()
    outcomes = page.get_by_role("status", name="Refresh outcomes")
    await outcomes.get_by_text("acme: 1 model(s)").wait_for()
    await page.get_by_label("Search models").fill("")
    await page.get_by_role("switch", name="Enabled: gpt-fake").wait_for()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.post_data or ""))
    await page.get_by_label("One connection").select_option(label="acme")  # just that one
    await page.wait_for_function("() => !document.querySelector('#refresh-one').disabled")
    await outcomes.get_by_text("acme: 1 model(s)").wait_for()
    assert any("refreshModels" in a and '"connectionId":"' in a for a in asked), asked


async def test_an_endpoint_is_added_used_from_its_snippet_and_deleted(chromium, console):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Endpoints").click()
    await page.get_by_label("Name").fill("chat")
    await page.get_by_label("Model").fill("not-served")
    await page.get_by_role("button", name="Add endpoint").click()
    await page.locator("#endpoint-model-error").wait_for()  # beside the field it names
    await page.get_by_label("Model").fill("gpt-fake")
    await page.get_by_role("button", name="Add endpoint").click()
    row = page.get_by_role("row", name=re.compile("chat"))
    await row.wait_for()
    assert "acme" in await row.inner_text()

    await page.get_by_role("button", name="Edit: chat").click()
    edit = page.get_by_role("dialog", name="Edit chat")
    await edit.get_by_label("Model").fill("not-served-either")
    await edit.get_by_role("button", name="Save").click()
    await edit.locator(".field-error").wait_for()  # refused beside the model field
    await edit.get_by_label("Description").fill("the team's chat")
    await edit.get_by_label("Model").fill("gpt-fake")
    await edit.get_by_role("button", name="Save").click()
    await page.wait_for_function("() => !document.querySelector('dialog[open]')")
    read = await _gql(console["port"], "{ endpoints { nodes { description model } } }")
    assert read["data"]["endpoints"]["nodes"] == [
        {"description": "the team's chat", "model": "gpt-fake"}
    ]

    await page.get_by_role("button", name="Use it: chat").click()
    snippet = await page.get_by_role("region", name="Use chat").locator("pre").last.inner_text()
    assert snippet.startswith(f"curl -s {console['url']}/v1/chat/completions")
    caller = await _gql(console["port"], TOKEN, {"input": {"name": "app", "role": "CALLER"}})
    token = caller["data"]["createApiToken"]["token"]
    proc = await asyncio.create_subprocess_shell(
        snippet,
        env={"SWITCHBOARD_TOKEN": token, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await proc.communicate()
    assert json.loads(out)["choices"][0]["message"]["content"] == "echo: hello", "the snippet runs"

    await page.get_by_role("button", name="Delete: chat").click()
    confirm = page.get_by_role("dialog", name="Delete chat")
    assert "404" in await confirm.inner_text()
    await confirm.get_by_role("button", name="Delete").click()
    await page.get_by_text("Endpoints (0)").wait_for()


async def test_the_audit_log_shows_changes_and_filters_by_action(chromium, console):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("switch", name="Enabled: acme").click()  # connection.update
    await page.wait_for_function(SWITCH_IS, arg="false")
    await page.get_by_role("link", name="Audit log").click()
    events = page.get_by_role("table", name=re.compile("Audit events"))
    change = events.get_by_role("row", name=re.compile("connection.set_enabled|connection.update"))
    await change.first.wait_for()
    assert "enabled: true → false" in await change.first.inner_text()
    created = events.get_by_role("row", name=re.compile("connection.create"))
    assert "changed (secret, not recorded)" in await created.inner_text()
    await page.get_by_label("Who").select_option(label="admin")
    await created.wait_for()  # the admin did it
    await page.get_by_label("Action").fill("token.")
    await page.get_by_text("Audit events (0)").wait_for()
    assert KEY not in await page.content()


async def test_the_usage_page_charts_and_totals_what_went_through_the_gateway(chromium, console):
    call = {"model": "gpt-fake", "messages": [{"role": "user", "content": "one two"}]}
    async with httpx.AsyncClient(base_url=console["url"]) as http:
        for _ in range(3):
            answer = await http.post(
                "/v1/chat/completions", json=call, headers={"Authorization": f"Bearer {ADMIN}"}
            )
            assert answer.status_code == 200
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Usage").click()
    totals = page.get_by_role("table", name="Totals by connection")
    acme = totals.get_by_role("row", name=re.compile("acme"))
    await acme.wait_for()
    assert (await acme.inner_text()).split("\t")[1:5] == ["3", "0", "6", "9"]
    for chart in ("Requests", "Tokens", "Errors", "Latency (ms)"):
        await page.get_by_role("img", name=re.compile(f"^{re.escape(chart)} over time")).wait_for()
    assert await page.locator("canvas").count() >= 4
    await _screenshot(page, "usage")
    calls = page.get_by_role("table", name="Latest gateway calls")
    assert await calls.get_by_role("row", name=re.compile("gpt-fake")).count() == 3
    await page.get_by_label("Group by").select_option("MODEL")
    await (
        page.get_by_role("table", name="Totals by model")
        .get_by_role("row", name=re.compile("gpt-fake"))
        .wait_for()
    )


async def test_a_workspace_is_added_given_a_default_connection_and_deleted(chromium, console):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Workspaces").click()
    await page.get_by_label("Name").fill("research")
    await page.get_by_role("button", name="Add workspace").click()
    row = page.get_by_role("row", name=re.compile("research"))
    await row.wait_for()
    assert "none" in await row.inner_text(), "no global default yet"
    await page.get_by_label("Default connection: research").select_option(label="acme")
    await row.get_by_role("cell", name="acme", exact=True).wait_for()
    read = await _gql(
        console["port"], "{ workspaces { nodes { name effectiveConnection { name } } } }"
    )
    assert read["data"]["workspaces"]["nodes"] == [
        {"name": "research", "effectiveConnection": {"name": "acme"}}
    ]
    await page.get_by_role("button", name="Delete: research").click()
    confirm = page.get_by_role("dialog", name="Delete research")
    await confirm.get_by_role("button", name="Cancel").click()
    assert (await _gql(console["port"], "{ workspaces { totalCount } }"))["data"]["workspaces"][
        "totalCount"
    ] == 1, "cancel deletes nothing"
    await page.get_by_role("button", name="Delete: research").click()
    await confirm.get_by_role("button", name="Delete").click()
    await page.get_by_text("Workspaces (0)").wait_for()


async def test_a_member_reads_shared_connections_and_may_add_only_a_personal_one(chromium, console):
    made = await _gql(
        console["port"], TOKEN, {"input": {"name": "mia", "role": "MEMBER", "user": "mia"}}
    )
    token = made["data"]["createApiToken"]["token"]
    await _gql(console["port"], SETTINGS, {"input": {"allowDirectConnections": False}})
    page = await chromium.new_page()
    await _sign_in(page, console["url"], token)
    switch = page.get_by_role("switch", name="Enabled: acme")
    await switch.wait_for()
    assert await switch.is_disabled()
    row = page.get_by_role("listitem", name="acme")
    assert "read-only" in await row.inner_text()
    for absent in (
        "Set as default: acme",
        "Test: acme",
        "Edit: acme",
        "Delete: acme",
        "Add connection",
    ):
        assert await page.get_by_role("button", name=absent).count() == 0, absent
    for admin_only in ("Settings", "Audit log"):
        assert await page.get_by_role("link", name=admin_only).count() == 0, admin_only

    await _gql(console["port"], SETTINGS, {"input": {"allowDirectConnections": True}})
    await page.reload()
    await page.get_by_role("button", name="Add connection").click()
    dialog = page.get_by_role("dialog", name="Add connection")
    await dialog.get_by_label("Name").wait_for()  # the form is built once the catalog is in
    options = await dialog.get_by_label("Provider").locator("option").all_inner_texts()
    assert options == ["OpenAI-compatible server"]


async def test_the_lists_update_live_when_another_admin_or_a_gateway_call_changes_them(
    chromium, console
):
    page = await chromium.new_page()
    await _sign_in(page, console["url"], ADMIN)
    await page.get_by_role("switch", name="Enabled: acme").wait_for()
    fields = {"name": "beta", "provider": "OLLAMA", "baseUrl": "http://127.0.0.1:9"}
    await _gql(console["port"], CREATE, {"input": fields})  # another admin, another tab
    await page.get_by_role("switch", name="Enabled: beta").wait_for(timeout=10_000)

    await page.get_by_role("link", name="Usage").click()
    totals = page.get_by_role("table", name="Totals by connection")
    await totals.wait_for()
    assert await totals.get_by_role("row", name=re.compile("acme")).count() == 0
    call = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(base_url=console["url"]) as http:
        answer = await http.post(
            "/v1/chat/completions", json=call, headers={"Authorization": f"Bearer {ADMIN}"}
        )
        assert answer.status_code == 200
    await totals.get_by_role("row", name=re.compile("acme")).wait_for(timeout=10_000)


SOCKET = """async ([url, token]) => new Promise((done) => {
  const socket = new WebSocket(url, "graphql-transport-ws");
  socket.onopen = () => socket.send(JSON.stringify(
    {type: "connection_init", payload: {Authorization: "Bearer " + token}}));
  socket.onmessage = (e) => { const m = JSON.parse(e.data);
    if (m.type === "connection_ack") socket.send(JSON.stringify(
      {type: "subscribe", id: "1", payload: {query: "subscription { connectionsChanged }"}}));
    else done({type: m.type, payload: m.payload}); };
  socket.onclose = (e) => done({closed: e.code, reason: e.reason});
})"""


async def test_subscriptions_need_a_valid_token_that_may_do_more_than_call_models(
    chromium, console
):
    page = await chromium.new_page()
    await page.goto(console["url"] + "/")
    ws = console["url"].replace("http://", "ws://") + "/graphql"
    refused = await page.evaluate(SOCKET, [ws, "swb_not-a-real-token-0000000000000"])
    assert refused["closed"] == 4401
    made = await _gql(console["port"], TOKEN, {"input": {"name": "app", "role": "CALLER"}})
    caller = await page.evaluate(SOCKET, [ws, made["data"]["createApiToken"]["token"]])
    assert caller["closed"] == 4401
    admitted = await page.evaluate(SOCKET, [ws, ADMIN])
    assert admitted["type"] == "next" and isinstance(
        admitted["payload"]["data"]["connectionsChanged"], int
    )
