"""A grid manager, on a phone, records a newborn and sees the birth on the timeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from banyan.registry.models import Person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def test_grid_manager_adds_a_newborn_on_a_phone(phone_page, world):
    page = phone_page
    page.goto("/")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", world.password)
    page.locator("main").get_by_role("button", name="登录").click()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_role("heading", name="网格1-1").wait_for()
    page.screenshot(path=str(SHOTS / "grid-home.png"), full_page=True)
    # bob lands on his grid, opens the compound, the building and the household.
    page.get_by_role("link", name="皮鞋厂小区").click()
    page.get_by_role("link", name="1栋").click()
    page.locator("ul.list a").first.click()
    assert "张桂英" in page.content()
    page.get_by_role("link", name="登记出生").click()
    born = dt.date.today() - dt.timedelta(days=1)
    page.fill("input[name=name]", "张小满")
    page.select_option("select[name=gender]", "F")
    page.fill("input[name=birth_date]", born.isoformat())
    page.select_option("select[name=relation]", "grandchild")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "birth-form.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    timeline = page.locator("#timeline")
    timeline.wait_for()
    assert "张小满" in timeline.inner_text()
    assert born.isoformat() in timeline.inner_text()
    assert "张小满" in page.locator("#members").inner_text()
    page.screenshot(path=str(SHOTS / "household-after-birth.png"), full_page=True)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert Person.objects.filter(name="张小满", household=world.household_1_1).exists()
