"""On a phone, a grid manager saves a household edit that someone changed meanwhile: the
form comes back saying what changed, with the other person's value in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from banyan.registry import services
from banyan.registry.models import Household

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def test_a_stale_household_edit_on_a_phone(phone_page, world):
    page = phone_page
    household = world.household_1_1
    page.goto("/")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", world.password)
    page.locator("main").get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="网格1-1").wait_for()
    page.goto(f"/registry/households/{household.pk}/edit/")
    page.fill("textarea[name=situation_note]", "独居老人，子女在昆明")
    # alice moves the household to room 102 while bob types.
    services.household_update(actor=world.alice, household=household, version=1, room="102")
    page.get_by_role("button", name="保存").click()
    page.locator(".stale").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "household-edit-stale.png"), full_page=True)
    stale = page.locator(".stale").inner_text()
    assert "期间有人修改" in stale and "102" in stale and "101" in stale
    assert page.input_value("input[name=room]") == "102"
    assert page.input_value("textarea[name=situation_note]") == "独居老人，子女在昆明"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/registry/households/{household.pk}/")
    now = Household.objects.get(pk=household.pk)
    assert (now.room, now.situation_note, now.version) == ("102", "独居老人，子女在昆明", 3)
