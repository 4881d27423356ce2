"""Visit screens (走访): logging a visit, the visit log, households not visited lately."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from banyan.casework import selectors as casework_selectors
from banyan.casework import services
from banyan.casework.models import Case, Visit
from banyan.common.errors import ValidationFailed
from banyan.registry import services as registry_services
from banyan.timeline.models import Event

from .factories import add_centres, category, open_case

OUTSIDERS = ["charlie", "mallory", "eve"]
TODAY = "2026-05-01 09:00 +0800"


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


def new_url(household, **extra) -> str:
    query = "&".join([f"household={household.pk}", *(f"{k}={v}" for k, v in extra.items())])
    return f"{reverse('casework:visit-create')}?{query}"


GOOD = {"visited_on": "2026-04-30", "purpose": "routine", "heard": "楼道灯坏了"}


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_visiting_a_household_outside_the_scope_is_404(client, loop, outsider):
    client.force_login(getattr(loop, outsider))
    url = new_url(loop.household_1_1)
    assert client.get(url).status_code == 404
    assert client.post(url, GOOD).status_code == 404
    assert client.get(reverse("casework:visit-create")).status_code == 404
    assert client.get(f"{reverse('casework:visit-create')}?household=x").status_code == 404
    assert not Visit.objects.exists()


def test_the_building_head_and_the_repair_centre_do_not_log_visits(client, loop):
    client.force_login(loop.dave)  # sees the household, may not log a visit
    assert client.get(new_url(loop.household_1_1)).status_code == 403
    client.force_login(loop.repairs)  # never sees the registry
    assert client.get(new_url(loop.household_1_1)).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_a_visit_through_the_page_lands_on_the_household_page(client, loop):
    client.force_login(loop.bob)
    form = client.get(new_url(loop.household_1_1)).context["form"]
    assert form["visited_on"].value() == dt.date(2026, 5, 1)
    r = client.post(new_url(loop.household_1_1), GOOD)
    assert r.status_code == 302
    assert r["Location"] == reverse("registry:household-detail", args=[loop.household_1_1.pk])
    visit = Visit.objects.get()
    assert (visit.visitor, visit.heard) == (loop.bob, "楼道灯坏了")
    body = client.get(r["Location"]).content.decode()
    assert "Last visited 2026-04-30 by 赵波" in body
    assert "Home visit: Routine visit" in body  # on the household's timeline


@time_machine.travel(TODAY, tick=False)
def test_a_need_recorded_from_a_visit_carries_what_it_heard_and_links_both_ways(client, loop):
    client.force_login(loop.bob)
    visit_data = {**GOOD, "findings": "老人行动不便", "record_need": "on"}
    r = client.post(new_url(loop.household_1_1), visit_data)
    visit = Visit.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"{reverse('casework:case-create')}?visit={visit.pk}"
    form = client.get(r["Location"]).context["form"]
    assert form.initial["channel"] == "visit" and "persons" in form.fields
    assert form.initial["description"] == "楼道灯坏了\n\n老人行动不便"
    r = client.post(
        r["Location"],
        {
            "category": str(category("safety_hazard").pk),
            "description": form.initial["description"],
            "channel": "visit",
        },
    )
    case = Case.objects.get()
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    assert (case.from_visit, case.household) == (visit, loop.household_1_1)
    assert case.description == "楼道灯坏了\n\n老人行动不便"
    assert Event.objects.get(verb="case_created").data["visit"] == visit.pk
    # Each page links to the other.
    case_page = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert reverse("casework:visit-detail", args=[visit.pk]) in case_page
    visit_page = client.get(reverse("casework:visit-detail", args=[visit.pk])).content.decode()
    assert reverse("casework:case-detail", args=[case.pk]) in visit_page
    assert "楼道灯坏了" in visit_page and "Routine visit" in visit_page


@time_machine.travel(TODAY, tick=False)
def test_a_visit_from_another_grid_cannot_start_a_need(client, loop):
    theirs = services.visit_record(
        actor=loop.charlie,
        household=loop.household_2_1,
        visited_on=dt.date(2026, 4, 30),
        purpose="routine",
        heard="李秀兰说起她的低保",
    )
    client.force_login(loop.bob)
    url = f"{reverse('casework:case-create')}?visit={theirs.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"description": "x", "channel": "visit"}).status_code == 404
    assert not Case.objects.exists()
    with pytest.raises(Http404):
        casework_selectors.get_visit_for_user(loop.bob, theirs.pk)
    # And the service itself refuses a visit its actor cannot read.
    with pytest.raises(ValidationFailed) as err:
        services.case_create(
            actor=loop.alice,
            category=category("roof_leak"),
            description="",
            channel="visit",
            visit=Visit.objects.create(
                community=loop.other_community,
                grid=loop.other_l2,
                household=loop.household_2_1,
                visited_on=dt.date(2026, 4, 30),
                visitor=loop.mallory,
                heard="x",
            ),
        )
    assert err.value.field == "visit"


def photo_url(visit: Visit, size: str, token: str | None = None) -> str:
    return reverse("casework:visit-photo", args=[visit.pk, size, token or visit.photo_token(size)])


def big_jpeg(width: int = 1800, height: int = 1350):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buf = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 60)).save(buf, format="JPEG")
    return SimpleUploadedFile("张三家.jpg", buf.getvalue(), content_type="image/jpeg")


def side(response) -> int:
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as image:
        return max(image.size)


@time_machine.travel(TODAY, tick=False)
def test_a_visit_keeps_its_photo_in_the_sizes_every_photo_has(client, loop, media):
    client.force_login(loop.bob)
    r = client.post(
        new_url(loop.household_1_1),
        {**GOOD, "purpose": "care", "purpose_note": "高龄老人", "photo": big_jpeg()},
    )
    assert r.status_code == 302
    visit = Visit.objects.get()
    assert (visit.purpose, visit.purpose_note) == ("care", "高龄老人")
    assert visit.image and visit.medium and visit.thumb
    # Never the uploaded name (it may name the household); the sizes sit beside it and
    # are named by their content.
    assert "张三" not in visit.image.name and visit.image.name.endswith(".jpg")
    folder = visit.image.name.rsplit("/", 1)[0]
    assert visit.thumb.name.startswith(folder + "/") and visit.medium.name.startswith(folder)
    assert visit.thumb_token != visit.medium_token
    # The page shows the thumbnail and a tap opens the medium size.
    page = client.get(reverse("casework:visit-detail", args=[visit.pk])).content.decode()
    thumb, medium = photo_url(visit, "thumb"), photo_url(visit, "medium")
    assert f'<a href="{medium}"><img src="{thumb}"' in page
    for size, want in (("thumb", 320), ("medium", 1280)):
        r = client.get(photo_url(visit, size))
        assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
        # Private (never a shared cache) and kept: the URL changes when the content does.
        assert r["Cache-Control"] == "private, max-age=31536000, immutable"
        assert side(r) == want


@time_machine.travel(TODAY, tick=False)
def test_a_visit_photo_is_404_outside_the_scope_and_under_any_other_name(client, loop, media):
    visit = services.visit_record(
        actor=loop.bob,
        household=loop.household_1_1,
        visited_on=dt.date(2026, 4, 30),
        purpose="routine",
        photo=big_jpeg(),
    )
    client.force_login(loop.bob)
    thumb = photo_url(visit, "thumb")
    assert client.get(thumb).status_code == 200
    wrong = [
        photo_url(visit, "thumb", "0" * 32),  # a guessed token
        photo_url(visit, "thumb", visit.medium_token),  # another size's token
        photo_url(visit, "full", visit.thumb_token),  # no such size is served
        photo_url(visit, "thumb", visit.image.name.rsplit("/", 1)[1][:-4]),  # the photo itself
    ]
    for url in wrong:
        assert client.get(url).status_code == 404, url
    for who in ("charlie", "mallory", "eve", "dave"):  # dave: a building head reads no visits
        client.force_login(getattr(loop, who))
        assert client.get(thumb).status_code == 404, who
        assert client.get(photo_url(visit, "medium")).status_code == 404, who
        assert client.get(reverse("casework:visit-detail", args=[visit.pk])).status_code == 404
    # A visit without a photo has none to serve, whatever the token.
    bare = services.visit_record(
        actor=loop.bob,
        household=loop.household_1_1,
        visited_on=dt.date(2026, 4, 30),
        purpose="routine",
    )
    client.force_login(loop.bob)
    assert client.get(photo_url(bare, "thumb", "x")).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_the_household_timeline_shows_the_visits_thumbnail(client, loop, media):
    visit = services.visit_record(
        actor=loop.bob,
        household=loop.household_1_1,
        visited_on=dt.date(2026, 4, 30),
        purpose="routine",
        photo=big_jpeg(),
    )
    services.visit_record(
        actor=loop.bob,
        household=loop.household_1_1,
        visited_on=dt.date(2026, 4, 29),
        purpose="care",
    )
    url = reverse("registry:household-detail", args=[loop.household_1_1.pk])
    client.force_login(loop.bob)
    page = client.get(url).content.decode()
    timeline = page[page.index('id="timeline"') :]
    thumb, medium = photo_url(visit, "thumb"), photo_url(visit, "medium")
    assert timeline.count('class="timeline-photo"') == 1
    assert f'<a class="timeline-photo" href="{medium}"><img src="{thumb}"' in timeline
    # The building head sees the household but not its timeline, nor the photo.
    client.force_login(loop.dave)
    page = client.get(url).content.decode()
    assert "timeline-photo" not in page and thumb not in page


def test_the_household_timeline_loads_its_photos_in_a_fixed_number_of_queries(client, loop, media):
    url = reverse("registry:household-detail", args=[loop.household_1_1.pk])
    client.force_login(loop.bob)

    def visit_and_count(days) -> tuple[int, int]:
        with time_machine.travel(TODAY, tick=False):
            for day in days:
                services.visit_record(
                    actor=loop.bob,
                    household=loop.household_1_1,
                    visited_on=dt.date(2026, 4, day),
                    purpose="routine",
                    photo=big_jpeg(64, 48),
                )
            client.get(url)  # the first request of a session reads more (its caches)
            with CaptureQueriesContext(connection) as queries:
                page = client.get(url).content.decode()
        return page.count('class="timeline-photo"'), len(queries)

    one, queries_for_one = visit_and_count([1])
    six, queries_for_six = visit_and_count(range(2, 7))
    assert (one, six) == (1, 6) and queries_for_six == queries_for_one


@time_machine.travel(TODAY, tick=False)
def test_a_photo_that_is_no_photo_is_a_form_error_and_writes_nothing(client, loop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(loop.bob)
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    r = client.post(new_url(loop.household_1_1), {**GOOD, "photo": fake})
    assert r.status_code == 200 and "photo" in r.context["form"].errors
    assert not Visit.objects.exists() and not Event.objects.filter(verb="household_visited")


BAD = [
    ({"visited_on": "2026-05-09"}, "visited_on"),
    ({"visited_on": "yesterday"}, "visited_on"),
    ({"purpose": ""}, "purpose"),
    ({"purpose": "例行走访"}, "purpose"),
    ({"purpose": "other"}, "purpose_note"),
    ({"purpose_note": "x" * 201}, "purpose_note"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_visit_input_names_the_field_and_writes_nothing(client, loop, change, field):
    client.force_login(loop.bob)
    with time_machine.travel(TODAY, tick=False):
        r = client.post(new_url(loop.household_1_1), {**GOOD, **change})
    assert r.status_code == 200 and field in r.context["form"].errors
    assert not Visit.objects.exists() and not Event.objects.filter(verb="household_visited")


@time_machine.travel(TODAY, tick=False)
def test_a_follow_up_visit_of_a_dispute(client, loop):
    dispute = open_case(loop, code="neighbour_dispute")
    client.force_login(loop.bob)
    url = new_url(loop.household_1_1, dispute=dispute.pk)
    assert client.get(url).context["form"]["purpose"].value() == "follow_up"
    r = client.post(url, {**GOOD, "purpose": "follow_up", "purpose_note": "回访调解结果"})
    assert r["Location"] == reverse("casework:case-detail", args=[dispute.pk])
    assert Visit.objects.get().dispute_case == dispute
    body = client.get(r["Location"]).content.decode()
    assert "回访调解结果" in body
    # A repair is no dispute; a dispute charlie cannot see does not exist for him.
    leak = open_case(loop)
    r = client.post(new_url(loop.household_1_1, dispute=leak.pk), GOOD)
    assert r.status_code == 200 and r.context["form"].errors
    client.force_login(loop.charlie)
    url = new_url(loop.household_2_1, dispute=dispute.pk)
    assert client.get(url).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_the_visit_log_shows_only_the_scope(client, loop):
    mine = services.visit_record(
        actor=loop.bob,
        household=loop.household_1_1,
        visited_on=dt.date(2026, 4, 1),
        purpose="routine",
    )
    theirs = services.visit_record(
        actor=loop.charlie,
        household=loop.household_2_1,
        visited_on=dt.date(2026, 4, 2),
        purpose="routine",
    )
    url = reverse("casework:visit-list")
    client.force_login(loop.bob)
    r = client.get(url, {"household": loop.household_1_1.pk})
    assert [v.pk for v in r.context["page"].object_list] == [mine.pk]
    assert [v.pk for v in client.get(url).context["page"].object_list] == [mine.pk]
    assert client.get(url, {"household": loop.household_2_1.pk}).status_code == 404
    assert client.get(url, {"node": loop.l2_2_1.pk}).status_code == 404
    client.force_login(loop.alice)
    assert {v.pk for v in client.get(url).context["page"].object_list} == {mine.pk, theirs.pk}
    r = client.get(url, {"node": loop.l2_2_1.pk})
    assert [v.pk for v in r.context["page"].object_list] == [theirs.pk]
    for who in ("eve", "dave", "repairs"):
        client.force_login(getattr(loop, who))
        assert client.get(url).status_code == 404, who
    client.force_login(loop.mallory)
    assert list(client.get(url).context["page"].object_list) == []


@pytest.mark.parametrize("outsider", [*OUTSIDERS, "dave", "repairs"])
def test_households_not_visited_outside_the_scope_is_404(client, loop, outsider):
    client.force_login(getattr(loop, outsider))
    url = reverse("casework:visits-due")
    assert client.get(url, {"node": loop.l2_1_1.pk}).status_code == 404
    assert client.get(url, {"node": loop.community.pk}).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_households_not_visited_never_visited_first(client, loop, settings):
    settings.BANYAN_VISIT_GAP_DAYS = 90
    homes = [
        registry_services.household_create(
            actor=loop.bob, grid=loop.l2_1_1, building=loop.building_1_1, unit="2", room=str(r)
        )
        for r in (201, 202, 203)
    ]
    services.visit_record(
        actor=loop.bob, household=homes[0], visited_on=dt.date(2026, 4, 1), purpose="routine"
    )
    services.visit_record(
        actor=loop.bob, household=homes[1], visited_on=dt.date(2025, 12, 1), purpose="routine"
    )
    client.force_login(loop.bob)
    r = client.get(reverse("casework:visits-due"))  # bob's one grid by default
    rows = [h.pk for h in r.context["page"].object_list]
    assert homes[0].pk not in rows  # visited 30 days ago
    assert rows[-1] == homes[1].pk  # visited, but 151 days ago: after the never-visited
    assert set(rows[:-1]) == {loop.household_1_1.pk, homes[2].pk}
    assert "never visited" in r.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_households_not_visited_query_count_is_bounded(client, loop, django_assert_max_num_queries):
    for r in range(40):
        h = registry_services.household_create(
            actor=loop.bob, grid=loop.l2_1_1, building=loop.building_1_1, unit="3", room=str(r)
        )
        if r % 3 == 0:
            services.visit_record(
                actor=loop.bob, household=h, visited_on=dt.date(2025, 6, 5), purpose="routine"
            )
    client.force_login(loop.bob)
    with django_assert_max_num_queries(13):
        r = client.get(reverse("casework:visits-due"), {"node": loop.l2_1_1.pk})
    assert r.context["page"].paginator.count == 41
    with django_assert_max_num_queries(13):
        client.get(reverse("casework:visit-list"))


@time_machine.travel(TODAY, tick=False)
def test_the_visit_log_puts_each_languages_colon_after_a_label(client, loop, settings):
    services.visit_record(
        actor=loop.bob,
        household=loop.household_1_1,
        visited_on=dt.date(2026, 4, 30),
        purpose="routine",
        heard="楼道灯坏了",
        findings="老人身体好",
    )
    client.force_login(loop.bob)
    url = reverse("casework:visit-list")
    en = client.get(url).content.decode()
    assert "Heard: 楼道灯坏了" in en and "Findings: 老人身体好" in en
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    zh = client.get(url).content.decode()
    assert "听到的情况：楼道灯坏了" in zh and "发现的问题：老人身体好" in zh
    assert ": 楼道灯坏了" not in zh
