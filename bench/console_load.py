"""The console as a browser meets it: its first load in compressed bytes, the time from sign-in
to an interactive list of 1,000 connections in headless Chromium (with the server's own /health
time, measured in the same run, beside it), and the GraphQL requests each page makes.

make bench          (or: .venv/bin/python -m bench.console_load [rounds])
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time

import httpx

from bench.serving import serving
from tests.browser import CHROMIUM, FLAGS
from tests.serving import ADMIN

CREATE = """mutation($n: String!) { createConnection(input: {name: $n, provider: OLLAMA,
  baseUrl: "http://127.0.0.1:9"}) { userErrors { message } } }"""
PAGES = (
    "Models",
    "Endpoints",
    "Workspaces",
    "Usage",
    "Tokens",
    "Audit log",
    "Settings",
    "Connections",
)


async def measure(base: str, rounds: int) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page()
        sizes: dict[str, int] = {}

        async def sized(response) -> None:  # what crossed the wire: the compressed length
            if "/console/" in response.url:
                headers = await response.all_headers()
                sizes[response.url] = int(headers.get("content-length", 0))

        page.on("response", sized)
        await page.goto(base + "/")
        await page.get_by_role("button", name="Sign in").wait_for()
        script = sum(n for url, n in sizes.items() if url.endswith(".js"))
        style = sum(n for url, n in sizes.items() if url.endswith(".css"))
        print(
            f"first load: JavaScript {script / 1024:.1f} KB, CSS {style / 1024:.1f} KB (goal: JS <= 250 KB)"
        )

        interactive, health = [], []
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(rounds):
                await page.evaluate("() => sessionStorage.clear()")
                await page.goto("about:blank")  # a fresh load each round, not a fragment change
                await page.goto(base + "/#/connections")
                await page.get_by_label("Token").fill(ADMIN)
                started = time.perf_counter()
                await page.get_by_role("button", name="Sign in").click()
                await page.get_by_role("switch", name="Enabled: conn-0049").wait_for()
                interactive.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await http.get("/health")
                health.append((time.perf_counter() - started) * 1000)
        print(
            f"sign-in to an interactive list (1,000 connections, the first page of 50): "
            f"p50 {statistics.median(interactive):.0f} ms, max {max(interactive):.0f} ms "
            f"(goal < 1,000 ms); the server's /health p50 {statistics.median(health):.1f} ms"
        )

        graphql: list[str] = []
        page.on("request", lambda r: graphql.append(r.url) if r.url.endswith("/graphql") else None)
        for name in PAGES:
            graphql.clear()
            await page.get_by_role("link", name=name).click()
            await page.get_by_role("heading", name=name, exact=True).wait_for()
            await page.wait_for_timeout(1000)  # anything the page asks for after it shows
            print(f"  {name}: {len(graphql)} GraphQL request(s)")
        await browser.close()


def main(rounds: int) -> None:
    unlimited = {"SWITCHBOARD_RATE_LIMIT_MUTATIONS": "1000000"}  # a benchmark, not abuse
    with (
        tempfile.TemporaryDirectory() as folder,
        tempfile.TemporaryFile(mode="w+") as log,
        serving(f"sqlite:///{folder}/console.sqlite3", log, **unlimited) as (port, _),
    ):
        headers = {"Authorization": f"Bearer {ADMIN}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
            for n in range(1000):
                made = http.post(
                    "/graphql", json={"query": CREATE, "variables": {"n": f"conn-{n:04}"}}
                )
                assert made.json()["data"]["createConnection"]["userErrors"] == [], made.text
        asyncio.run(measure(f"http://127.0.0.1:{port}", rounds))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
