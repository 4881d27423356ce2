"""Case screens as bob (grid 1-1), charlie (grid 2-1), dave (building head of the 1-1
building), the window and the repair centre see them; outsiders get 404."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_post, make_user
from banyan.casework import services
from banyan.casework.models import Case, CasePhoto, Notification, NotificationSetting, Route
from banyan.casework.views.cases import DISPUTE_ACTIONS, MOVE_ACTIONS
from banyan.casework.workflow import State
from banyan.timeline.models import Event

from .factories import add_centres, category, open_case

OUTSIDERS = ["charlie", "mallory", "eve"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def english(client, settings):
    """Assertions read the English source strings, whatever the catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


def photo(name="p.jpg", content: bytes | None = None) -> SimpleUploadedFile:
    if content is None:
        buf = io.BytesIO()
        Image.new("RGB", (40, 30), "blue").save(buf, format="JPEG")
        content = buf.getvalue()
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def events(case: Case) -> list[str]:
    return list(
        Event.objects.filter(subject_type="case", subject_id=case.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def move_url(case: Case, action: str) -> str:
    return reverse("casework:case-move", args=[case.pk, action])


def state(case: Case) -> str:
    return Case.objects.get(pk=case.pk).state


def act(client, url: str, case: Case, data: dict | None = None, **kwargs):
    """POST an action form as the case page would: with the case's version now."""
    body = {"version": Case.objects.get(pk=case.pk).version, **(data or {})}
    return client.post(url, body, **kwargs)


def ids(response) -> list[int]:
    return [c.pk for c in response.context["page"].object_list]


# --- the list -------------------------------------------------------------------------------


def test_the_case_list_shows_only_the_scope(client, loop):
    mine = open_case(loop)
    theirs = open_case(loop, by=loop.charlie, household=loop.household_2_1)
    url = reverse("casework:case-list")
    client.force_login(loop.bob)
    assert ids(client.get(url)) == [mine.pk]
    assert ids(client.get(url, {"node": loop.l2_1_1.pk})) == [mine.pk]
    # A filter pointing outside the scope is a 404, never a widening.
    assert client.get(url, {"node": loop.l2_2_1.pk}).status_code == 404
    assert client.get(url, {"node": loop.community.pk}).status_code == 404
    assert client.get(url, {"node": "x"}).status_code == 404
    client.force_login(loop.alice)
    assert set(ids(client.get(url))) == {mine.pk, theirs.pk}
    assert ids(client.get(url, {"node": loop.l2_2_1.pk})) == [theirs.pk]
    client.force_login(loop.charlie)
    assert ids(client.get(url)) == [theirs.pk]
    client.force_login(loop.mallory)
    assert ids(client.get(url)) == []
    client.force_login(loop.eve)
    assert client.get(url).status_code == 404


def test_a_bad_filter_is_an_error_and_lists_nothing(client, loop):
    open_case(loop)
    client.force_login(loop.bob)
    r = client.get(reverse("casework:case-list"), {"state": "everything"})
    assert r.status_code == 200 and "state" in r.context["form"].errors
    assert ids(r) == []


def test_the_list_opens_on_the_open_cases(client, loop):
    done = open_case(loop)
    services.case_reject(actor=loop.bob, case=done, reason="不属于本社区")
    waiting = open_case(loop)
    client.force_login(loop.bob)
    url = reverse("casework:case-list")
    assert ids(client.get(url)) == [waiting.pk]
    assert ids(client.get(url, {"page": "1"})) == [waiting.pk]
    # The form submits every field: "open only" unticked shows them all.
    everything = {"q": "", "state": "", "kind": "", "category": ""}
    assert set(ids(client.get(url, everything))) == {done.pk, waiting.pk}
    assert ids(client.get(url, {"state": "rejected"})) == [done.pk]


def test_the_filters_narrow(client, loop):
    leak = open_case(loop)
    dispute = open_case(loop, code="neighbour_dispute")
    services.case_suspend(actor=loop.bob, case=leak, reason="等配件")
    client.force_login(loop.bob)
    url = reverse("casework:case-list")
    assert ids(client.get(url, {"kind": "dispute"})) == [dispute.pk]
    assert ids(client.get(url, {"category": "roof_leak"})) == [leak.pk]
    assert ids(client.get(url, {"state": "suspended"})) == [leak.pk]
    assert ids(client.get(url, {"q": "吵"})) == []


def test_every_row_flags_overdue_and_paused(client, loop):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False) as clock:
        late = open_case(loop, code="blocked_pipe")  # 24 hours
        paused = open_case(loop, code="blocked_pipe")
        services.case_suspend(actor=loop.bob, case=paused, reason="住户外出")
        fresh = open_case(loop, code="illegal_structure")  # 240 hours
        clock.shift(dt.timedelta(hours=30))
        client.force_login(loop.bob)
        r = client.get(reverse("casework:case-list"))
        rows = r.content.decode().split('<ul class="list" id="cases">')[1]
        by_case = {int(m[1]): m[2] for m in re.finditer(r"/cases/(\d+)/\"(.*?)</li>", rows, re.S)}
        assert "overdue" in by_case[late.pk] and "paused" not in by_case[late.pk]
        assert "paused" in by_case[paused.pk] and "overdue" not in by_case[paused.pk]
        assert "overdue" not in by_case[fresh.pk] and "paused" not in by_case[fresh.pk]
        r = client.get(reverse("casework:case-list"), {"overdue": "on"})
        assert ids(r) == [late.pk]


def test_the_case_list_query_count_is_bounded(client, loop, django_assert_max_num_queries):
    for _ in range(30):
        case = open_case(loop)
        services.case_assign(actor=loop.bob, case=case, route="repair", assignee=loop.repairs)
    client.force_login(loop.bob)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("casework:case-list"))
    assert len(ids(r)) == 30


# --- my work --------------------------------------------------------------------------------


def test_my_work_lists_only_the_scope(client, loop):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False) as clock:
        late = open_case(loop, code="blocked_pipe")
        mine = open_case(loop)
        services.case_assign(actor=loop.bob, case=mine, route="grid", assignee=loop.bob)
        waiting = open_case(loop, by=loop.dave)
        theirs = open_case(loop, by=loop.charlie, household=loop.household_2_1)
        clock.shift(dt.timedelta(hours=30))
        url = reverse("casework:my-work")
        client.force_login(loop.bob)
        r = client.get(url)
        sections = {s["key"]: [c.pk for c in s["rows"]] for s in r.context["sections"]}
        assert sections["overdue"] == [late.pk]  # overdue first
        assert sections["mine"] == [mine.pk]
        assert sections["to_accept"] == [waiting.pk]
        assert theirs.pk not in {pk for rows in sections.values() for pk in rows}
        assert r.context["overdue"] == 1
        client.force_login(loop.charlie)
        r = client.get(url)
        seen = {c.pk for s in r.context["sections"] for c in s["rows"]}
        assert seen == {theirs.pk}
        client.force_login(loop.eve)
        assert client.get(url).status_code == 404


def test_my_work_query_count_is_bounded(client, loop, django_assert_max_num_queries):
    for _ in range(25):
        open_case(loop)
        open_case(loop, by=loop.dave)
    client.force_login(loop.bob)
    with django_assert_max_num_queries(10):
        r = client.get(reverse("casework:my-work"))
    assert r.status_code == 200


def test_the_repair_centre_sees_only_repairs_routed_to_it(client, loop):
    routed = open_case(loop)
    services.case_assign(actor=loop.bob, case=routed, route="repair")
    other = open_case(loop)
    client.force_login(loop.repairs)
    assert ids(client.get(reverse("casework:case-list"))) == [routed.pk]
    assert client.get(reverse("casework:case-detail", args=[other.pk])).status_code == 404
    r = client.get(reverse("casework:my-work"))
    assert {c.pk for s in r.context["sections"] for c in s["rows"]} == {routed.pk}


def test_the_window_sees_only_window_routed_cases(client, loop):
    paper = open_case(loop, code="paperwork")
    services.case_assign(actor=loop.bob, case=paper, route="window")
    leak = open_case(loop)
    client.force_login(loop.window)
    assert ids(client.get(reverse("casework:case-list"))) == [paper.pk]
    assert client.get(reverse("casework:case-detail", args=[leak.pk])).status_code == 404
    assert act(client, move_url(leak, "start"), leak).status_code == 404
    r = act(client, move_url(paper, "start"), paper)
    assert r.status_code == 302 and state(paper) == State.IN_PROGRESS


# --- one case -------------------------------------------------------------------------------


def test_the_case_page_masks_the_reporters_phone_and_says_on_whose_behalf(client, loop):
    case = services.case_create(
        actor=loop.bob,
        category=category(),
        description="屋顶漏水",
        channel="phone",
        household=loop.household_1_1,
        reporter_name="张桂英的女儿",
        reporter_phone="13987654321",
        on_behalf_of="张桂英",
    )
    client.force_login(loop.bob)
    r = client.get(reverse("casework:case-detail", args=[case.pk]))
    body = r.content.decode()
    assert "13987654321" not in body and "139****4321" in body
    assert "entered by 赵波 on behalf of 张桂英" in body
    assert r["Cache-Control"] == "no-store"


def test_the_case_page_offers_only_the_moves_the_state_and_the_post_allow(client, loop):
    case = open_case(loop)
    client.force_login(loop.bob)
    r = client.get(reverse("casework:case-detail", args=[case.pk]))
    offered = {m["action"] for m in r.context["moves"]}
    assert offered == {
        "reject",
        "mark_duplicate",
        "assign",
        "hand_off",
        "suspend",
        "escalate",
        "note",
    }
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了")
    r = client.get(reverse("casework:case-detail", args=[case.pk]))
    # A roof leak needs the resident's word: no staff "close", but confirm for them.
    assert {m["action"] for m in r.context["moves"]} == {"confirm", "reopen", "note"}


def test_a_case_page_links_people_only_where_the_viewer_may_look(client, loop):
    case = open_case(loop, code="neighbour_dispute")
    services.dispute_party_add(actor=loop.alice, case=case, person=loop.person_2_1)
    client.force_login(loop.bob)
    body = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert reverse("registry:person-detail", args=[loop.person_1_1.pk]) in body
    assert "李秀兰" in body  # a party is named…
    assert reverse("registry:person-detail", args=[loop.person_2_1.pk]) not in body  # …not linked


def test_the_loop_through_the_pages(client, loop):
    """bob records a leak with a photo, routes it to the repair centre; repairs starts and
    resolves it with a photo; bob confirms it for the resident."""
    client.force_login(loop.bob)
    r = client.post(
        f"{reverse('casework:case-create')}?household={loop.household_1_1.pk}",
        {
            "category": category().pk,
            "description": "屋顶漏水，雨天滴到床上",
            "channel": "visit",
            "persons": [loop.person_1_1.pk],
            "photos": [photo()],
        },
    )
    case = Case.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("casework:case-detail", args=[case.pk])
    assert case.state == State.ACCEPTED and case.photos.count() == 1
    assert list(case.people.values_list("person_id", flat=True)) == [loop.person_1_1.pk]

    page = client.get(move_url(case, "assign"))
    assignee = page.context["form"].fields["assignee"]
    assert str(loop.repairs.pk) in str(assignee.choices)
    r = act(
        client, move_url(case, "assign"), case, {"route": "repair", "assignee": loop.repairs.pk}
    )
    assert r.status_code == 302 and state(case) == State.ASSIGNED

    client.force_login(loop.repairs)
    assert act(client, move_url(case, "start"), case).status_code == 302
    r = act(client, move_url(case, "resolve"), case, {"note": "换了防水卷材", "photos": [photo()]})
    assert r.status_code == 302 and state(case) == State.RESOLVED

    client.force_login(loop.bob)
    r = act(
        client,
        move_url(case, "confirm"),
        case,
        {"rating": "5", "on_behalf_of": "张桂英（电话确认）"},
    )
    assert r.status_code == 302 and state(case) == State.CLOSED
    assert events(case) == [
        "case_created",
        "case_assigned",
        "case_started",
        "case_resolved",
        "case_confirmed",
    ]
    body = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert "on behalf of 张桂英（电话确认）" in body


def _everyone_who_can_take(case, route):
    """The judge, asked user by user: every active holder of a post in the community whom
    services.can_take accepts."""
    from django.contrib.auth import get_user_model

    from banyan.accounts.models import Post

    user_ids = Post.objects.filter(active=True, community_id=case.community_id).values("user_id")
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username")
    return [u for u in users if services.can_take(u, case, route)]


def test_the_assign_choices_are_exactly_who_the_service_accepts(loop):
    """staff_selectors.assignee_choices reads posts in one query; services.can_take, asked
    for every user, is the judge: they must agree on every route."""
    from banyan.casework import staff_selectors

    leader = make_user("leader1")
    make_post(leader, Role.GRID_LEADER, loop.l1_1)
    other_leader = make_user("leader2")
    make_post(other_leader, Role.GRID_LEADER, loop.l1_2)
    sec = make_user("branchsec")
    make_post(sec, Role.BRANCH_SECRETARY, loop.l1_1)
    gone = make_user("gone")
    make_post(gone, Role.GRID_MANAGER, loop.l2_1_1).delete()
    retired = make_user("retired")
    post = make_post(retired, Role.GRID_MANAGER, loop.l2_1_1)
    post.active = False
    post.save(update_fields=["active"])
    cases = [
        open_case(loop),
        open_case(loop, household=loop.household_2_1, by=loop.charlie),
        services.case_create(
            actor=loop.bob,
            category=category("environment"),
            description="垃圾",
            channel="visit",
            grid=loop.l2_1_1,
        ),
    ]
    for case in cases:
        choices = staff_selectors.assignee_choices(case=case)
        for route in ("window", "errand", "repair", "team", "grid"):
            expected = _everyone_who_can_take(case, route)
            assert [u.pk for u in choices[route]] == [u.pk for u in expected], (case, route)
    assert {u.username for u in staff_selectors.assignee_choices(case=cases[0])["grid"]} == {
        "alice",
        "bob",
        "leader1",
    }


def test_the_case_page_and_the_assign_page_are_bounded(client, loop, django_assert_max_num_queries):
    for i in range(15):
        make_post(make_user(f"manager{i}"), Role.GRID_MANAGER, loop.l2_1_1)
    case = open_case(loop, code="neighbour_dispute")
    for i in range(10):
        services.case_note(actor=loop.bob, case=case, note=f"第{i}次")
    client.force_login(loop.bob)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("casework:case-detail", args=[case.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(move_url(case, "assign")).status_code == 200
    with django_assert_max_num_queries(10):
        page = client.get(reverse("casework:case-dispute", args=[case.pk, "mediator"]))
    assert len(page.context["form"].fields["mediator"].choices) == 1 + 15 + 2  # bob, alice


def test_an_errand_needs_a_proof_photo(client, loop):
    case = open_case(loop, code="paperwork")
    services.case_assign(actor=loop.bob, case=case, route="errand", assignee=loop.bob)
    client.force_login(loop.bob)
    r = act(client, move_url(case, "resolve"), case, {"note": "已代办"})
    assert r.status_code == 200 and "photos" in r.context["form"].errors
    assert state(case) == State.ASSIGNED
    r = act(client, move_url(case, "resolve"), case, {"note": "已代办", "photos": [photo()]})
    assert r.status_code == 302 and state(case) == State.RESOLVED
    assert CasePhoto.objects.get(case=case).stage == CasePhoto.Stage.PROOF


def test_a_file_that_is_not_a_photo_is_refused_by_content(client, loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    client.force_login(loop.bob)
    fake = photo("leak.jpg", b"%PDF-1.4 not a photo")
    r = act(client, move_url(case, "resolve"), case, {"note": "好了", "photos": [fake]})
    assert r.status_code == 200 and "photos" in r.context["form"].errors
    assert state(case) == State.ASSIGNED and not CasePhoto.objects.exists()


BAD_MOVES = [
    ("reject", {"reason": " "}, "reason"),
    ("mark_duplicate", {"original": "999999"}, "original"),
    ("mark_duplicate", {"original": "abc"}, "original"),
    ("assign", {"route": "pigeon"}, "route"),
    ("assign", {"route": "errand"}, "assignee"),
    ("assign", {"route": "team", "team": ""}, "team"),
    ("hand_off", {"grid": "", "note": "x"}, "grid"),
    ("hand_off", {"grid": "{other_l2}", "note": "x"}, "grid"),
    ("suspend", {"reason": ""}, "reason"),
    ("escalate", {"reason": ""}, "reason"),
    ("note", {"note": ""}, "note"),
]


@pytest.mark.parametrize(("action", "data", "field"), BAD_MOVES)
def test_bad_input_on_a_move_names_the_field_and_writes_nothing(client, loop, action, data, field):
    case = open_case(loop)
    data = {k: v.format(other_l2=loop.other_l2.pk) for k, v in data.items()}
    client.force_login(loop.bob)
    r = act(client, move_url(case, action), case, data)
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert events(case) == ["case_created"] and state(case) == State.ACCEPTED


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("confirm", {"rating": "5", "on_behalf_of": ""}, "on_behalf_of"),
        ("confirm", {"rating": "9", "on_behalf_of": "张"}, "rating"),
        ("reopen", {"comment": "", "on_behalf_of": "张"}, "comment"),
        ("reopen", {"comment": "还漏", "on_behalf_of": ""}, "on_behalf_of"),
    ],
)
def test_bad_input_for_the_resident_names_the_field(client, loop, action, data, field):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了")
    client.force_login(loop.bob)
    r = act(client, move_url(case, action), case, data)
    assert r.status_code == 200 and field in r.context["form"].errors
    assert state(case) == State.RESOLVED


def test_someone_acting_first_gets_a_message_not_an_error(client, loop):
    case = open_case(loop, by=loop.dave)
    client.force_login(loop.bob)
    assert act(client, move_url(case, "accept"), case).status_code == 302
    r = act(client, move_url(case, "accept"), case, follow=True)
    assert r.status_code == 200
    assert "someone may have acted on it first" in r.content.decode()
    assert events(case) == ["case_created", "case_accepted"]


def test_a_duplicate_points_at_the_original(client, loop):
    original = open_case(loop)
    dup = open_case(loop, by=loop.dave)
    client.force_login(loop.bob)
    r = act(client, move_url(dup, "mark_duplicate"), dup, {"original": original.pk})
    assert r.status_code == 302
    assert Case.objects.get(pk=dup.pk).duplicate_of == original
    body = client.get(reverse("casework:case-detail", args=[dup.pk])).content.decode()
    assert reverse("casework:case-detail", args=[original.pk]) in body
    # A case charlie cannot see is no original for him; for bob it does not exist.
    hidden = open_case(loop, by=loop.charlie, household=loop.household_2_1)
    other = open_case(loop, by=loop.dave)
    r = act(client, move_url(other, "mark_duplicate"), other, {"original": hidden.pk})
    assert "original" in r.context["form"].errors


def test_a_hand_off_moves_the_case_out_of_bobs_reach(client, loop):
    case = open_case(loop)
    client.force_login(loop.bob)
    page = client.get(move_url(case, "hand_off"))
    assert loop.l2_2_1 in page.context["form"].fields["grid"].queryset
    assert loop.other_l2 not in page.context["form"].fields["grid"].queryset
    r = act(
        client, move_url(case, "hand_off"), case, {"grid": loop.l2_2_1.pk, "note": "属于二网格"}
    )
    assert r.status_code == 302
    assert client.get(reverse("casework:case-detail", args=[case.pk])).status_code == 404
    client.force_login(loop.charlie)
    assert client.get(reverse("casework:case-detail", args=[case.pk])).status_code == 200


def test_a_move_not_possible_now_sends_back_to_the_case(client, loop):
    case = open_case(loop)
    client.force_login(loop.bob)
    r = client.get(move_url(case, "resume"))
    assert r.status_code == 302
    assert client.get(move_url(case, "no_such_move")).status_code == 404


def test_notes_public_and_internal(client, loop):
    case = open_case(loop)
    client.force_login(loop.bob)
    act(client, move_url(case, "note"), case, {"note": "已联系物业"})
    act(client, move_url(case, "note"), case, {"note": "明天上门", "public": "on"})
    notes = Event.objects.filter(verb="case_note").order_by("id")
    assert [(e.data["note"], e.data["public"]) for e in notes] == [
        ("已联系物业", False),
        ("明天上门", True),
    ]
    body = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert "internal" in body


# --- the building head ----------------------------------------------------------------------


def test_building_head_reports_for_his_building_and_it_lands_submitted(client, loop):
    client.force_login(loop.dave)
    r = client.get(reverse("casework:case-create"))
    assert r.status_code == 302 and f"building={loop.building_1_1.pk}" in r["Location"]
    url = f"{reverse('casework:case-create')}?building={loop.building_1_1.pk}"
    form = client.get(url).context["form"]
    assert "channel" not in form.fields
    r = client.post(
        url,
        {"category": category().pk, "description": "楼道灯坏了", "channel": "visit"},
    )
    case = Case.objects.get()
    assert r.status_code == 302
    assert (case.state, case.channel, case.entered_by) == (
        State.SUBMITTED,
        "building_head",
        loop.dave,
    )


def test_building_head_sees_only_his_buildings_cases_and_cannot_act(client, loop):
    his = open_case(loop, by=loop.dave)
    grid_only = services.case_create(
        actor=loop.bob,
        category=category("environment"),
        description="垃圾堆放",
        channel="visit",
        grid=loop.l2_1_1,
    )
    services.case_note(actor=loop.bob, case=his, note="内部：住户有纠纷")
    client.force_login(loop.dave)
    assert ids(client.get(reverse("casework:case-list"))) == [his.pk]
    assert client.get(reverse("casework:case-detail", args=[grid_only.pk])).status_code == 404
    r = client.get(reverse("casework:case-detail", args=[his.pk]))
    assert [m["action"] for m in r.context["moves"]] == ["note"]
    assert "内部：住户有纠纷" not in r.content.decode()  # internal notes stay with staff
    for action in ("accept", "reject", "assign"):
        assert act(client, move_url(his, action), his, {"reason": "x"}).status_code == 403
    assert act(client, move_url(his, "note"), his, {"note": "楼上也漏了"}).status_code == 302
    assert events(his) == ["case_created", "case_note", "case_note"]
    grid_url = f"{reverse('casework:case-create')}?grid={loop.l2_1_1.pk}"
    assert client.get(grid_url).status_code == 404


# --- outsiders ------------------------------------------------------------------------------


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_real_action_and_photo(client, loop, outsider):
    case = open_case(loop, code="neighbour_dispute")
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="调解成功", photos=[photo()])
    pic = CasePhoto.objects.get(case=case)
    client.force_login(getattr(loop, outsider))
    answers = {}
    for area, table in (("move", MOVE_ACTIONS), ("dispute", DISPUTE_ACTIONS)):
        for action in table:
            url = reverse(f"casework:case-{area}", args=[case.pk, action])
            got = (client.get(url).status_code, client.post(url, {"note": "x"}).status_code)
            if got != (404, 404):
                answers[url] = got
    for size in ("thumb", "medium"):
        url = photo_url(case, pic, size)
        if client.get(url).status_code != 404:
            answers[url] = "photo"
    assert answers == {}
    assert events(case)[-1] == "case_resolved"


def photo_url(case: Case, pic: CasePhoto, size: str, token: str | None = None) -> str:
    token = pic.photo_token(size) if token is None else token
    return reverse("casework:case-photo", args=[case.pk, pic.pk, size, token])


def test_photos_are_served_only_through_the_scoped_view(client, loop, settings):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了", photos=[photo()])
    pic = CasePhoto.objects.get(case=case)
    client.force_login(loop.bob)
    r = client.get(photo_url(case, pic, "thumb"))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    body = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert settings.MEDIA_URL not in body and pic.image.name not in body
    # Another case's photo id under this case is not found.
    other = open_case(loop)
    url = reverse("casework:case-photo", args=[other.pk, pic.pk, "thumb", pic.thumb_token])
    assert client.get(url).status_code == 404


def test_a_photo_is_kept_in_a_thumbnail_and_a_medium_size(client, loop):
    big = io.BytesIO()
    Image.new("RGB", (3000, 2000), (90, 120, 150)).save(big, format="JPEG")
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(
        actor=loop.bob, case=case, note="好了", photos=[photo("a.jpg", big.getvalue())]
    )
    pic = CasePhoto.objects.get(case=case)
    client.force_login(loop.bob)
    for size, side in (("thumb", 320), ("medium", 1280)):
        body = b"".join(client.get(photo_url(case, pic, size)).streaming_content)
        with Image.open(io.BytesIO(body)) as image:
            assert image.size == (side, side * 2 // 3), size


def test_the_case_page_shows_the_thumbnail_and_a_tap_opens_the_medium_size(client, loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了", photos=[photo()])
    pic = CasePhoto.objects.get(case=case)
    client.force_login(loop.bob)
    html = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    link = re.search(r'<a href="([^"]+)"><img src="([^"]+)"', html)
    assert link is not None
    assert link.groups() == (photo_url(case, pic, "medium"), photo_url(case, pic, "thumb"))


def test_a_photo_url_names_its_content_and_the_browser_may_keep_it(client, loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了", photos=[photo()])
    pic = CasePhoto.objects.get(case=case)
    client.force_login(loop.bob)
    r = client.get(photo_url(case, pic, "thumb"))
    assert r["Cache-Control"] == "private, max-age=31536000, immutable"
    # The token is the content's: any other (an old one, a guess, another size's) is 404.
    assert pic.thumb_token != pic.medium_token
    for size, token in (
        ("thumb", pic.medium_token),
        ("thumb", "0" * 32),
        ("full", pic.thumb_token),
        ("thumb", pic.thumb_token[:-1]),
    ):
        assert client.get(photo_url(case, pic, size, token)).status_code == 404, (size, token)
    # The page that links it is still never kept.
    assert client.get(reverse("casework:case-detail", args=[case.pk]))["Cache-Control"] == (
        "no-store"
    )


def test_a_form_sent_by_the_photo_script_is_told_where_to_go_instead_of_redirected(client, loop):
    """photos.js sends with XMLHttpRequest, which would follow a redirect out of sight."""
    client.force_login(loop.bob)
    url = f"{reverse('casework:case-create')}?household={loop.household_1_1.pk}"
    data = {"category": category().pk, "description": "漏水", "channel": "visit"}
    r = client.post(url, {**data, "description": ""}, HTTP_X_BANYAN_UPLOAD="1")
    assert r.status_code == 200 and "description" in r.context["form"].errors
    r = client.post(url, {**data, "photos": [photo()]}, HTTP_X_BANYAN_UPLOAD="1")
    case = Case.objects.get()
    assert r.status_code == 204 and not r.content
    assert r["X-Banyan-Location"] == reverse("casework:case-detail", args=[case.pk])
    assert r["Cache-Control"] == "no-store" and "Location" not in r
    # The flash message waits for the page the script goes to.
    assert f"Case #{case.pk} recorded." in client.get(r["X-Banyan-Location"]).content.decode()
    # Without the header, the same post is the plain redirect.
    assert client.post(url, data)["Location"].startswith("/cases/")


# --- recording ------------------------------------------------------------------------------


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_recording_a_case_outside_the_scope_is_404(client, loop, outsider):
    client.force_login(getattr(loop, outsider))
    base = reverse("casework:case-create")
    for query in (
        f"household={loop.household_1_1.pk}",
        f"building={loop.building_1_1.pk}",
        f"grid={loop.l2_1_1.pk}",
        "grid=abc",
    ):
        assert client.get(f"{base}?{query}").status_code == 404, query
        r = client.post(f"{base}?{query}", {"category": category().pk, "description": "x"})
        assert r.status_code == 404, query
    assert not Case.objects.exists()


def test_a_post_that_sees_but_may_not_report_is_refused(client, loop):
    sec = make_user("branchsec")
    make_post(sec, Role.BRANCH_SECRETARY, loop.l1_1)
    client.force_login(sec)
    url = f"{reverse('casework:case-create')}?household={loop.household_1_1.pk}"
    assert client.get(url).status_code == 403


def test_a_grid_is_chosen_when_none_is_given(client, loop):
    client.force_login(loop.bob)
    r = client.get(reverse("casework:case-create"))
    assert r.status_code == 302 and f"grid={loop.l2_1_1.pk}" in r["Location"]
    client.force_login(loop.alice)
    r = client.get(reverse("casework:case-create"))
    assert r.status_code == 200 and set(r.context["grids"]) == {loop.l2_1_1, loop.l2_2_1}


def test_recording_from_a_household_offers_its_people(client, loop):
    client.force_login(loop.bob)
    url = f"{reverse('casework:case-create')}?household={loop.household_1_1.pk}&channel=visit"
    form = client.get(url).context["form"]
    assert dict(form.fields["persons"].choices) == {str(loop.person_1_1.pk): "张桂英"}
    assert form.initial["channel"] == "visit"
    assert "address" not in form.fields


BAD_RECORDS = [
    ({"description": " "}, "description"),
    ({"category": "999999"}, "category"),
    ({"channel": "pigeon"}, "channel"),
    ({"reporter_phone": "12345"}, "reporter_phone"),
    ({"persons": ["999999"]}, "persons"),
    ({"photos": ["notaphoto"]}, "photos"),
]


@pytest.mark.parametrize(("change", "field"), BAD_RECORDS)
def test_bad_input_when_recording_names_the_field_and_writes_nothing(client, loop, change, field):
    data = {"category": category().pk, "description": "屋顶漏水", "channel": "phone"}
    data.update(change)
    if data.get("photos") == ["notaphoto"]:
        data["photos"] = [photo("x.jpg", b"GIF89a but not really")]
    client.force_login(loop.bob)
    url = f"{reverse('casework:case-create')}?household={loop.household_1_1.pk}"
    r = client.post(url, data)
    assert r.status_code == 200 and field in r.context["form"].errors
    assert not Case.objects.exists() and not Event.objects.filter(verb="case_created").exists()


# --- disputes -------------------------------------------------------------------------------


def dispute_url(case: Case, action: str) -> str:
    return reverse("casework:case-dispute", args=[case.pk, action])


@time_machine.travel("2026-05-03 09:00 +0800", tick=False)
def test_a_dispute_through_its_page(client, loop):
    case = open_case(loop, code="neighbour_dispute")
    client.force_login(loop.bob)
    r = client.get(reverse("casework:case-detail", args=[case.pk]))
    assert {m["action"] for m in r.context["dispute_actions"]} == set(DISPUTE_ACTIONS)
    page = client.get(dispute_url(case, "mediator"))
    assert str(loop.bob.pk) in dict(page.context["form"].fields["mediator"].choices)
    assert (
        act(client, dispute_url(case, "mediator"), case, {"mediator": loop.bob.pk}).status_code
        == 302
    )
    page = client.get(dispute_url(case, "party"))
    assert str(loop.person_1_1.pk) in dict(page.context["form"].fields["person"].choices)
    assert (
        act(client, dispute_url(case, "party"), case, {"person": loop.person_1_1.pk}).status_code
        == 302
    )
    r = act(
        client,
        dispute_url(case, "session"),
        case,
        {
            "held_on": "2026-05-02",
            "attendees": "双方当事人、网格员",
            "summary": "楼上漏水到楼下",
            "agreed": "楼上负责维修",
        },
    )
    assert r.status_code == 302
    act(client, dispute_url(case, "agreement"), case, {"agreement": "楼上负责维修，楼下不再追究"})
    act(client, dispute_url(case, "legal_aid"), case, {"note": "涉及赔偿"})
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.mediator == loop.bob and fresh.legal_aid_referred
    assert fresh.agreement == "楼上负责维修，楼下不再追究"
    assert events(case) == [
        "case_created",
        "dispute_mediator_set",
        "dispute_party_added",
        "mediation_held",
        "dispute_agreement_recorded",
        "dispute_referred_legal_aid",
    ]
    body = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert "楼上负责维修" in body and "双方当事人、网格员" in body
    visit = reverse("casework:visit-create")
    assert f"{visit}?household={loop.household_1_1.pk}&amp;dispute={case.pk}" in body
    # Referred once: the action is no longer offered.
    r = client.get(reverse("casework:case-detail", args=[case.pk]))
    assert "legal_aid" not in {m["action"] for m in r.context["dispute_actions"]}


def test_bad_session_input_writes_nothing(client, loop):
    case = open_case(loop, code="neighbour_dispute")
    client.force_login(loop.bob)
    r = act(client, dispute_url(case, "session"), case, {"held_on": "2099-01-01", "attendees": ""})
    assert r.status_code == 200
    assert {"attendees"} <= set(r.context["form"].errors)
    r = act(
        client,
        dispute_url(case, "session"),
        case,
        {"held_on": "2099-01-01", "attendees": "双方", "summary": "谈"},
    )
    assert "held_on" in r.context["form"].errors
    assert events(case) == ["case_created"]


def test_a_repair_has_no_dispute_actions(client, loop):
    case = open_case(loop)
    client.force_login(loop.bob)
    r = client.get(reverse("casework:case-detail", args=[case.pk]))
    assert r.context["dispute"] is None and r.context["dispute_actions"] == []
    assert client.get(dispute_url(case, "session")).status_code == 302
    r = act(client, dispute_url(case, "agreement"), case, {"agreement": "x"})
    assert r.status_code == 200 and r.context["form"].errors


# --- the inbox ------------------------------------------------------------------------------


def _notify(loop, django_capture_on_commit_callbacks) -> Case:
    case = open_case(loop)
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
        other = open_case(loop)
        services.case_assign(actor=loop.bob, case=other, route="repair", assignee=loop.repairs)
    return case


def test_the_inbox_shows_only_ones_own_notifications(
    client, loop, django_capture_on_commit_callbacks
):
    _notify(loop, django_capture_on_commit_callbacks)
    client.force_login(loop.bob)
    r = client.get(reverse("casework:inbox"))
    mine = [n.user_id for n in r.context["page"].object_list]
    assert mine and set(mine) == {loop.bob.pk}
    client.force_login(loop.eve)
    r = client.get(reverse("casework:inbox"))
    assert list(r.context["page"].object_list) == []


def test_unread_come_first_and_are_marked_read(client, loop, django_capture_on_commit_callbacks):
    _notify(loop, django_capture_on_commit_callbacks)
    first = Notification.objects.filter(user=loop.bob).order_by("id").first()
    client.force_login(loop.bob)
    client.post(reverse("casework:inbox-read"), {"ids": [first.pk]})
    assert Notification.objects.get(pk=first.pk).read_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        later = open_case(loop)
        services.case_assign(actor=loop.bob, case=later, route="grid", assignee=loop.bob)
    r = client.get(reverse("casework:inbox"))
    rows = list(r.context["page"].object_list)
    assert rows[-1].pk == first.pk and rows[0].read_at is None
    client.post(reverse("casework:inbox-read"), {"all": "on"})
    assert not Notification.objects.filter(user=loop.bob, read_at__isnull=True).exists()


def test_marking_read_touches_only_ones_own_notifications(
    client, loop, django_capture_on_commit_callbacks
):
    _notify(loop, django_capture_on_commit_callbacks)
    theirs = Notification.objects.get(user=loop.repairs)
    client.force_login(loop.charlie)
    r = client.post(reverse("casework:inbox-read"), {"ids": [theirs.pk]})
    assert r.status_code == 302
    client.post(reverse("casework:inbox-read"), {"all": "on"})
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert client.get(reverse("casework:inbox-read")).status_code == 405
    r = client.post(reverse("casework:inbox-read"), {"ids": ["x"]})
    assert r.status_code == 302 and Notification.objects.get(pk=theirs.pk).read_at is None


def test_the_email_setting_is_ones_own(client, loop, django_capture_on_commit_callbacks):
    url = reverse("casework:notification-settings")
    client.force_login(loop.repairs)
    r = client.post(url, {"email": "on"})
    assert r.status_code == 200 and "email" in r.context["form"].errors  # no address on file
    assert not NotificationSetting.objects.exists()
    loop.repairs.email = "repairs@example.org"
    loop.repairs.save(update_fields=["email"])
    assert client.post(url, {"email": "on"}).status_code == 302
    assert NotificationSetting.objects.get().user == loop.repairs
    _notify(loop, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["repairs@example.org"]]
    client.force_login(loop.bob)
    assert client.get(url).context["form"].initial["email"] is False
    client.post(url, {})
    assert NotificationSetting.objects.get(user=loop.repairs).email is True


# --- links from other pages -----------------------------------------------------------------


def test_the_grid_page_links_to_my_work_with_the_overdue_count(client, loop):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False) as clock:
        open_case(loop, code="blocked_pipe")
        open_case(loop, by=loop.dave)
        clock.shift(dt.timedelta(hours=30))
        client.force_login(loop.bob)
        r = client.get(reverse("places:node-detail", args=[loop.l2_1_1.pk]))
    body = r.content.decode()
    assert reverse("casework:my-work") in body and "1 overdue" in body
    panel = body.split('id="casework"')[1]
    assert f"?node={loop.l2_1_1.pk}" in panel


def test_the_household_page_shows_visits_and_cases(client, loop):
    case = open_case(loop)
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False):
        services.visit_record(
            actor=loop.bob,
            household=loop.household_1_1,
            visited_on=dt.date(2026, 4, 30),
            purpose="routine",
        )
    client.force_login(loop.bob)
    body = client.get(
        reverse("registry:household-detail", args=[loop.household_1_1.pk])
    ).content.decode()
    assert "Last visited 2026-04-30" in body
    assert reverse("casework:case-detail", args=[case.pk]) in body
    assert f"{reverse('casework:case-create')}?household={loop.household_1_1.pk}" in body
    assert f"{reverse('casework:visit-create')}?household={loop.household_1_1.pk}" in body
    # The building head sees the household's cases, not its visits, and may only report.
    client.force_login(loop.dave)
    body = client.get(
        reverse("registry:household-detail", args=[loop.household_1_1.pk])
    ).content.decode()
    assert "Last visited" not in body and reverse("casework:visit-create") not in body
    assert f"{reverse('casework:case-create')}?household={loop.household_1_1.pk}" in body


# --- moves made on a page that is out of date (SECURITY.md 20) ------------------------------


def test_a_stale_assignment_shows_what_changed_and_writes_nothing(client, loop):
    case = open_case(loop)
    client.force_login(loop.bob)
    page = client.get(move_url(case, "assign"))
    assert page.context["form"]["version"].value() == 1
    # The window takes the case while bob's form is open.
    services.case_assign(actor=loop.alice, case=case, route="window", version=1)
    before = events(case)
    r = client.post(
        move_url(case, "assign"), {"route": "grid", "assignee": loop.bob.pk, "version": 1}
    )
    assert r.status_code == 200
    form = r.context["form"]
    rows = {str(row["label"]): row for row in form.stale_changes}
    assert rows[str(form.fields["route"].label)]["now"] == str(Route.WINDOW.label)
    assert rows[str(form.fields["route"].label)]["yours"] == str(Route.GRID.label)
    assert str(Case._meta.get_field("state").verbose_name) in rows
    assert form["version"].value() == "2" and form["route"].value() == Route.WINDOW
    # The page shows the case as it is now, and nothing was written.
    assert r.context["case"].state == State.ASSIGNED
    now = Case.objects.get(pk=case.pk)
    assert (now.route, now.assignee_id, now.version) == (Route.WINDOW, None, 2)
    assert events(case) == before
    # Sent again at the version now, bob's choice stands.
    r = client.post(
        move_url(case, "assign"), {"route": "grid", "assignee": loop.bob.pk, "version": 2}
    )
    assert r.status_code == 302
    now = Case.objects.get(pk=case.pk)
    assert (now.route, now.assignee_id, now.version) == (Route.GRID, loop.bob.pk, 3)


def test_a_one_tap_move_from_a_stale_page_is_shown_again_not_applied(client, loop):
    case = open_case(loop, by=loop.dave)  # submitted: bob's page offers "accept"
    client.force_login(loop.bob)
    page = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    accept = page.split(move_url(case, "accept"))[1].split("</form>")[0]
    assert 'name="version" value="1"' in accept and 'type="hidden"' in accept
    services.case_reject(actor=loop.alice, case=case, reason="不属于社区事务", version=1)
    r = client.post(move_url(case, "accept"), {"version": 1})
    assert r.status_code == 200 and r.context["form"].stale_changes
    assert state(case) == State.REJECTED and "case_accepted" not in events(case)


def test_a_stale_agreement_is_not_overwritten(client, loop):
    case = open_case(loop, code="neighbour_dispute")
    services.dispute_record_agreement(actor=loop.alice, case=case, agreement="楼上负责维修")
    client.force_login(loop.bob)
    page = client.get(dispute_url(case, "agreement"))
    assert page.context["form"]["version"].value() == 2
    services.dispute_record_agreement(
        actor=loop.alice, case=case, agreement="楼上负责维修，费用各半", version=2
    )
    r = client.post(dispute_url(case, "agreement"), {"agreement": "楼下自行维修", "version": 2})
    assert r.status_code == 200
    form = r.context["form"]
    assert [(row["now"], row["yours"]) for row in form.stale_changes] == [
        ("楼上负责维修，费用各半", "楼下自行维修")
    ]
    assert form["agreement"].value() == "楼上负责维修，费用各半"
    assert Case.objects.get(pk=case.pk).agreement == "楼上负责维修，费用各半"


def test_a_note_needs_no_fresh_version_and_makes_none_stale(client, loop):
    case = open_case(loop)
    client.force_login(loop.bob)
    services.case_note(actor=loop.alice, case=case, note="已联系物业")
    assert Case.objects.get(pk=case.pk).version == 1
    r = client.post(move_url(case, "note"), {"note": "明天上门", "version": 1})
    assert r.status_code == 302 and Case.objects.get(pk=case.pk).version == 1
