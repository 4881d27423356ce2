"""On a phone (375×667): a grid manager searches by building + room and by a compound
with a count and a next page (item 18), and sees buildings and rooms in the order people
count them (item 20)."""

from __future__ import annotations

from pathlib import Path

import pytest

from banyan.places import services as places
from banyan.registry import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


@pytest.fixture
def many(world):
    """Buildings 2栋, 10栋 and 11栋 beside 1栋, and rooms 201–245 and 1101 in its unit 1."""
    for number in ("10栋", "2栋", "11栋"):
        places.building_create(actor=world.alice, compound=world.compound_1_1, number=number)
    for room in [1101, *range(201, 246)]:
        services.household_create(
            actor=world.alice,
            grid=world.l2_1_1,
            building=world.building_1_1,
            unit="1",
            room=str(room),
        )
    return world


def _sign_in(page, world):
    page.goto("/")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", world.password)
    page.locator("main").get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="网格1-1").wait_for()


def test_search_on_a_phone_counts_pages_and_keeps_numbers_out_of_the_url(phone_page, many):
    page = phone_page
    _sign_in(page, many)
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The search box in the top bar posts: the text never enters the address bar.
    page.fill("header input[name=q]", "1栋101")
    page.keyboard.press("Enter")
    page.locator("#households").wait_for()
    assert "?" not in page.url
    assert page.locator("#households a").all_inner_texts() == ["皮鞋厂小区 1栋 1单元 101"]
    # A compound: every household counted, 20 to a page, and a next page.
    page.fill("main input[name=q]", "皮鞋厂小区")
    page.locator("main").get_by_role("button", name="搜索").click()
    page.locator("#household-count").wait_for()
    assert "47" in page.locator("#household-count").inner_text()
    assert page.locator("#households a").count() == 20
    page.screenshot(path=str(SHOTS / "search-compound.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    next_link = page.get_by_role("link", name="下一页 ›")
    box = next_link.bounding_box()
    assert box is not None and box["height"] >= 44
    next_link.click()
    page.wait_for_url("**page=2")
    assert "皮鞋厂" not in page.url and "s=" in page.url
    assert page.locator("#households a").count() == 20
    assert "第2页" in page.content()
    # A whole phone number, posted: the URL holds no digits of it.
    page.fill("main input[name=q]", "13987654321")
    page.locator("main").get_by_role("button", name="搜索").click()
    page.locator("#person-count").wait_for()
    assert "13987654321" not in page.url


def test_buildings_and_rooms_read_in_natural_order_on_a_phone(phone_page, many):
    page = phone_page
    _sign_in(page, many)
    page.get_by_role("link", name="皮鞋厂小区").click()
    page.get_by_role("heading", name="皮鞋厂小区").wait_for()
    numbers = [t.split()[0] for t in page.locator("main ul.list a").all_inner_texts()]
    assert numbers == ["1栋", "2栋", "10栋", "11栋"]
    page.screenshot(path=str(SHOTS / "compound-natural-order.png"), full_page=True)
    page.get_by_role("link", name="1栋").first.click()
    page.locator("main ul.list a").first.wait_for()
    rooms = [
        t.split("\n")[0].split("·")[-1].strip()
        for t in page.locator("main ul.list a").all_inner_texts()
    ]
    assert rooms[:3] == ["101", "201", "202"] and rooms[-1] == "1101"
    page.screenshot(path=str(SHOTS / "building-natural-order.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
