"""The connection forms in headless Chromium: the provider's config fields and custom headers in
"Add connection" and the gear's dialog (a stored header value is never shown and, left empty,
kept), a base URL on another host asking for the key again, and the whole add-and-switch flow
driven with the keyboard alone."""

from __future__ import annotations

import pytest

from tests.console.driving import CREATE, KEY, gql, no_secret_anywhere, sign_in
from tests.serving import ADMIN

pytestmark = pytest.mark.db

HEADER_SECRET = "S3CR3T-team-header-value"
READ = """query($name: String!) { connection(name: $name) {
  id enabled config customHeaders { name valueHint } } }"""
VERIFY = """mutation($id: ID!) { verifyConnection(id: $id) { verification { ok } } }"""


async def _read(console, name: str) -> dict:
    return (await gql(console["port"], READ, {"name": name}))["data"]["connection"]


async def test_the_gear_edits_config_fields_and_custom_headers_without_showing_a_value(
    chromium, console
):
    fields = {
        "name": "corp",
        "provider": "OPENAI",
        "baseUrl": console["provider"],
        "apiKey": KEY,
        "config": {"organization": "org-one"},
        "customHeaders": [{"name": "X-Team", "value": HEADER_SECRET}],
    }
    made = await gql(console["port"], CREATE, {"input": fields})
    assert made["data"]["createConnection"]["userErrors"] == [], made
    stored = await _read(console, "corp")
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Edit: corp").click()
    dialog = page.get_by_role("dialog", name="Edit corp")
    organization = dialog.get_by_label("Organization ID")
    assert await organization.input_value() == "org-one"
    assert await dialog.get_by_label("Header 1 name").input_value() == "X-Team"
    assert await dialog.get_by_label("Header 1 value").input_value() == ""
    assert HEADER_SECRET not in await page.content(), "a stored header value is never shown"

    await organization.fill("org-two")
    await dialog.get_by_role("button", name="Add header").click()
    await dialog.get_by_label("Header 2 name").fill("X-Env")
    await dialog.get_by_label("Header 2 value").fill("prod")
    await dialog.get_by_role("button", name="Save").click()
    await page.wait_for_function("() => !document.querySelector('dialog[open]')")
    after = await _read(console, "corp")
    assert after["config"] == {"organization": "org-two"}
    assert [h["name"] for h in after["customHeaders"]] == ["X-Team", "X-Env"]
    assert after["customHeaders"][0] == stored["customHeaders"][0], "left empty: kept"
    await gql(console["port"], VERIFY, {"id": after["id"]})
    sent = console["fake"].requests[-1].headers
    assert sent["x-team"] == HEADER_SECRET and sent["x-env"] == "prod"
    assert sent["openai-organization"] == "org-two"

    await page.get_by_role("button", name="Edit: corp").click()
    await dialog.get_by_role("button", name="Remove header 1").click()
    assert await dialog.get_by_label("Header 1 name").input_value() == "X-Env"
    await dialog.get_by_role("button", name="Save").click()
    await page.wait_for_function("() => !document.querySelector('dialog[open]')")
    assert [h["name"] for h in (await _read(console, "corp"))["customHeaders"]] == ["X-Env"]


async def test_a_base_url_on_another_host_asks_for_the_key_again(chromium, console):
    page = await chromium.new_page()
    await sign_in(page, console["url"], ADMIN)
    await page.get_by_role("button", name="Edit: acme").click()
    dialog = page.get_by_role("dialog", name="Edit acme")
    base_url = dialog.get_by_label("Base URL")
    await base_url.fill(console["provider"].rstrip("/") + "/other")  # same host: no key asked
    assert await dialog.get_by_label("API key for the new host").count() == 0
    await base_url.fill("http://127.0.0.2:9/v1")
    again = dialog.get_by_label("API key for the new host")
    await again.wait_for()
    await dialog.get_by_role("button", name="Save").click()
    await page.wait_for_function(
        "() => document.querySelector('dialog[open] input[type=password][aria-invalid=true]')"
    )
    assert "another origin" in await dialog.locator(".field-error").first.inner_text()
    assert (await _read(console, "acme"))["config"] == {}, "nothing written"
    listed = await gql(console["port"], "{ connections { nodes { baseUrl } } }")
    assert listed["data"]["connections"]["nodes"] == [{"baseUrl": console["provider"]}]
    await no_secret_anywhere(page)


ACTIVE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
  return (e.getAttribute("aria-label") || label || e.textContent || "").trim();
}"""


async def _focused(control) -> bool:
    return await control.evaluate("e => e === document.activeElement")


async def _tab_to(page, role: str, name: str, most: int = 80) -> None:
    """Press Tab until the control with this role and accessible name has the focus, as a
    keyboard user would; fail when it never comes."""
    control = page.get_by_role(role, name=name, exact=True)
    seen = []
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await control.count() == 1 and await _focused(control):
            return
        seen.append(await page.evaluate(ACTIVE))
    pytest.fail(f"Tab never reached {role} {name!r}; it went through {seen}")


async def test_a_connection_is_added_and_switched_off_with_the_keyboard_alone(chromium, console):
    page = await chromium.new_page()
    await page.goto(console["url"] + "/")
    await _tab_to(page, "textbox", "Token")
    await page.keyboard.type(ADMIN)
    await page.keyboard.press("Enter")
    await page.get_by_role("switch", name="Enabled: acme").wait_for()

    await _tab_to(page, "button", "Add connection")
    await page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Add connection")
    await dialog.wait_for()
    for label, text in (("Name", "keyed"), ("Base URL", console["provider"]), ("API key", KEY)):
        await _tab_to(page, "textbox", label)
        await page.keyboard.type(text)
    await _tab_to(page, "button", "Add header")
    await page.keyboard.press("Enter")
    await _tab_to(page, "textbox", "Header 1 name")
    await page.keyboard.type("X-Team")
    await page.keyboard.press("Tab")
    await page.keyboard.type("blue")
    await page.keyboard.press("Enter")  # submits the form: Save
    await page.get_by_role("switch", name="Enabled: keyed").wait_for()
    assert not await dialog.is_visible()
    added = await _read(console, "keyed")
    assert [h["name"] for h in added["customHeaders"]] == ["X-Team"] and added["enabled"]

    await _tab_to(page, "switch", "Enabled: keyed")
    await page.keyboard.press("Space")
    await page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-checked') === 'false'"
    )
    assert (await _read(console, "keyed"))["enabled"] is False

    await _tab_to(page, "button", "Edit: keyed")
    await page.keyboard.press("Enter")
    await page.get_by_role("dialog", name="Edit keyed").get_by_label("Name", exact=True).wait_for()
    await page.keyboard.press("Escape")
    await page.wait_for_function("() => !document.querySelector('dialog[open]')")
    gear = page.get_by_role("button", name="Edit: keyed", exact=True)
    assert await _focused(gear), "focus returns to the gear"
    await no_secret_anywhere(page)
