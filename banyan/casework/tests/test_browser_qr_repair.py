"""On a phone: a resident reports a leaking roof from the building's QR poster, the grid
manager accepts it and routes it to the repair centre, the repair centre resolves it, and
the resident's tracking page shows it resolved and takes their "it is fixed"."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.utils import translation
from PIL import Image

from banyan.casework.models import Case
from banyan.casework.services.intake import building_intake_token
from banyan.casework.workflow import State

from .factories import add_centres, category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
PHONE_WIDTH = 375


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 90, 60)).save(buf, format="JPEG")
    return buf.getvalue()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, name


def _sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def _state(case: Case) -> str:
    case.refresh_from_db()
    return case.state


def test_a_leaking_roof_from_the_qr_poster_to_fixed(phone_page, world):
    add_centres(world)
    page = phone_page
    token = building_intake_token(building=world.building_1_1)

    # The resident scans the poster on 1栋: no account, a short form.
    page.goto(f"/r/{token}/")
    assert "皮鞋厂小区 1栋" in page.locator("main").inner_text()
    page.select_option("select[name=category]", str(category("roof_leak").pk))
    page.fill("textarea[name=description]", "顶楼屋顶漏水，下雨时滴到床上")
    page.fill("input[name=where]", "2单元顶楼")
    page.set_input_files(
        "input[name=photo]",
        files=[{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}],
    )
    page.fill("input[name=phone]", "139 1234 5678")
    _shot(page, "qr-form")
    page.locator("main button[name=send]").click()
    code = page.locator("#tracking-code").inner_text().strip()
    _shot(page, "qr-thanks")
    case = Case.objects.get(tracking_code=code)
    assert (case.channel, case.state, case.building_id) == (
        "qr",
        "submitted",
        world.building_1_1.pk,
    )

    # bob, the grid manager, finds it in his work and accepts it.
    _sign_in(page, "bob", world.password)
    page.goto("/cases/mine/")
    page.locator(f"main a[href='/cases/{case.pk}/']").first.click()
    # The move posts and redirects back to the same URL: wait for that navigation itself
    # (waiting for the URL would return at once, before the move is done).
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.locator(f"main form[action='/cases/{case.pk}/moves/accept/'] button").click()
    assert _state(case) == State.ACCEPTED
    # … and routes it to the property-repair service centre.
    page.locator(f"main a[href='/cases/{case.pk}/moves/assign/']").click()
    page.select_option("select[name=route]", "repair")
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.locator("main form button[type=submit]").click()
    assert _state(case) == State.ASSIGNED and case.route == "repair"
    _shot(page, "qr-case-routed")

    # The repair centre resolves it.
    _sign_in(page, "repairs", world.password)
    page.goto(f"/cases/{case.pk}/")
    page.locator("#moves-resolve summary").click()
    page.fill("#moves-resolve textarea[name=note]", "已更换顶楼防水层，302住户老人独居")
    page.fill("#moves-resolve textarea[name=public_note]", "已更换顶楼防水层")
    with page.expect_navigation(url=f"**/cases/{case.pk}/"):
        page.locator("#moves-resolve button[type=submit]").click()
    assert _state(case) == State.RESOLVED

    # The resident's tracking page (no account again) shows it resolved, with the note.
    page.context.clear_cookies()
    page.goto(f"/r/track/{code}/")
    with translation.override("zh-hans"):
        resolved = str(State.RESOLVED.label)
    assert page.locator("#case-state").inner_text().strip() == resolved
    progress = page.locator("#progress").inner_text()
    assert "已更换顶楼防水层" in progress
    assert "独居" not in page.locator("main").inner_text()  # the internal note stays inside
    text = page.locator("main").inner_text()
    assert "13912345678" not in text and "139****5678" not in text
    assert world.repairs.first_name not in text and world.bob.first_name not in text
    _shot(page, "qr-track-resolved")

    # "Is it fixed?" — yes, five stars.
    page.check("input[name=confirm-rating][value='5']")
    page.fill("textarea[name=confirm-comment]", "修好了，谢谢")
    with page.expect_navigation(url=f"**/r/track/{code}/"):
        page.locator("#confirm-form button[type=submit]").click()
    assert _state(case) == State.CLOSED and case.rating == 5
    assert page.locator("#confirm-form").count() == 0
    # Within the reopen window a resident may still say it leaks again.
    assert page.locator("#not-fixed-after-all").count() == 1
    _shot(page, "qr-track-closed")
