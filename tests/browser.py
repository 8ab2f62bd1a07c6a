"""Debian's Chromium driven headless by Playwright, for the pages Switchboard serves (the
console, GraphiQL): as a person uses them, through roles and names."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (make install installs it)")
        pytest.skip("Chromium is not installed: `make install` installs it (Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
async def chromium() -> Any:
    """The same browser for async tests (those that also use the database fixtures)."""
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once, before the browser starts)
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (make install installs it)")
        pytest.skip("Chromium is not installed: `make install` installs it (Debian's chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            await launched.close()
