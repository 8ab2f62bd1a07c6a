"""The console's other pages in headless Chromium against a real `serve`: models, endpoints,
workspaces, usage, tokens, audit log and settings, and axe-core's verdict on every page and
dialog at a desktop and a phone size."""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest

from tests.console.driving import (
    KEY,
    SWITCH_IS,
    TOKEN,
    gql,
    screenshot,
    serious_violations,
    sign_in,
)
from tests.serving import ADMIN

pytestmark = pytest.mark.db


async def test_axe_finds_no_serious_violation_on_the_pages_and_dialogs(chromium, console):
    for width, height in ((1280, 800), (390, 844)):
        # The page forbids inline scripts; only the test may inject axe, so CSP is bypassed here.
        page = await chromium.new_page(viewport={"width": width, "height": height}, bypass_csp=True)
        await page.goto(console["url"] + "/")
        await page.get_by_role("button", name="Sign in").wait_for()
        assert await serious_violations(page) == [], "sign-in"
        await sign_in(page, console["url"], ADMIN)
        await page.get_by_role("switch", name="Enabled: acme").wait_for()
        assert await serious_violations(page) == [], "connections"
        await page.get_by_role("button", name="Add connection").click()
        await page.get_by_role("dialog", name="Add connection").get_by_label("Name").wait_for()
        assert await serious_violations(page) == [], "add connection"
        await page.keyboard.press("Escape")
        await page.get_by_role("button", name="Edit: acme").click()
        await page.get_by_role("dialog", name="Edit acme").get_by_label("Name").wait_for()
        assert await serious_violations(page) == [], "edit"
        await page.keyboard.press("Escape")
        await page.get_by_role("link", name="Tokens").click()
        await page.get_by_role("button", name="Create token").wait_for()
        assert await serious_violations(page) == [], "tokens"
        await page.get_by_role("link", name="Models").click()
        await page.get_by_role("table", name=re.compile("Models")).wait_for()
        assert await serious_violations(page) == [], "models"
        await page.get_by_role("link", name="Endpoints").click()
        await page.get_by_role("button", name="Add endpoint").wait_for()
        assert await serious_violations(page) == [], "endpoints"
        await page.get_by_role("link", name="Workspaces").click()
        await page.get_by_role("button", name="Add workspace").wait_for()
        assert await serious_violations(page) == [], "workspaces"
        await page.get_by_role("link", name="Usage").click()
        await page.get_by_role("table", name="Latest gateway calls").wait_for()
        assert await serious_violations(page) == [], "usage"
        await page.get_by_role("link", name="Audit log").click()
        await page.get_by_role("table", name=re.compile("Audit events")).wait_for()
        assert await serious_violations(page) == [], "audit log"
        await page.get_by_role("link", name="Settings").click()
        await page.get_by_role("table", name="Encryption keys").wait_for()
        assert await serious_violations(page) == [], "settings"


async def test_a_token_is_created_shown_once_and_revoked(chromium, console):
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
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
    tokens = await gql(console["port"], "{ apiTokens { nodes { name active } } }")
    assert {"name": "ci-app", "active": False} in tokens["data"]["apiTokens"]["nodes"]
    await page.reload()  # the page is in the URL
    await page.get_by_role("heading", name="Tokens", exact=True).wait_for()


async def test_settings_flip_the_organisation_switches_and_show_the_keys(chromium, console):
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Settings").click()
    reveal = page.get_by_role("switch", name="Admins may reveal stored keys")
    assert await reveal.get_attribute("aria-checked") == "false"
    await reveal.click()
    await page.wait_for_function(
        "() => document.querySelector('[aria-labelledby=allowSecretReveal-label]')"
        ".getAttribute('aria-checked') === 'true'"
    )
    read = await gql(console["port"], "{ settings { allowSecretReveal } }")
    assert read["data"]["settings"]["allowSecretReveal"] is True
    keys = page.get_by_role("table", name="Encryption keys")
    assert "1 secret(s)" in await keys.get_by_role("row", name=re.compile("test1")).inner_text()


async def test_the_models_page_searches_hides_a_model_and_refreshes_the_lists(chromium, console):
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
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
    hidden = await gql(console["port"], "{ models { totalCount } }")
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
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Endpoints").click()
    # The connections arrive with the page's data: a form sent before names none (the error is
    # then the connection's, not the model's), as a person would see the select still empty.
    await page.locator("#endpoint-connection option", has_text="acme").wait_for(state="attached")
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
    read = await gql(console["port"], "{ endpoints { nodes { description model } } }")
    assert read["data"]["endpoints"]["nodes"] == [
        {"description": "the team's chat", "model": "gpt-fake"}
    ]

    await page.get_by_role("button", name="Use it: chat").click()
    snippet = await page.get_by_role("region", name="Use chat").locator("pre").last.inner_text()
    assert snippet.startswith(f"curl -s {console['url']}/v1/chat/completions")
    caller = await gql(console["port"], TOKEN, {"input": {"name": "app", "role": "CALLER"}})
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
    await sign_in(page, console["url"], ADMIN)
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
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Usage").click()
    totals = page.get_by_role("table", name="Totals by connection")
    acme = totals.get_by_role("row", name=re.compile("acme"))
    await acme.wait_for()
    assert (await acme.inner_text()).split("\t")[1:5] == ["3", "0", "6", "9"]
    for chart in ("Requests", "Tokens", "Errors", "Latency (ms)"):
        await page.get_by_role("img", name=re.compile(f"^{re.escape(chart)} over time")).wait_for()
    assert await page.locator("canvas").count() >= 4
    await screenshot(page, "usage")
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
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Workspaces").click()
    await page.get_by_label("Name").fill("research")
    await page.get_by_role("button", name="Add workspace").click()
    row = page.get_by_role("row", name=re.compile("research"))
    await row.wait_for()
    assert "none" in await row.inner_text(), "no global default yet"
    # The select shows the choice at once; the server's answer to the update is what counts.
    async with page.expect_response(
        lambda r: "ConsoleUpdateWorkspace" in (r.request.post_data or "")
    ) as updated:
        await page.get_by_label("Default connection: research").select_option(label="acme")
    assert (await updated.value).ok
    await row.get_by_role("cell", name="acme", exact=True).wait_for()
    read = await gql(
        console["port"], "{ workspaces { nodes { name effectiveConnection { name } } } }"
    )
    assert read["data"]["workspaces"]["nodes"] == [
        {"name": "research", "effectiveConnection": {"name": "acme"}}
    ]
    await page.get_by_role("button", name="Delete: research").click()
    confirm = page.get_by_role("dialog", name="Delete research")
    await confirm.get_by_role("button", name="Cancel").click()
    assert (await gql(console["port"], "{ workspaces { totalCount } }"))["data"]["workspaces"][
        "totalCount"
    ] == 1, "cancel deletes nothing"
    await page.get_by_role("button", name="Delete: research").click()
    await confirm.get_by_role("button", name="Delete").click()
    await page.get_by_text("Workspaces (0)").wait_for()


async def test_prices_spend_and_budget_bars_show_where_admins_look(chromium, console):
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("link", name="Models").click()
    await page.get_by_text("Prices", exact=True).click()
    form = page.get_by_role("form", name="Set a model price")
    await form.get_by_label("Model (as the provider names it)").fill("gpt-fake")
    await form.get_by_label("Input, USD per million tokens").fill("1")
    await form.get_by_label("Output, USD per million tokens").fill("abc")
    await form.get_by_role("button", name="Set price").click()
    refused = form.get_by_role("alert")
    await refused.wait_for()
    assert "outputPerMTok" in await refused.inner_text(), await refused.inner_text()
    await form.get_by_label("Output, USD per million tokens").fill("2")
    await form.get_by_role("button", name="Set price").click()
    await page.get_by_role("status").get_by_text("Price of gpt-fake: $1 in, $2 out").wait_for()
    made = await gql(
        console["port"],
        'mutation { createWorkspace(input: {name: "research"}) { workspace { id } } }',
    )
    workspace = made["data"]["createWorkspace"]["workspace"]["id"]
    for fields in (
        'name: "team", scope: ORGANIZATION, amountUsd: "1"',
        f'name: "lab", scope: WORKSPACE, scopeId: "{workspace}", amountTokens: 1000',
    ):
        created = await gql(
            console["port"],
            f"mutation {{ createBudget(input: {{{fields}}}) {{ userErrors {{ message }} }} }}",
        )
        assert created["data"]["createBudget"]["userErrors"] == []
    call = {"model": "gpt-fake", "messages": [{"role": "user", "content": "one two"}]}
    async with httpx.AsyncClient(base_url=console["url"]) as http:
        for _ in range(2):  # 2 in at $1 and 3 out at $2 a million: $0.000008 each
            answer = await http.post(
                "/v1/chat/completions", json=call, headers={"Authorization": f"Bearer {ADMIN}"}
            )
            assert answer.status_code == 200
    await page.get_by_role("link", name="Usage").click()
    await page.get_by_role("status", name="Spend").get_by_text("$0.000016").wait_for()
    meter = page.get_by_role("meter", name="Budget team")
    await meter.wait_for()
    assert "$0.000016 of $1.00 spent" in (await meter.get_attribute("aria-valuetext") or "")
    totals = page.get_by_role("table", name="Totals by connection")
    await totals.get_by_role("row", name=re.compile("acme")).get_by_text("$0.000016").wait_for()
    await page.get_by_role("link", name="Workspaces").click()
    row = page.get_by_role("row", name=re.compile("research"))
    await row.get_by_role("meter", name="Budget lab").wait_for()
    assert "0 of 1000 tokens spent" in (
        await row.get_by_role("meter", name="Budget lab").get_attribute("aria-valuetext") or ""
    )
