"""GraphiQL in headless Chromium, as a person uses it: paste a token, run, reload. The token
survives the reload without a stray tab, the docs explorer has the schema once a token is there,
and the page is served with a CSP (that GraphiQL runs under) and compressed assets."""

from __future__ import annotations

import tempfile

import httpx
import pytest

from tests.serving import ADMIN, start_serve, wait_healthy
from tests.support import free_port


@pytest.fixture
def served():
    port = free_port()
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile(mode="w+") as log:
        url = f"sqlite:///{folder}/graphiql.sqlite3"
        process = start_serve(url, port, log)
        try:
            wait_healthy(port, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _headers_editor(page):
    return page.locator(".graphiql-editor-tool .graphiql-editor").last


def test_the_token_survives_a_reload_and_the_docs_load(browser, served):
    page = browser.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{served}/graphql")
    page.wait_for_selector(".graphiql-container", timeout=20000)
    headers = _headers_editor(page)
    headers.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('{"Authorization": "Bearer ' + ADMIN + '"}')
    page.wait_for_timeout(1500)  # GraphiQL stores its tabs half a second after an edit
    page.reload()
    page.wait_for_selector(".graphiql-container", timeout=20000)
    assert ADMIN in _headers_editor(page).inner_text(), "the token survived the reload"
    tabs = page.locator(".graphiql-tab")
    assert "untitled" not in " ".join(tabs.all_inner_texts()).lower()
    page.click(".graphiql-execute-button")
    page.locator(".graphiql-response").get_by_text('"role"').wait_for(timeout=20000)
    assert '"role": "ADMIN"' in page.locator(".graphiql-response").inner_text()
    page.click("button[aria-label='Show Documentation Explorer']")
    page.locator(".graphiql-doc-explorer").get_by_text("Root Types").wait_for(timeout=20000)
    explorer = page.locator(".graphiql-doc-explorer").inner_text()
    assert "Error fetching schema" not in explorer and "Query" in explorer
    assert violations == [], violations


def test_the_docs_load_as_soon_as_a_token_is_typed(browser, served):
    page = browser.new_page()
    page.goto(f"{served}/graphql")
    page.wait_for_selector(".graphiql-container", timeout=20000)
    headers = _headers_editor(page)
    headers.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('{"Authorization": "Bearer ' + ADMIN + '"}')
    page.click("button[aria-label='Show Documentation Explorer']")
    page.locator(".graphiql-doc-explorer").get_by_text("Root Types").wait_for(timeout=20000)
    assert "Error fetching schema" not in page.locator(".graphiql-doc-explorer").inner_text()


def test_the_page_is_locked_down_and_its_bundle_compressed(served):
    page = httpx.get(f"{served}/graphql", headers={"Accept": "text/html"})
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    bundle = httpx.get(
        f"{served}/static/graphiql/graphiql.min.js", headers={"Accept-Encoding": "gzip"}
    )
    assert bundle.headers["content-encoding"] == "gzip"
    assert int(bundle.headers["content-length"]) < 1_500_000 < len(bundle.content)
    assert httpx.get(f"{served}/static/graphiql/../../settings.py").status_code == 404
