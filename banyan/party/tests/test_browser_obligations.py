"""A branch secretary, on a phone, opens "my obligations", logs a call to an overdue
mobile member in one step, and sees the member leave the overdue list."""

from __future__ import annotations

from pathlib import Path

import pytest

from banyan.party.models import Contact

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def test_branch_secretary_logs_a_call_from_the_overdue_list(phone_page, party):
    page = phone_page
    page.goto("/")
    page.fill("input[name=username]", "frank")
    page.fill("input[name=password]", party.password)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    # The way in is the user menu.
    page.locator("header .usermenu summary").click()
    page.locator("header a[href='/party/obligations/']").click()
    overdue = page.locator("main #overdue")
    overdue.wait_for()
    # 王建国 works in Kunming: nobody has rung him last month (a home visit may be
    # overdue too: the call is the row whose one-step form logs a call).
    calls = page.locator("input[name=kind][value=call]")
    row = overdue.locator("li", has_text="王建国").filter(has=calls)
    assert row.count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "party-obligations.png"), full_page=True)
    row.get_by_role("button").click()
    page.wait_for_load_state()
    page.locator("main #overdue").wait_for()
    after = page.locator("main #overdue li", has_text="王建国")
    assert after.filter(has=page.locator("input[name=kind][value=call]")).count() == 0
    assert page.locator(".flash").count() == 1
    page.screenshot(path=str(SHOTS / "party-obligations-after-call.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    contact = Contact.objects.get(member=party.wang)
    assert (contact.kind, contact.by) == ("call", party.frank)
