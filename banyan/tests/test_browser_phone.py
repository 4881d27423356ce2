"""On a phone (375×667, and 360 px wide), every control on the pages people use offers a
44×44 px touch box and no page scrolls sideways.

The demo community is built, then each post that works from a phone — the secretary, a
grid manager, a branch secretary, a building head — signs in and walks its pages from the
home page, following links breadth first, one page of each kind (the same URL with other
numbers is the same kind), as far as the limit; a resident walks the public pages.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command

from banyan.casework.models import Case
from banyan.casework.services.intake import building_intake_token
from banyan.places.models import Building
from banyan.tests.phone import phone_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PASSWORD = "banyan-demo"
# Not pages: downloads, photos, sign-out, other formats, the admin.
SKIP = re.compile(r"logout|/i18n/|\.xlsx|/photos/|/admin/|/api/|/open311/|/static/|/media/|/record")
WALKS = {"secretary": 45, "manager1-1": 25, "branch1": 25, "head1": 15}


def kind_of(url: str) -> str:
    """/registry/households/12/?page=2 and /registry/households/7/ are one kind of page."""
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)} - {"page"})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def walk(page, start: str, limit: int, label: str) -> tuple[list[str], list[str]]:
    """Visit up to `limit` kinds of page from `start`; the kinds seen and the problems."""
    queue, seen, problems = deque([start]), [], []
    while queue and len(seen) < limit:
        url = queue.popleft()
        if kind_of(url) in seen:
            continue
        seen.append(kind_of(url))
        response = page.goto(url)
        assert response is not None and response.status == 200, (label, url)
        problems += phone_problems(page, f"{label} {url}")
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            parts = urlsplit(href)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.netloc == urlsplit(page.url).netloc and not SKIP.search(path):
                if kind_of(path) not in seen:
                    queue.append(path)
    return seen, problems


@pytest.fixture
def demo(db):
    call_command("demo_build", "--seed", "2019", "--quiet")


def _sign_in(page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def _public_pages() -> list[str]:
    building = Building.objects.order_by("pk").first()
    case = Case.objects.exclude(tracking_code="").order_by("pk").first()
    assert building is not None and case is not None
    token = building_intake_token(building=building)
    return [
        "/accounts/login/",
        f"/r/{token}/",
        "/r/track/",
        f"/r/track/{case.tracking_code}/",
        "/no-such-page/",
    ]


def test_every_control_is_big_enough_to_tap_on_a_phone(phone_page, demo):
    page = phone_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems, walked = [], {}
    # A resident, signed out: the public pages.
    for url in _public_pages():
        page.goto(url)
        problems += phone_problems(page, f"resident {url}")
    # Signed out, the language switch stands alone in the header, a full target.
    page.goto("/accounts/login/")
    assert page.locator("header .lang button").bounding_box()["height"] >= 44
    for username, limit in WALKS.items():
        _sign_in(page, username)
        page.screenshot(path=str(SHOTS / f"phone-home-{username}.png"), full_page=True)
        seen, found = walk(page, "/", limit, username)
        walked[username], problems = seen, problems + found
    assert problems == []
    # The walks reached the pages each post works on.
    assert {"/places/nodes/N/", "/registry/households/N/", "/registry/persons/N/"} <= set(
        walked["secretary"]
    )
    assert {"/cases/", "/cases/N/", "/party/obligations/"} <= set(walked["secretary"])
    assert {"/places/buildings/N/", "/registry/households/N/"} <= set(walked["manager1-1"])
    assert {"/party/obligations/", "/party/members/N/"} <= set(walked["branch1"])
    assert "/places/buildings/N/" in walked["head1"]
    assert min(len(seen) for seen in walked.values()) >= 10
