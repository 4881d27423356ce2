"""On a phone: a grid manager records a visit (a purpose from the list, a note, a photo),
records the need it turned up from there, and finds each linked to the other; he then
hides what the QR poster's resident wrote for the public."""

from __future__ import annotations

import pytest

from banyan.casework import services
from banyan.casework.models import Case, Visit

from .factories import add_centres, category
from .test_browser_photos import THUMBNAIL_LOADED
from .test_browser_qr_repair import _jpeg, _shot, _sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_visit_becomes_a_need_that_links_back(phone_page, world):
    add_centres(world)
    page = phone_page
    _sign_in(page, "bob", world.password)
    page.goto(f"/cases/visits/new/?household={world.household_1_1.pk}")
    page.select_option("select[name=purpose]", "care")
    page.fill("input[name=purpose_note]", "高龄老人探访")
    page.fill("textarea[name=heard]", "老人说楼道灯坏了，晚上不敢下楼")
    page.fill("textarea[name=findings]", "三楼楼道灯不亮")
    page.set_input_files(
        "input[name=photo]",
        files=[{"name": "hall.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}],
    )
    page.check("input[name=record_need]")
    _shot(page, "visit-form")
    with page.expect_navigation(url="**/cases/new/?visit=*"):
        page.locator("main button[type=submit]").click()
    visit = Visit.objects.get()
    assert (visit.purpose, visit.purpose_note) == ("care", "高龄老人探访") and visit.thumb

    # The need's form starts from what the visit heard and found.
    description = page.locator("textarea[name=description]").input_value()
    assert "晚上不敢下楼" in description and "三楼楼道灯不亮" in description
    page.select_option("select[name=category]", str(category("safety_hazard").pk))
    _shot(page, "visit-need-form")
    with page.expect_navigation(url="**/cases/*/"):
        page.locator("main button[type=submit]").click()
    case = Case.objects.get()
    assert case.from_visit == visit

    # Case → visit → case.
    page.locator("#from-visit a").click()
    page.wait_for_url(f"**/cases/visits/{visit.pk}/")
    assert "高龄老人探访" in page.locator("#visit-purpose").inner_text()
    assert page.locator(".cw-photos img").count() == 1
    # The thumbnail is loaded, and a tap opens the medium size.
    assert page.evaluate(THUMBNAIL_LOADED) > 0
    assert "/medium/" in page.locator(".cw-photos a").get_attribute("href")
    _shot(page, "visit-detail")
    page.locator(f"#visit-cases a[href='/cases/{case.pk}/']").click()
    page.wait_for_url(f"**/cases/{case.pk}/")


def test_staff_hide_a_residents_public_text_on_the_phone(phone_page, world):
    add_centres(world)
    case = services.intake_submit(
        building=world.building_1_1,
        category=category("roof_leak"),
        description="顶楼漏水，302的王阿姨家最严重",
        client_key="client:test",
    )
    page = phone_page
    _sign_in(page, "bob", world.password)
    page.goto(f"/cases/{case.pk}/")
    assert "王阿姨" in page.locator("#public-text").inner_text()
    _shot(page, "case-public-text")
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.locator(f"main form[action='/cases/{case.pk}/moves/hide_public_text/'] button").click()
    case.refresh_from_db()
    assert case.public_text_hidden
    assert page.locator("#public-text .tag").count() == 1
