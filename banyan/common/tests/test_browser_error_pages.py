"""Error pages on a phone (375×667 and 360 px): Chinese, laid out for the screen (the
viewport, no sideways scroll), a way back big enough to tap, English once chosen."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from banyan.tests.phone import phone_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def _check(page, name: str, heading: str, back: str) -> None:
    """The page as a phone shows it: our layout, the heading, the way back, the sizes."""
    assert page.locator('meta[name="viewport"]').count() == 1, name
    assert page.locator("main h1").inner_text() == heading, name
    link = page.locator("main .error-page .actions a")
    assert link.get_attribute("href") == back, name
    box = link.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44, name
    assert phone_problems(page, name) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"error-{name}.png"), full_page=True)


def _sign_in(page, world, username: str) -> None:
    page.goto(reverse("accounts:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", world.password)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_error_pages_on_a_phone(phone_page, world, monkeypatch):
    page = phone_page
    # A resident with a wrong tracking code: sent to the code look-up, not to sign-in.
    r = page.goto(reverse("intake:track", args=["ZZZZ-ZZZZ"]))
    assert r is not None and r.status == 404
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    _check(page, "404-tracking", "找不到这个页面", reverse("intake:track-lookup"))

    # The server fails (here: the tracking code look-up): the self-contained 500 page.
    def broken(code):
        raise RuntimeError("boom")

    monkeypatch.setattr("banyan.casework.views.public.selectors.find_case_by_tracking_code", broken)
    r = page.goto(reverse("intake:track", args=["ABCD-EFGH"]))
    assert r is not None and r.status == 500
    _check(page, "500", "出错了，问题在我们这边", "/")
    monkeypatch.undo()

    # A form sent from a stale page (the CSRF cookie is gone): a page that says so.
    page.goto(reverse("accounts:login"))
    page.context.clear_cookies()
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", world.password)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    _check(page, "403-csrf", "页面已过期", reverse("home"))

    # A grid manager opens another grid's compound: 404, in the signed-in layout.
    _sign_in(page, world, "bob")
    r = page.goto(reverse("places:compound-detail", args=[world.compound_2_1.pk]))
    assert r is not None and r.status == 404
    _check(page, "404-signed-in", "找不到这个页面", reverse("home"))
    assert page.locator("header .usermenu").count() == 1

    # Switched to English from the user menu: the same page in English.
    page.locator("header .usermenu summary").click()
    page.locator("header .usermenu .lang button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    _check(page, "404-english", "Not found", reverse("home"))

    # Too many wrong passwords (last: it locks this address out): the lockout page.
    page.context.clear_cookies()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(reverse("accounts:login"))
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", "wrong")
        page.locator("main").get_by_role("button", name="登录").click()
        page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == "尝试次数过多"
    assert page.locator('meta[name="viewport"]').count() == 1
    back = page.locator("main .actions a").bounding_box()
    assert back is not None and back["height"] >= 44
    assert page.locator("main .actions a").get_attribute("href") == reverse("accounts:login")
    assert phone_problems(page, "429") == []
    page.screenshot(path=str(SHOTS / "error-429.png"), full_page=True)
