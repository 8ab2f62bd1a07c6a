"""The connections page in headless Chromium against a real `serve` and a loopback fake
provider: sign-in and its roles, each row's switch, star, Test, eye, gear and Delete, adding a
connection, live updates; no key anywhere in the page, the browser's storage or a URL."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.console.driving import (
    CREATE,
    ENDPOINT,
    KEY,
    SETTINGS,
    SWITCH_IS,
    TOKEN,
    UPDATE,
    gql,
    no_secret_anywhere,
    screenshot,
    sign_in,
)
from tests.serving import ADMIN

pytestmark = pytest.mark.db


async def test_an_admin_signs_in_and_manages_a_connection_from_its_row(chromium, console):
    page = await chromium.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url + (r.post_data or "")))
    await sign_in(page, console["url"], "swb_not-a-real-token-0000000000000")
    assert "not valid" in await page.get_by_role("alert").inner_text()

    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("heading", name="Connections").wait_for()
    switch = page.get_by_role("switch", name=re.compile("acme"))
    assert await switch.get_attribute("aria-checked") == "true"
    row = page.get_by_role("listitem", name="acme")
    assert "WXYZ" in await row.inner_text()  # the key's hint, never the key

    await switch.click()
    await page.wait_for_function(SWITCH_IS, arg="false")
    listed = await gql(console["port"], "{ connections { nodes { name enabled } } }")
    assert listed["data"]["connections"]["nodes"] == [{"name": "acme", "enabled": False}]
    await switch.click()
    await page.wait_for_function(SWITCH_IS, arg="true")

    await page.get_by_role("button", name="Set as default: acme").click()
    await page.get_by_text("default", exact=True).wait_for()
    await page.get_by_role("button", name="Test: acme").click()
    await row.get_by_text("OK (checked just now)").wait_for()
    await screenshot(page, "connections")

    await no_secret_anywhere(page)
    assert not [r for r in requests if KEY in r], "the key never travels in the console's requests"
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in to Switchboard").wait_for()
    assert await page.evaluate("() => sessionStorage.length") == 0


async def test_a_caller_token_gets_a_page_that_says_what_it_is_for(chromium, console):
    made = await gql(console["port"], TOKEN, {"input": {"name": "app", "role": "CALLER"}})
    page = await chromium.new_page()
    await sign_in(page, console["url"], made["data"]["createApiToken"]["token"])
    await page.get_by_role("heading", name="This token can only call models").wait_for()
    assert f"{console['url']}/v1" in await page.inner_text("main")


async def test_a_token_revoked_mid_session_returns_to_sign_in_with_a_message(chromium, console):
    made = await gql(console["port"], TOKEN, {"input": {"name": "ops", "role": "ADMIN"}})
    created = made["data"]["createApiToken"]
    page = await chromium.new_page()
    await sign_in(page, console["url"], created["token"])
    await page.get_by_role("switch", name=re.compile("acme")).wait_for()
    revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { userErrors { message } } }"
    assert (await gql(console["port"], revoke, {"id": created["apiToken"]["id"]}))["data"]
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
    await sign_in(page, console["url"], ADMIN)
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
    listed = await gql(console["port"], "{ connections { totalCount } }")
    assert listed["data"]["connections"]["totalCount"] == 1, "nothing was saved"

    await base_url.fill(console["provider"])
    await dialog.get_by_role("button", name="Test connection").click()
    await dialog.get_by_role("status").filter(has_text="Connection OK").wait_for()
    await dialog.get_by_role("button", name="Save").click()
    await page.get_by_role("switch", name="Enabled: beta").wait_for()
    assert not await dialog.is_visible()
    await no_secret_anywhere(page)


async def test_a_delete_lists_what_depends_on_the_connection_and_can_unlink_them(chromium, console):
    listed = await gql(console["port"], "{ connections { nodes { id } } }")
    acme = listed["data"]["connections"]["nodes"][0]["id"]
    made = await gql(
        console["port"],
        ENDPOINT,
        {"input": {"name": "chat", "connectionId": acme, "model": "gpt-fake"}},
    )
    assert made["data"]["createEndpoint"]["userErrors"] == [], made
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Delete: acme").click()
    dialog = page.get_by_role("dialog", name="Delete acme")
    await dialog.get_by_text("Endpoint chat").wait_for()
    await dialog.get_by_role("button", name="Cancel").click()
    assert (await gql(console["port"], "{ connections { totalCount } }"))["data"]["connections"][
        "totalCount"
    ] == 1, "cancel deletes nothing"

    await page.get_by_role("button", name="Delete: acme").click()
    await dialog.get_by_role("button", name="Unlink and delete").click()
    await page.get_by_text("0 connection(s)").wait_for()
    left = await gql(
        console["port"],
        "{ connections { totalCount } endpoints { nodes { name connection { name } } } }",
    )
    assert left["data"]["connections"]["totalCount"] == 0
    assert left["data"]["endpoints"]["nodes"] == [{"name": "chat", "connection": None}]


async def test_a_delete_moves_the_dependents_of_a_recently_used_connection(chromium, console):
    listed = await gql(console["port"], "{ connections { nodes { id } } }")
    acme = listed["data"]["connections"]["nodes"][0]["id"]
    fields = {"name": "beta", "provider": "OPENAI_COMPATIBLE", "apiKey": KEY}
    made = await gql(console["port"], CREATE, {"input": {**fields, "baseUrl": console["provider"]}})
    assert made["data"]["createConnection"]["userErrors"] == [], made
    made = await gql(
        console["port"],
        ENDPOINT,
        {"input": {"name": "chat", "connectionId": acme, "model": "gpt-fake"}},
    )
    assert made["data"]["createEndpoint"]["userErrors"] == [], made
    async with httpx.AsyncClient(base_url=console["url"], timeout=30) as http:
        called = await http.post(
            "/v1/chat/completions",
            json={"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]},
            headers={"Authorization": f"Bearer {ADMIN}", "X-Switchboard-Connection": "acme"},
        )
    assert called.status_code == 200, called.text
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Delete: acme").click()
    dialog = page.get_by_role("dialog", name="Delete acme")
    await dialog.get_by_text("Endpoint chat").wait_for()
    await dialog.get_by_label("Move them to").select_option(label="beta")
    await dialog.get_by_role("button", name="Move and delete").click()
    await dialog.get_by_role("alert").filter(has_text="gateway call(s)").wait_for()
    await dialog.get_by_role("button", name="Move and delete anyway").click()
    await page.get_by_text("1 connection(s)").wait_for()
    left = await gql(console["port"], "{ endpoints { nodes { name connection { name } } } }")
    assert left["data"]["endpoints"]["nodes"] == [{"name": "chat", "connection": {"name": "beta"}}]


async def test_the_edit_dialog_saves_says_when_someone_else_changed_it_and_rotates_the_key(
    chromium, console
):
    acme = (await gql(console["port"], "{ connections { nodes { id } } }"))["data"]["connections"][
        "nodes"
    ][0]["id"]
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Edit: acme").click()
    dialog = page.get_by_role("dialog", name="Edit acme")
    await dialog.get_by_label("Description").fill("the team's main one")
    # Meanwhile, someone else edits it.
    await gql(console["port"], UPDATE, {"id": acme, "input": {"tags": ["other"]}})
    await dialog.get_by_role("button", name="Save").click()
    await dialog.get_by_role("alert").filter(has_text="Changed by someone else").wait_for()
    await dialog.get_by_role("button", name="Reload").click()
    await dialog.get_by_role("alert").wait_for(state="hidden")  # reloaded at the new version
    await dialog.get_by_label("Description").fill("the team's main one")
    await dialog.get_by_role("button", name="Save").click()
    await page.wait_for_function("() => !document.querySelector('dialog[open]')")
    read = await gql(console["port"], "{ connections { nodes { description tags } } }")
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


async def test_the_eye_reveals_the_key_only_when_allowed_and_hides_it_again(chromium, console):
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("switch", name="Enabled: acme").wait_for()
    assert await page.get_by_role("button", name="Reveal key: acme").count() == 0, "off by default"

    await gql(console["port"], SETTINGS, {"input": {"allowSecretReveal": True}})
    await page.reload()
    await page.get_by_role("button", name="Reveal key: acme").click()
    shown = page.get_by_role("listitem", name="acme").get_by_role("status")
    await shown.filter(has_text=KEY).wait_for()
    assert "audited" in await shown.inner_text()
    await page.get_by_label("Search connections").focus()  # focus leaves the eye: hidden again
    await page.wait_for_function("k => !document.body.innerText.includes(k)", arg=KEY)
    await no_secret_anywhere(page)
    audit = await gql(console["port"], "{ auditEvents(first: 5) { nodes { action } } }")
    assert "connection.reveal_secret" in json.dumps(audit), audit


async def test_a_member_reads_shared_connections_and_may_add_only_a_personal_one(chromium, console):
    made = await gql(
        console["port"], TOKEN, {"input": {"name": "mia", "role": "MEMBER", "user": "mia"}}
    )
    token = made["data"]["createApiToken"]["token"]
    await gql(console["port"], SETTINGS, {"input": {"allowDirectConnections": False}})
    page = await chromium.new_page()
    await sign_in(page, console["url"], token)
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

    await gql(console["port"], SETTINGS, {"input": {"allowDirectConnections": True}})
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
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("switch", name="Enabled: acme").wait_for()
    fields = {"name": "beta", "provider": "OLLAMA", "baseUrl": "http://127.0.0.1:9"}
    await gql(console["port"], CREATE, {"input": fields})  # another admin, another tab
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
    made = await gql(console["port"], TOKEN, {"input": {"name": "app", "role": "CALLER"}})
    caller = await page.evaluate(SOCKET, [ws, made["data"]["createApiToken"]["token"]])
    assert caller["closed"] == 4401
    admitted = await page.evaluate(SOCKET, [ws, ADMIN])
    assert admitted["type"] == "next" and isinstance(
        admitted["payload"]["data"]["connectionsChanged"], int
    )


async def test_a_row_shows_the_connections_health_as_the_gateway_sees_it(chromium, console):
    """A connection whose provider fails cools down; its row says until when and why."""
    made = await gql(console["port"], TOKEN, {"input": {"name": "app", "role": "CALLER"}})
    caller = made["data"]["createApiToken"]["token"]
    console["fake"].mode = "503"
    call = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient() as client:
        failed = await client.post(
            f"{console['url']}/v1/chat/completions",
            json=call,
            headers={"Authorization": f"Bearer {caller}"},
        )
    assert failed.status_code == 502
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    row = page.get_by_role("listitem", name="acme")
    await row.get_by_text(
        re.compile(r"cooling down until .+ after 1 failure in a row: HTTP 503")
    ).wait_for()
