"""Search: what workers know finds people and homes (item 18), a hidden number is never
confirmed (item 2, SECURITY.md 18) and never reaches a URL (item 10, SECURITY.md 10)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from banyan.accounts.models import AccessLog
from banyan.accounts.tests.factories import make_post, make_user
from banyan.casework.models import Notification
from banyan.common.idnumber import make_id_number
from banyan.registry import services

ID = make_id_number("530802", dt.date(1950, 3, 14), 248)  # female, as the world's person
PHONE = "13987654321"


@pytest.fixture
def rich(world):
    services.person_update(
        actor=world.alice, person=world.person_1_1, version=None, id_number=ID, phone=PHONE
    )
    return world


@pytest.fixture
def branch_secretary(rich):
    """Sees the full record (masked ID, birth date, sex) of L1 grid 1, may not reveal."""
    user = make_user("branch1", "支部书记")
    make_post(user, "branch_secretary", rich.l1_1)
    return user


def search(client, q):
    return client.post(reverse("registry:search"), {"q": q})


def people(r) -> list[int]:
    return [p.pk for p in r.context["persons"].object_list]


def homes(r) -> list[int]:
    return [h.pk for h in r.context["households"].object_list]


# --- item 18: what workers know ------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    ["皮鞋厂小区 1栋 1单元 101", "皮鞋厂小区 1栋 unit 1 101", "1栋101", "1栋 1单元 101", "101"],
)
def test_it_finds_a_household_by_its_address_as_displayed_or_building_and_room(client, rich, q):
    client.force_login(rich.bob)
    assert homes(search(client, q)) == [rich.household_1_1.pk]


def test_a_building_number_matches_whole(client, rich):
    from banyan.places import services as places

    eleven = places.building_create(actor=rich.alice, compound=rich.compound_1_1, number="11栋")
    services.household_create(actor=rich.alice, grid=rich.l2_1_1, building=eleven, room="101")
    client.force_login(rich.bob)
    assert homes(search(client, "1栋101")) == [rich.household_1_1.pk]


def test_it_finds_a_person_by_name_fragment_pinyin_initials_and_visible_phone_tail(client, rich):
    client.force_login(rich.bob)
    for q in ("桂英", "zgy", "ZGY", "4321", "139****4321"):
        assert people(search(client, q)) == [rich.person_1_1.pk], q
    # Nothing of that is a lookup by number: the access log has no lookup row.
    assert not AccessLog.objects.filter(action__startswith="lookup").exists()


def test_a_phone_tail_finds_only_where_the_masked_phone_is_shown(client, rich):
    client.force_login(rich.dave)  # the building head sees names, never a phone
    assert people(search(client, "4321")) == []
    assert people(search(client, "139****4321")) == []
    assert homes(search(client, "101")) == [rich.household_1_1.pk]


def test_it_counts_every_match_and_pages_on(client, rich):
    for room in range(201, 246):
        services.household_create(
            actor=rich.alice, grid=rich.l2_1_1, building=rich.building_1_1, room=str(room)
        )
    client.force_login(rich.bob)
    r = search(client, "皮鞋厂小区")
    assert r.context["households"].paginator.count == 46
    assert len(homes(r)) == 20
    body = r.content.decode()
    next_link = re.search(r'rel="next" href="([^"]+)"', body)
    assert next_link is not None
    r2 = client.get(reverse("registry:search") + next_link.group(1).replace("&amp;", "&"))
    assert r2.context["households"].number == 2 and len(homes(r2)) == 20
    assert set(homes(r2)).isdisjoint(homes(r))
    # Another user cannot open bob's search by its token.
    client.force_login(rich.alice)
    r3 = client.get(reverse("registry:search") + next_link.group(1).replace("&amp;", "&"))
    assert homes(r3) == [] and r3.context["error"]


# --- item 10: no number in a URL -------------------------------------------------------


def _hrefs(html: str) -> list[str]:
    return re.findall(r'(?:href|action)="([^"]*)"', html)


@pytest.mark.parametrize("q", [ID, PHONE, "139 8765 4321", "皮鞋厂小区"])
def test_no_url_a_search_produces_holds_a_number(client, rich, q):
    for room in range(201, 246):  # enough for a second page of the text search
        services.household_create(
            actor=rich.alice, grid=rich.l2_1_1, building=rich.building_1_1, room=str(room)
        )
    client.force_login(rich.bob)
    r = client.post(reverse("registry:search"), {"q": q}, follow=True)
    pages = [r]
    for href in _hrefs(r.content.decode()):
        if href.startswith("?") or href.startswith("/registry/search"):
            url = href if href.startswith("/") else reverse("registry:search") + href
            pages.append(client.get(url.replace("&amp;", "&"), follow=True))
    for page in pages:
        assert page.status_code == 200
        urls = [page.request["PATH_INFO"] + "?" + page.request.get("QUERY_STRING", "")]
        urls += [u for u, _status in page.redirect_chain]
        urls += _hrefs(page.content.decode())
        for url in urls:
            digits = re.sub(r"\D", "", url)
            assert ID[:17] not in digits and PHONE not in digits, url


def test_a_number_in_a_search_link_is_not_searched(client, rich):
    client.force_login(rich.bob)
    r = client.get(reverse("registry:search"), {"q": ID})
    assert people(r) == [] and r.context["error"]
    assert not AccessLog.objects.filter(action__startswith="lookup").exists()


# --- item 2: a hidden number is never confirmed ----------------------------------------


def test_a_post_that_may_not_reveal_cannot_search_by_a_whole_number(client, branch_secretary):
    client.force_login(branch_secretary)
    for q in (ID, PHONE):
        r = search(client, q)
        assert people(r) == [] and r.context["error"], q
    assert (
        AccessLog.objects.filter(
            user=branch_secretary, action="lookup_refused", detail="not allowed"
        ).count()
        == 2
    )
    # More of a phone's end than the masked phone shows matches nothing for this post.
    assert people(search(client, "54321")) == []
    assert people(search(client, "87654321")) == []
    # What the masked phone shows still works.
    assert people(search(client, "4321")) != []


@pytest.fixture
def tight(settings):
    settings.BANYAN_LOOKUP_SLOW_AFTER = 3
    settings.BANYAN_LOOKUP_SLOW_SECONDS = 30
    settings.BANYAN_LOOKUP_STOP_AFTER = 6
    return settings


def test_guessing_numbers_is_slowed_then_stopped_and_reported(
    client, rich, tight, django_capture_on_commit_callbacks
):
    candidates = [make_id_number("530802", dt.date(1950, 3, 14), s) for s in range(200, 260, 2)]
    client.force_login(rich.bob)
    day = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
    with (
        time_machine.travel(day, tick=False) as clock,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for guess in candidates[:3]:
            assert not search(client, guess).context["error"]
        slowed = search(client, candidates[3])
        assert "30" in slowed.context["error"] and people(slowed) == []
        clock.shift(dt.timedelta(seconds=31))
        assert not search(client, candidates[4]).context["error"]
        clock.shift(dt.timedelta(seconds=31))
        assert not search(client, candidates[5]).context["error"]
        clock.shift(dt.timedelta(seconds=31))
        # Six rows in a day (the refused one counts): the next is stopped, and the
        # right guess finds nobody any more.
        stopped = search(client, ID)
        assert stopped.context["error"] and people(stopped) == []
        clock.shift(dt.timedelta(minutes=5))
        assert search(client, ID).context["error"]
    # The community's administrator is told once; bob is not told about himself.
    alerts = Notification.objects.filter(kind="security")
    assert [n.user_id for n in alerts] == [rich.alice.pk]
    assert "bob" in alerts[0].text and ID not in alerts[0].text
    log = AccessLog.objects.filter(user=rich.bob)
    assert log.filter(action="lookup_id_number").count() == 5
    assert log.filter(action="lookup_refused").count() == 3
    assert not log.filter(detail__contains="5308").exists()
    # A day later, searching by number works again.
    with time_machine.travel(dt.datetime(2026, 5, 5, 9, 30, tzinfo=dt.UTC), tick=False):
        client.force_login(rich.bob)  # a new day's session
        assert people(search(client, ID)) == [rich.person_1_1.pk]


def test_the_guard_counts_across_sessions_and_the_api(client, rich, tight, as_bob_api):
    client.force_login(rich.bob)
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(3):
            assert not search(client, ID).context["error"]
        r = as_bob_api.post("/persons/search", {"q": PHONE})
        assert (r.status_code, r.json()["field"]) == (400, "q")


@pytest.fixture
def as_bob_api(rich):
    from banyan.accounts.tokens import token_issue
    from banyan.api.tests.conftest import ApiClient

    return ApiClient(token_issue(user=rich.bob))
