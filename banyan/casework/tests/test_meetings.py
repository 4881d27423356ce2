"""The committee meeting (党总支会议): agenda, decisions that move cases, final minutes,
and its pages (404 for every post that does not chair meetings in that community)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.http import Http404
from django.urls import reverse

from banyan.casework import services
from banyan.casework.models import AgendaItem, Case, Meeting
from banyan.casework.workflow import State
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.timeline.models import Event

from .factories import add_centres, open_case


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


def escalated(world, **kwargs) -> Case:
    case = open_case(world, **kwargs)
    return services.case_escalate(actor=world.bob, case=case, reason="物业无人管，需总支协调")


def make_meeting(world, **kwargs) -> Meeting:
    values = {
        "actor": world.alice,
        "community": world.community,
        "held_on": dt.date(2026, 5, 8),
        "title": "五月党总支会议",
        "attendees": "王丽, 赵波, 陈杰",
        "agenda": "网格工作汇报",
    }
    return services.meeting_create(**(values | kwargs))


def case_events(case: Case) -> list[str]:
    return list(
        Event.objects.filter(subject_type="case", subject_id=case.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def meeting_events(meeting: Meeting) -> list[str]:
    return list(
        Event.objects.filter(subject_type="meeting", subject_id=meeting.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


# --- services -------------------------------------------------------------------------------


def test_the_secretary_records_a_meeting(loop):
    meeting = make_meeting(loop)
    assert (meeting.community, meeting.created_by, meeting.closed) == (
        loop.community,
        loop.alice,
        False,
    )
    assert meeting_events(meeting) == ["meeting_created"]
    assert "五月党总支会议" in Event.objects.get(verb="meeting_created").text


@pytest.mark.parametrize("who", ["bob", "charlie", "dave", "eve", "mallory", "window"])
def test_only_a_chair_of_the_community_records_meetings(loop, who):
    with pytest.raises(Http404):
        make_meeting(loop, actor=getattr(loop, who))
    assert Meeting.objects.count() == 0


def test_a_meeting_needs_a_title_and_attendees(loop):
    with pytest.raises(ValidationFailed) as err:
        make_meeting(loop, attendees="  ")
    assert err.value.field == "attendees"
    with pytest.raises(ValidationFailed) as err:
        make_meeting(loop, held_on=None)
    assert err.value.field == "held_on"


def test_add_all_escalated_takes_each_escalated_case_once(loop):
    first, second = escalated(loop), escalated(loop, code="environment")
    open_case(loop, code="parking")  # accepted, not escalated: stays off the agenda
    meeting = make_meeting(loop)
    items = services.agenda_add_escalated(actor=loop.alice, meeting=meeting)
    assert [i.case_id for i in items] == [first.pk, second.pk]
    assert [i.sort_order for i in items] == [1, 2]
    # A second click adds nothing and writes nothing.
    assert services.agenda_add_escalated(actor=loop.alice, meeting=meeting) == []
    assert meeting_events(meeting) == ["meeting_created", "meeting_items_added"]


def test_add_a_case_by_number(loop):
    case = open_case(loop, code="parking")
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=case)
    assert (item.case, item.title) == (case, f"#{case.pk} {case.title}")
    with pytest.raises(ValidationFailed) as err:
        services.agenda_add_case(actor=loop.alice, meeting=meeting, case=case)
    assert err.value.field == "case"


def test_a_case_of_another_community_or_a_finished_case_is_refused(loop):
    meeting = make_meeting(loop)
    other = make_meeting(loop, actor=loop.mallory, community=loop.other_community)
    case = open_case(loop)
    with pytest.raises(ValidationFailed):
        services.agenda_add_case(actor=loop.mallory, meeting=other, case=case)
    services.case_reject(actor=loop.bob, case=open_case(loop, by=loop.dave), reason="重复")
    rejected = Case.objects.get(state=State.REJECTED)
    with pytest.raises(ValidationFailed):
        services.agenda_add_case(actor=loop.alice, meeting=meeting, case=rejected)


def test_a_grid_report_is_an_item_with_text(loop):
    meeting = make_meeting(loop)
    item = services.agenda_add_report(
        actor=loop.alice, meeting=meeting, grid=loop.l1_1, report="本月走访 120 户，发现隐患 3 处"
    )
    assert item.grid == loop.l1_1 and item.case is None and "第一网格" in item.title
    with pytest.raises(ValidationFailed) as err:
        services.agenda_add_report(
            actor=loop.alice, meeting=meeting, grid=loop.other_l2, report="x"
        )
    assert err.value.field == "grid"
    with pytest.raises(ValidationFailed) as err:
        services.agenda_add_report(actor=loop.alice, meeting=meeting, grid=loop.l2_1_1, report="")
    assert err.value.field == "report"


def test_deciding_assign_routes_the_case_in_the_same_transaction(loop):
    case = escalated(loop)
    meeting = make_meeting(loop)
    (item,) = services.agenda_add_escalated(actor=loop.alice, meeting=meeting)
    item = services.agenda_item_decide(
        actor=loop.alice,
        item=item,
        decision="assign",
        route="errand",
        assignee=loop.bob,
        note="赵波牵头，两周内修好",
    )
    case.refresh_from_db()
    assert (case.state, case.route, case.assignee) == (State.ASSIGNED, "errand", loop.bob)
    item.refresh_from_db()
    assert item.decision == "assign" and item.decided_at is not None
    assert "赵波" in item.decision_note and "两周内修好" in item.decision_note
    # The decision writes the case's own event (naming the meeting), not a meeting event.
    assert case_events(case)[-1] == "case_assigned"
    event = Event.objects.filter(verb="case_assigned").get()
    assert "2026-05-08" in event.data["note"] and event.actor == loop.alice
    assert "meeting_item_decided" not in meeting_events(meeting)


def test_minutes_name_the_volunteer_team_a_case_goes_to(client, loop):
    case = escalated(loop)
    meeting = make_meeting(loop)
    (item,) = services.agenda_add_escalated(actor=loop.alice, meeting=meeting)
    client.force_login(loop.alice)
    r = client.post(
        url("meeting-item-decide", meeting.pk, item.pk),
        {"decision": "assign", "route": "team", "team": "red", "note": "党员先锋队上门"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (case.route, case.team) == ("team", "red")
    minutes = client.get(url("meeting-minutes", meeting.pk)).content.decode()
    assert "红色：党员" in minutes and "党员先锋队上门" in minutes
    assert "red" not in re.sub(r"<[^>]*>", "", minutes)  # the code itself, nowhere as text
    page = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    assert "红色：党员" in page


@pytest.mark.parametrize("team", ["", "purple", "红队"])
def test_a_team_is_one_of_the_four(loop, team):
    case = escalated(loop)
    meeting = make_meeting(loop)
    (item,) = services.agenda_add_escalated(actor=loop.alice, meeting=meeting)
    with pytest.raises(ValidationFailed) as err:
        services.agenda_item_decide(
            actor=loop.alice, item=item, decision="assign", route="team", team=team, note="x"
        )
    assert err.value.field == "team"
    case.refresh_from_db()
    assert case.state == State.ESCALATED and not AgendaItem.objects.get().decision


def test_deciding_close_closes_the_case(loop):
    case = escalated(loop)
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=case)
    services.agenda_item_decide(actor=loop.alice, item=item, decision="close", note="已协调解决")
    case.refresh_from_db()
    assert case.state == State.CLOSED and case_events(case)[-1] == "case_closed"


def test_deciding_other_leaves_the_case_and_notes_it(loop):
    case = escalated(loop)
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=case)
    services.agenda_item_decide(actor=loop.alice, item=item, decision="other", note="下月再议")
    case.refresh_from_db()
    assert case.state == State.ESCALATED
    assert case_events(case)[-1] == "case_note"
    assert AgendaItem.objects.get(pk=item.pk).decision_note == "下月再议"


def test_close_and_other_need_a_note(loop):
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=escalated(loop))
    for decision in ("close", "other"):
        with pytest.raises(ValidationFailed) as err:
            services.agenda_item_decide(actor=loop.alice, item=item, decision=decision)
        assert err.value.field == "note"
    with pytest.raises(ValidationFailed) as err:
        services.agenda_item_decide(actor=loop.alice, item=item, decision="adjourn", note="x")
    assert err.value.field == "decision"


def test_a_refused_case_move_leaves_the_item_undecided(loop):
    case = escalated(loop)
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=case)
    # Someone routes the case before the committee decides; it can no longer be closed.
    services.case_assign(actor=loop.bob, case=case, route="repair")
    with pytest.raises(InvalidTransition):
        services.agenda_item_decide(actor=loop.alice, item=item, decision="close", note="关闭")
    item.refresh_from_db()
    assert item.decision == "" and item.decided_at is None
    # An assignee who cannot take the route: refused by the case service, nothing recorded.
    with pytest.raises(ValidationFailed) as err:
        services.agenda_item_decide(
            actor=loop.alice, item=item, decision="assign", route="errand", assignee=loop.charlie
        )
    assert err.value.field == "assignee"
    assert AgendaItem.objects.get(pk=item.pk).decision == ""


def test_a_grid_report_takes_only_other(loop):
    meeting = make_meeting(loop)
    item = services.agenda_add_report(
        actor=loop.alice, meeting=meeting, grid=loop.l2_1_1, report="楼道堆物较多"
    )
    with pytest.raises(ValidationFailed) as err:
        services.agenda_item_decide(
            actor=loop.alice, item=item, decision="assign", route="window", note="x"
        )
    assert err.value.field == "decision"
    services.agenda_item_decide(actor=loop.alice, item=item, decision="other", note="组织清理")
    assert meeting_events(meeting)[-1] == "meeting_item_decided"


def test_an_item_is_decided_once(loop):
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=escalated(loop))
    services.agenda_item_decide(actor=loop.alice, item=item, decision="other", note="再议")
    with pytest.raises(InvalidTransition):
        services.agenda_item_decide(actor=loop.alice, item=item, decision="close", note="关")


def test_final_minutes_need_every_decision_and_then_freeze(loop):
    case = escalated(loop)
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=case)
    with pytest.raises(ValidationFailed):
        services.meeting_finalise(actor=loop.alice, meeting=meeting)
    services.agenda_item_decide(actor=loop.alice, item=item, decision="close", note="已解决")
    meeting = services.meeting_finalise(actor=loop.alice, meeting=meeting)
    assert meeting.closed
    frozen = [
        lambda: services.agenda_add_escalated(actor=loop.alice, meeting=meeting),
        lambda: services.agenda_add_report(
            actor=loop.alice, meeting=meeting, grid=loop.l1_1, report="x"
        ),
        lambda: services.meeting_update(
            actor=loop.alice,
            meeting=meeting,
            held_on=meeting.held_on,
            title="改",
            attendees="x",
        ),
        lambda: services.meeting_finalise(actor=loop.alice, meeting=meeting),
    ]
    for call in frozen:
        with pytest.raises(InvalidTransition):
            call()
    assert meeting_events(meeting)[-1] == "meeting_closed"


def test_an_undecided_item_can_be_taken_off(loop):
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=escalated(loop))
    services.agenda_item_remove(actor=loop.alice, item=item)
    assert not meeting.items.exists()
    assert meeting_events(meeting)[-1] == "meeting_item_removed"


@pytest.mark.parametrize("who", ["bob", "mallory", "eve"])
def test_outsiders_cannot_touch_a_meeting(loop, who):
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=escalated(loop))
    actor = getattr(loop, who)
    calls = [
        lambda: services.agenda_add_escalated(actor=actor, meeting=meeting),
        lambda: services.agenda_item_decide(actor=actor, item=item, decision="other", note="x"),
        lambda: services.agenda_item_remove(actor=actor, item=item),
        lambda: services.meeting_finalise(actor=actor, meeting=meeting),
    ]
    for call in calls:
        with pytest.raises(Http404):
            call()


# --- pages ----------------------------------------------------------------------------------


def url(name: str, *args: int) -> str:
    return reverse(f"casework:{name}", args=args)


def test_the_secretary_runs_a_meeting_through_the_pages(client, loop):
    case = escalated(loop)
    client.force_login(loop.alice)
    assert client.get(url("meeting-list")).status_code == 200
    assert client.get(url("meeting-create")).status_code == 200
    r = client.post(
        url("meeting-create"),
        {
            "community": loop.community.pk,
            "held_on": "2026-05-08",
            "title": "五月党总支会议",
            "attendees": "王丽, 赵波",
            "agenda": "",
        },
    )
    meeting = Meeting.objects.get()
    assert r.status_code == 302 and r["Location"] == url("meeting-detail", meeting.pk)

    r = client.get(url("meeting-detail", meeting.pk))
    assert r.status_code == 200 and r.context["waiting"] == 1  # one escalated case waiting
    client.post(url("meeting-add-escalated", meeting.pk))
    item = meeting.items.get()
    assert item.case == case

    r = client.get(url("meeting-item-decide", meeting.pk, item.pk))
    assert r.status_code == 200 and str(loop.bob.get_full_name()) in r.content.decode()
    r = client.post(
        url("meeting-item-decide", meeting.pk, item.pk),
        {"decision": "assign", "route": "grid", "assignee": loop.bob.pk, "note": "赵波负责"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert (case.state, case.assignee) == (State.ASSIGNED, loop.bob)

    client.post(
        url("meeting-add-report", meeting.pk),
        {"grid": loop.l1_1.pk, "report": "第一网格本月情况"},
    )
    report = meeting.items.get(grid=loop.l1_1)
    client.post(
        url("meeting-item-decide", meeting.pk, report.pk), {"decision": "other", "note": "表扬"}
    )
    r = client.post(url("meeting-finalise", meeting.pk))
    assert r.status_code == 302
    meeting.refresh_from_db()
    assert meeting.closed

    r = client.get(url("meeting-minutes", meeting.pk))
    body = r.content.decode()
    assert r.status_code == 200
    assert "casework/print.css" in body and "赵波负责" in body and "表扬" in body


def test_a_decision_form_error_names_the_field(client, loop):
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=escalated(loop))
    client.force_login(loop.alice)
    r = client.post(url("meeting-item-decide", meeting.pk, item.pk), {"decision": "close"})
    assert r.status_code == 200
    assert r.context["form"].errors["note"]
    assert AgendaItem.objects.get(pk=item.pk).decision == ""


def test_adding_an_unknown_or_foreign_case_number_says_so(client, loop):
    meeting = make_meeting(loop)
    foreign = make_meeting(loop, actor=loop.mallory, community=loop.other_community)
    client.force_login(loop.alice)
    r = client.post(url("meeting-add-case", meeting.pk), {"number": 999999}, follow=True)
    assert "999999" in r.content.decode() and not meeting.items.exists()
    assert foreign.pk  # mallory's meeting exists, and alice still cannot open it
    assert client.get(url("meeting-detail", foreign.pk)).status_code == 404


def test_a_case_number_adds_that_case(client, loop):
    case = open_case(loop, code="parking")
    meeting = make_meeting(loop)
    client.force_login(loop.alice)
    client.post(url("meeting-add-case", meeting.pk), {"number": case.pk})
    assert meeting.items.get().case == case


MEETING_PAGES = [
    ("meeting-detail", "get"),
    ("meeting-edit", "get"),
    ("meeting-minutes", "get"),
    ("meeting-add-report", "get"),
    ("meeting-add-escalated", "post"),
    ("meeting-add-case", "post"),
    ("meeting-finalise", "post"),
]


@pytest.mark.parametrize("who", ["bob", "charlie", "dave", "eve", "mallory", "window"])
def test_meeting_pages_are_404_without_chair_meetings_there(client, loop, who):
    meeting = make_meeting(loop)
    item = services.agenda_add_case(actor=loop.alice, meeting=meeting, case=escalated(loop))
    client.force_login(getattr(loop, who))
    answers = {}
    for name, method in MEETING_PAGES:
        answers[name] = getattr(client, method)(url(name, meeting.pk)).status_code
    for name in ("meeting-item-decide", "meeting-item-remove"):
        answers[name] = client.post(url(name, meeting.pk, item.pk)).status_code
    if who != "mallory":  # mallory chairs her own community: she may list and create there
        answers["meeting-list"] = client.get(url("meeting-list")).status_code
        answers["meeting-create"] = client.get(url("meeting-create")).status_code
    assert set(answers.values()) == {404}, answers
    assert meeting.items.get().decision == ""


def test_mallory_lists_only_her_own_meetings(client, loop):
    make_meeting(loop)
    own = make_meeting(loop, actor=loop.mallory, community=loop.other_community, title="月光会议")
    client.force_login(loop.mallory)
    r = client.get(url("meeting-list"))
    assert [m.pk for m in r.context["page"]] == [own.pk]
    # Creating in alice's community is refused, whatever the form says.
    r = client.post(
        url("meeting-create"),
        {
            "community": loop.community.pk,
            "held_on": "2026-05-08",
            "title": "x",
            "attendees": "x",
        },
    )
    assert r.status_code == 200 and Meeting.objects.count() == 2


def test_an_item_of_another_meeting_is_404(client, loop):
    first, second = make_meeting(loop), make_meeting(loop, title="六月会议")
    item = services.agenda_add_case(actor=loop.alice, meeting=first, case=escalated(loop))
    client.force_login(loop.alice)
    assert client.get(url("meeting-item-decide", second.pk, item.pk)).status_code == 404


def test_the_meeting_list_runs_a_bounded_number_of_queries(
    client, loop, django_assert_max_num_queries
):
    for month in range(1, 13):
        meeting = make_meeting(loop, held_on=dt.date(2025, month, 8))
        services.agenda_add_report(actor=loop.alice, meeting=meeting, grid=loop.l1_1, report="x")
    client.force_login(loop.alice)
    with django_assert_max_num_queries(12):
        r = client.get(url("meeting-list"))
    assert len(r.context["page"]) == 12


def test_the_meeting_page_runs_a_bounded_number_of_queries(
    client, loop, django_assert_max_num_queries
):
    meeting = make_meeting(loop)
    for _i in range(8):
        escalated(loop)
    services.agenda_add_escalated(actor=loop.alice, meeting=meeting)
    client.force_login(loop.alice)
    with django_assert_max_num_queries(14):
        r = client.get(url("meeting-detail", meeting.pk))
    assert len(r.context["items"]) == 8
    with django_assert_max_num_queries(14):
        client.get(url("meeting-minutes", meeting.pk))


# --- case categories in the admin -----------------------------------------------------------


def _staff(user) -> None:
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_casecategory", "change_casecategory", "view_casecategory"]
        )
    )


def test_alice_adds_a_case_category_for_her_community_only(client, loop):
    from banyan.casework.models import CaseCategory

    _staff(loop.alice)
    client.force_login(loop.alice)
    form = {
        "code": "stray_dogs",
        "name": "流浪犬",
        "kind": "hazard",
        "default_route": "grid",
        "deadline_hours": 48,
        "needs_confirmation": "on",
        "public": "on",
        "active": "on",
        "sort_order": 50,
    }
    r = client.post("/admin/casework/casecategory/add/", {**form, "community": loop.community.pk})
    assert r.status_code == 302, r.content.decode()[:500]
    assert CaseCategory.objects.get(code="stray_dogs").community == loop.community
    r = client.post(
        "/admin/casework/casecategory/add/",
        {**form, "code": "x1", "community": loop.other_community.pk},
    )
    assert r.status_code == 200 and not CaseCategory.objects.filter(code="x1").exists()
    shared = CaseCategory.objects.get(code="roof_leak", community=None)
    r = client.post(
        f"/admin/casework/casecategory/{shared.pk}/change/", {**form, "code": "roof_leak"}
    )
    assert r.status_code == 403
    assert CaseCategory.objects.get(pk=shared.pk).deadline_hours == 72
