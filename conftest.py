"""Fixtures every app's tests share: `world` is the alice / bob / charlie tree
(banyan.accounts.tests.factories)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from banyan.accounts.tests.factories import make_world


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Kept results (the cache) never outlive a test: rolled-back rows reuse ids."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db: None) -> SimpleNamespace:
    return make_world()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def phone_page(live_server, monkeypatch):
    """A Playwright page at phone size (375×667) in Debian's Chromium.

    Skips with the reason when Chromium is missing, unless CI demands it (REQUIRE_BROWSER=1).
    """
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # are still synchronous, so Django's async-safety guard must stand aside here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(
            viewport={"width": 375, "height": 667}, locale="zh-CN", base_url=live_server.url
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()
