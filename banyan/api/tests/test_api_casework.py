"""The service loop over the API: cases (scope, masking, filters, create, every transition),
visits and committee meetings; outsiders get 404; lists take a bounded number of queries;
two simultaneous moves of one case make one change (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from banyan.accounts.tokens import token_issue
from banyan.casework import services
from banyan.casework.models import Case, Visit
from banyan.casework.services.visits import visit_record
from banyan.casework.tests.factories import add_centres, category, open_case
from banyan.casework.workflow import State
from banyan.timeline.models import Event

from .conftest import ApiClient, call_endpoint

# Every endpoint that names one of grid 1-1's objects (or alice's meeting), as
# (method, path, body): test_api_auth checks that each object route is listed here.
ENDPOINTS = [
    ("get", "/cases/{case}", None),
    ("post", "/cases/{case}/transitions", {"action": "start"}),
    ("post", "/cases/{case}/transitions", {"action": "note", "note": "x"}),
    ("get", "/cases?node={grid}", None),
    ("post", "/cases", {"category": "parking", "description": "x", "household": "{household}"}),
    ("post", "/cases", {"category": "parking", "description": "x", "grid": "{grid}"}),
    ("get", "/visits?household={household}", None),
    ("get", "/visits?node={grid}", None),
    (
        "post",
        "/visits",
        {"household": "{household}", "visited_on": "{today}", "purpose": "routine"},
    ),
    ("get", "/meetings/{meeting}", None),
]


@pytest.fixture
def loop(world) -> SimpleNamespace:
    add_centres(world)
    return world


@pytest.fixture
def as_user(loop):
    """as_user("bob") → an ApiClient with a fresh token for bob."""

    def make(username: str) -> ApiClient:
        return ApiClient(token_issue(user=getattr(loop, username)))

    return make


def verbs(case: Case) -> list[str]:
    return list(
        Event.objects.filter(subject_type="case", subject_id=case.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def reported_by_dave(loop, **kwargs) -> Case:
    """A building head's report: submitted, with the resident's phone."""
    return services.case_create(
        actor=loop.dave,
        category=category(kwargs.pop("code", "blocked_pipe")),
        description="厨房下水道堵了",
        channel="building_head",
        building=loop.building_1_1,
        reporter_name="张桂英",
        reporter_phone="13812345678",
        **kwargs,
    )


# --- lists and detail -----------------------------------------------------------------------


def test_bob_lists_the_cases_of_his_grid_with_masked_phones(loop, as_user):
    mine = reported_by_dave(loop)
    theirs = services.case_create(
        actor=loop.charlie,
        category=category("parking"),
        description="车位被占",
        channel="visit",
        household=loop.household_2_1,
    )
    r = as_user("bob").get("/cases")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and [c["id"] for c in body["items"]] == [mine.pk]
    item = body["items"][0]
    assert item["reporter_phone"] == "138****5678"
    assert "13812345678" not in r.content.decode()
    assert item["category"] == "blocked_pipe" and item["state"] == "submitted"
    assert item["grid"] == loop.l2_1_1.pk and item["building"] == loop.building_1_1.pk
    assert {"due_at", "overdue", "created_at", "updated_at", "household"} <= set(item)
    assert [c["id"] for c in as_user("alice").get("/cases").json()["items"]] == [
        mine.pk,
        theirs.pk,
    ]


@pytest.mark.parametrize("who", ["charlie", "mallory", "eve", "window", "repairs"])
def test_outsiders_and_other_routes_see_nothing_of_bobs_case(loop, as_user, who):
    case = open_case(loop)  # accepted, not routed yet
    client = as_user(who)
    assert case.pk not in [c["id"] for c in client.get("/cases").json()["items"]]
    assert client.get(f"/cases/{case.pk}").status_code == 404
    r = client.post(f"/cases/{case.pk}/transitions", {})
    assert r.status_code == 404  # before the body is even looked at
    r = client.post(f"/cases/{case.pk}/transitions", {"action": "start"})
    assert r.status_code == 404
    assert verbs(case) == ["case_created"]


def test_a_node_filter_outside_the_scope_is_404(loop, as_user):
    assert as_user("charlie").get("/cases", {"node": loop.l2_1_1.pk}).status_code == 404
    assert as_user("bob").get("/cases", {"node": loop.l2_1_1.pk}).status_code == 200


def test_the_repair_centre_sees_its_repairs_without_the_household(loop, as_user):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="repair")
    r = as_user("repairs").get(f"/cases/{case.pk}")
    assert r.status_code == 200
    assert r.json()["household"] is None and r.json()["persons"] == []
    r = as_user("bob").get(f"/cases/{case.pk}")
    assert r.json()["household"] == loop.household_1_1.pk
    assert r.json()["persons"] == [loop.person_1_1.pk]


def test_list_filters(loop, as_user):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False):
        leak = open_case(loop)  # roof_leak: repair, 72 h
        paperwork = open_case(loop, code="paperwork")  # request, 120 h
        services.case_assign(actor=loop.bob, case=paperwork, route="window")
        pipe = reported_by_dave(loop)  # blocked_pipe, 24 h, submitted
    client = as_user("alice")

    def ids(**params):
        with time_machine.travel("2026-05-02 12:00 +0800", tick=False):
            r = client.get("/cases", params)
        assert r.status_code == 200, r.content
        return sorted(c["id"] for c in r.json()["items"])

    assert ids(state="submitted") == [pipe.pk]
    assert ids(kind="repair") == sorted([leak.pk, pipe.pk])
    assert ids(category="paperwork") == [paperwork.pk]
    assert ids(route="window") == [paperwork.pk]
    assert ids(overdue=True) == [pipe.pk]
    assert ids(q="下水道") == [pipe.pk]
    assert ids(node=loop.l1_1.pk) == sorted([leak.pk, paperwork.pk, pipe.pk])
    assert ids(node=loop.l2_2_1.pk) == []
    assert client.get("/cases", {"state": "nonsense"}).status_code == 422


def test_the_detail_carries_the_history_and_the_legal_moves(loop, as_user):
    case = reported_by_dave(loop)
    services.case_accept(actor=loop.bob, case=case)
    services.case_note(actor=loop.bob, case=case, note="已电话联系住户", public=False)
    r = as_user("bob").get(f"/cases/{case.pk}")
    body = r.json()
    assert [e["verb"] for e in body["history"]] == ["case_created", "case_accepted", "case_note"]
    assert [e["public"] for e in body["history"]] == [True, True, False]
    assert body["history"][2]["note"] == "已电话联系住户"
    assert body["history"][0]["actor"] == "dave"
    assert "assign" in body["actions"] and "accept" not in body["actions"]
    assert body["reporter_phone"] == "138****5678" and body["entered_by"] == "dave"


# --- create ---------------------------------------------------------------------------------


def test_bob_records_a_case_at_a_household(loop, as_user):
    r = as_user("bob").post(
        "/cases",
        {
            "category": "elderly_care",
            "description": "独居老人需要每周送餐",
            "household": loop.household_1_1.pk,
            "persons": [loop.person_1_1.pk],
            "reporter_phone": "139 1234 5678",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    case = Case.objects.get(pk=body["id"])
    assert (case.channel, case.state, case.entered_by) == ("api", State.ACCEPTED, loop.bob)
    assert body["persons"] == [loop.person_1_1.pk] and body["reporter_phone"] == "139****5678"
    assert verbs(case) == ["case_created"]


def test_a_building_head_records_a_case_for_the_grid_to_accept(loop, as_user):
    r = as_user("dave").post(
        "/cases",
        {"category": "roof_leak", "description": "顶楼漏水", "building": loop.building_1_1.pk},
    )
    assert r.status_code == 201 and r.json()["state"] == "submitted"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"category": "nonsense", "description": "x", "grid": "{grid}"}, 400, "category"),
        ({"category": "parking", "description": "x"}, 400, "grid"),
        ({"category": "parking", "description": "  ", "grid": "{grid}"}, 400, "description"),
        ({"category": "parking", "description": "x", "grid": "{l1}"}, 400, "grid"),
        (
            {"category": "parking", "description": "x", "grid": "{grid}", "reporter_phone": "12"},
            400,
            "reporter_phone",
        ),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(loop, as_user, body, status, field):
    ids = {"{grid}": loop.l2_1_1.pk, "{l1}": loop.l1_1.pk}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    r = as_user("alice").post("/cases", body)
    assert (r.status_code, r.json().get("field")) == (status, field), r.content
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "point",
    [
        {"lat": 1000, "lng": 100.97},
        {"lat": 22.78, "lng": 1e22},
        {"lat": float("nan"), "lng": 100.97},
        {"lat": "abc", "lng": 100.97},
        {"lat": True, "lng": 100.97},
        {"lat": 22.78},
    ],
)
def test_a_bad_coordinate_writes_no_case_and_every_list_still_answers(loop, as_user, client, point):
    """A building head's case at latitude 1000 was saved, answered 500, and from then on
    failed every list that showed it (Open311 included) until the row was fixed by hand."""
    body = {"category": "roof_leak", "description": "顶楼漏水", "building": loop.building_1_1.pk}
    r = as_user("dave").post("/cases", {**body, **point})
    bad = "lng" if "lng" not in point or point["lat"] == 22.78 else "lat"
    assert (r.status_code, r.json()["field"]) == (400, bad), r.content
    assert not Case.objects.exists() and not Event.objects.filter(verb="case_created").exists()
    reported_by_dave(loop, lat=22.78, lng="100.97")
    assert as_user("bob").get("/cases").json()["count"] == 1
    feed = {"jurisdiction_id": loop.community.pk}
    assert client.get("/open311/v2/requests.json", feed).status_code == 200
    assert client.get("/open311/v2/requests.xml", feed).status_code == 200
    client.force_login(loop.bob)
    assert client.get("/cases/").status_code == 200
    assert client.get("/cases/mine/").status_code == 200


def test_the_database_refuses_a_case_out_of_range(loop):
    case = reported_by_dave(loop, lat="22.78", lng="100.97")
    for field, value in (("lat", 91), ("lng", -180.000001)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(**{field: value})
    case.refresh_from_db()
    assert (case.lat, case.lng) == (Decimal("22.780000"), Decimal("100.970000"))


@pytest.mark.parametrize(
    "place", [{"household": "household_1_1"}, {"building": "building_1_1"}, {"grid": "l2_1_1"}]
)
def test_charlie_cannot_record_a_case_in_grid_1_1(loop, as_user, place):
    ((key, attr),) = place.items()
    body = {"category": "parking", "description": "x", key: getattr(loop, attr).pk}
    assert as_user("charlie").post("/cases", body).status_code == 404
    body = {
        "category": "parking",
        "description": "x",
        "household": loop.household_2_1.pk,
        "persons": [loop.person_1_1.pk],
    }
    assert as_user("charlie").post("/cases", body).status_code == 404
    assert not Case.objects.exists()


# --- transitions ----------------------------------------------------------------------------


def move(client: ApiClient, case: Case, action: str, **params):
    return client.post(f"/cases/{case.pk}/transitions", {"action": action, **params})


def test_accept_then_assign_by_username(loop, as_user):
    case = reported_by_dave(loop)
    bob = as_user("bob")
    r = move(bob, case, "accept")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    r = move(bob, case, "assign", route="errand", assignee="bob", note="我去办")
    assert r.status_code == 200, r.content
    assert (r.json()["state"], r.json()["route"], r.json()["assignee"]) == (
        "assigned",
        "errand",
        "bob",
    )
    assert verbs(case) == ["case_created", "case_accepted", "case_assigned"]


def test_an_unknown_action_is_400_naming_action(loop, as_user):
    case = open_case(loop)
    for body in ({"action": "teleport"}, {}):
        r = as_user("bob").post(f"/cases/{case.pk}/transitions", body)
        assert r.status_code == 400 and r.json()["field"] == "action"
    assert verbs(case) == ["case_created"]


def test_an_illegal_move_is_409_with_the_reason(loop, as_user):
    case = open_case(loop)  # accepted
    r = move(as_user("bob"), case, "resolve", note="x")
    assert r.status_code == 409
    assert r.json()["detail"] and r.json()["field"] == "action"
    r = move(as_user("bob"), case, "accept")
    assert r.status_code == 409
    assert verbs(case) == ["case_created"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"route": "errand"}, "assignee"),
        ({"route": "errand", "assignee": "charlie"}, "assignee"),
        ({"route": "errand", "assignee": "nobody"}, "assignee"),
        ({"route": "moon", "assignee": "bob"}, "route"),
        ({"route": "team"}, "team"),
    ],
)
def test_assign_checks_route_and_assignee(loop, as_user, params, field):
    case = open_case(loop)
    r = move(as_user("bob"), case, "assign", **params)
    assert (r.status_code, r.json()["field"]) == (400, field)


def test_the_assignee_may_be_given_by_id(loop, as_user):
    case = open_case(loop)
    r = move(as_user("alice"), case, "assign", route="grid", assignee=loop.bob.pk)
    assert r.status_code == 200 and r.json()["assignee"] == "bob"


def test_resolving_an_errand_needs_a_photo_which_json_cannot_carry(loop, as_user):
    case = open_case(loop, code="paperwork")
    services.case_assign(actor=loop.bob, case=case, route="errand", assignee=loop.bob)
    r = move(as_user("bob"), case, "resolve", note="已代办")
    assert (r.status_code, r.json()["field"]) == (400, "photos")


def test_every_action_through_the_api(loop, as_user):
    """The whole table once: each action calls its service and writes its event."""
    bob, alice, repairs = as_user("bob"), as_user("alice"), as_user("repairs")
    first = reported_by_dave(loop)
    second = reported_by_dave(loop, code="roof_leak")
    assert move(bob, second, "mark_duplicate", original=first.pk).json()["state"] == "duplicate"
    third = reported_by_dave(loop)
    assert move(bob, third, "reject", reason="已由物业处理").json()["state"] == "rejected"

    steps = [
        (bob, "accept", {}, "accepted"),
        (bob, "suspend", {"reason": "等住户回家"}, "suspended"),
        (bob, "resume", {}, "accepted"),
        (bob, "assign", {"route": "repair"}, "assigned"),
        (repairs, "start", {}, "in_progress"),
        (repairs, "resolve", {"note": "疏通了", "public_note": "已疏通"}, "resolved"),
        (bob, "reopen", {"comment": "又堵了", "on_behalf_of": "张桂英（电话）"}, "reopened"),
        (bob, "escalate", {"reason": "反复堵塞，需改管"}, "escalated"),
        (alice, "assign", {"route": "repair"}, "assigned"),
        (repairs, "resolve", {"note": "换了管道"}, "resolved"),
        (bob, "confirm", {"rating": 5, "comment": "好了", "on_behalf_of": "张桂英"}, "closed"),
        (bob, "note", {"note": "回访满意", "public": True}, "closed"),
    ]
    for client, action, params, state in steps:
        r = move(client, first, action, **params)
        assert r.status_code == 200, (action, r.content)
        assert r.json()["state"] == state, action
    assert verbs(first)[-1] == "case_note"
    # The duplicate's note is forwarded to the original.
    move(bob, second, "note", note="同一处漏水")
    assert verbs(first)[-1] == "case_note"

    other = open_case(loop, code="illegal_structure")  # closes without confirmation
    assert move(bob, other, "escalate", reason="需多部门").status_code == 200
    assert move(alice, other, "close", note="总支决定拆除后关闭").json()["state"] == "closed"

    handed = open_case(loop, code="parking")
    r = move(bob, handed, "hand_off", grid=loop.l2_2_1.pk, note="车位在2-1")
    assert r.status_code == 200 and r.json()["grid"] == loop.l2_2_1.pk
    assert as_user("bob").get(f"/cases/{handed.pk}").status_code == 404
    assert as_user("charlie").get(f"/cases/{handed.pk}").status_code == 200


def test_hand_off_needs_a_grid_of_the_community(loop, as_user):
    case = open_case(loop)
    for grid in (None, loop.other_l2.pk, loop.l1_2.pk):
        r = move(as_user("bob"), case, "hand_off", grid=grid, note="x")
        assert (r.status_code, r.json()["field"]) == (400, "grid")


def test_mark_duplicate_of_an_unseen_case_is_404(loop, as_user):
    theirs = services.case_create(
        actor=loop.charlie,
        category=category("parking"),
        description="车位被占",
        channel="visit",
        household=loop.household_2_1,
    )
    case = reported_by_dave(loop)
    assert move(as_user("bob"), case, "mark_duplicate", original=theirs.pk).status_code == 404
    r = move(as_user("bob"), case, "mark_duplicate")
    assert (r.status_code, r.json()["field"]) == (400, "original")


def test_a_building_head_may_not_move_cases(loop, as_user):
    case = reported_by_dave(loop)
    assert move(as_user("dave"), case, "accept").status_code == 403


# --- visits ---------------------------------------------------------------------------------


def test_bob_logs_and_lists_visits(loop, as_user):
    bob = as_user("bob")
    r = bob.post(
        "/visits",
        {
            "household": loop.household_1_1.pk,
            "visited_on": str(timezone.localdate()),
            "purpose": "care",
            "purpose_note": "高龄老人",
            "heard": "屋顶漏水",
        },
    )
    assert r.status_code == 201, r.content
    visit = Visit.objects.get()
    assert r.json()["visitor"] == "bob" and r.json()["household"] == loop.household_1_1.pk
    assert (r.json()["purpose"], r.json()["purpose_note"]) == ("care", "高龄老人")
    assert r.json()["has_photo"] is False
    body = bob.get("/visits", {"household": loop.household_1_1.pk}).json()
    assert [v["id"] for v in body["items"]] == [visit.pk]
    assert as_user("charlie").get("/visits").json()["count"] == 0
    assert as_user("charlie").get("/visits", {"household": loop.household_1_1.pk}).status_code == (
        404
    )


def test_charlie_cannot_log_a_visit_in_grid_1_1(loop, as_user):
    r = as_user("charlie").post(
        "/visits",
        {
            "household": loop.household_1_1.pk,
            "visited_on": str(timezone.localdate()),
            "purpose": "routine",
        },
    )
    assert r.status_code == 404 and not Visit.objects.exists()


def test_a_future_visit_is_400_naming_the_date(loop, as_user):
    r = as_user("bob").post(
        "/visits",
        {
            "household": loop.household_1_1.pk,
            "visited_on": str(timezone.localdate() + dt.timedelta(days=2)),
            "purpose": "routine",
        },
    )
    assert (r.status_code, r.json()["field"]) == (400, "visited_on")


# --- meetings -------------------------------------------------------------------------------


@pytest.fixture
def meeting(loop):
    meeting = services.meeting_create(
        actor=loop.alice,
        community=loop.community,
        held_on=dt.date(2026, 5, 8),
        title="五月党总支会议",
        attendees="王丽, 赵波",
    )
    case = services.case_escalate(actor=loop.bob, case=open_case(loop), reason="需协调")
    (item,) = services.agenda_add_escalated(actor=loop.alice, meeting=meeting)
    services.agenda_item_decide(actor=loop.alice, item=item, decision="close", note="已协调")
    services.agenda_add_report(actor=loop.alice, meeting=meeting, grid=loop.l1_1, report="汇报")
    meeting.case = case
    return meeting


def test_the_secretary_reads_meetings_and_their_decisions(loop, as_user, meeting):
    alice = as_user("alice")
    body = alice.get("/meetings").json()
    assert body["count"] == 1 and body["items"][0]["title"] == "五月党总支会议"
    r = alice.get(f"/meetings/{meeting.pk}")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [(i["case"], i["case_state"], i["decision"]) for i in items] == [
        (meeting.case.pk, "closed", "close"),
        (None, None, ""),
    ]
    assert items[1]["grid"] == loop.l1_1.pk


@pytest.mark.parametrize("who", ["bob", "charlie", "mallory", "eve", "window"])
def test_meetings_are_only_for_those_who_chair_them(loop, as_user, meeting, who):
    client = as_user(who)
    assert client.get("/meetings").json()["count"] == 0
    assert client.get(f"/meetings/{meeting.pk}").status_code == 404


# --- query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["alice", "bob", "repairs"])
def test_the_case_list_takes_a_bounded_number_of_queries(
    loop, as_user, username, django_assert_max_num_queries
):
    for i in range(15):
        case = open_case(loop, code="roof_leak" if i % 2 else "parking")
        if i % 2:
            services.case_assign(actor=loop.bob, case=case, route="repair", assignee=loop.repairs)
        else:
            services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    client = as_user(username)
    client.get("/nodes")  # the token's first use writes last_used_at; keep it out of the count
    with django_assert_max_num_queries(8):
        r = client.get("/cases", {"limit": 100})
    assert r.status_code == 200 and r.json()["count"] >= 7


def test_the_visit_and_meeting_lists_take_a_bounded_number_of_queries(
    loop, as_user, django_assert_max_num_queries
):
    for i in range(12):
        visit_record(
            actor=loop.bob,
            household=loop.household_1_1,
            visited_on=timezone.localdate() - dt.timedelta(days=i),
            purpose="routine",
            purpose_note=f"走访{i}",
        )
        services.meeting_create(
            actor=loop.alice,
            community=loop.community,
            held_on=dt.date(2025, 1 + i, 8),
            title=f"会议{i}",
            attendees="王丽",
        )
    client = as_user("alice")
    client.get("/nodes")
    with django_assert_max_num_queries(8):
        assert client.get("/visits", {"limit": 100}).json()["count"] == 12
    with django_assert_max_num_queries(8):
        assert client.get("/meetings", {"limit": 100}).json()["count"] == 12


def test_the_case_detail_takes_a_bounded_number_of_queries(
    loop, as_user, django_assert_max_num_queries
):
    case = open_case(loop)
    for i in range(10):
        services.case_note(actor=loop.bob, case=case, note=f"备注{i}")
    client = as_user("bob")
    client.get("/nodes")
    with django_assert_max_num_queries(10):
        r = client.get(f"/cases/{case.pk}")
    assert len(r.json()["history"]) == 11


# --- concurrency (PostgreSQL) ---------------------------------------------------------------


def race(n: int, action) -> list[object]:
    """Run `action` in n threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = action()
        except Exception as err:  # collected and asserted on by the caller
            results[i] = err
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


MOVE_ONCE = {
    # action: (the state before, the event it writes, the state after)
    "accept": (State.SUBMITTED, "case_accepted", State.ACCEPTED),
    "start": (State.ASSIGNED, "case_started", State.IN_PROGRESS),
    "escalate": (State.ACCEPTED, "case_escalated", State.ESCALATED),
}


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises all writers)")


# serialized_rollback: a transactional test empties the tables afterwards; this restores
# the case categories the data migration seeded, for the tests that follow.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("action", sorted(MOVE_ONCE))
def test_simultaneous_moves_of_one_case_make_one_change(postgres_only, world, action):
    """SECURITY.md 13: four clients (bob and alice, twice each) send the same move at once;
    one succeeds, the others get 409, and exactly one event is written."""
    before, verb, after = MOVE_ONCE[action]
    case = reported_by_dave(world)
    if before != State.SUBMITTED:
        services.case_accept(actor=world.bob, case=case)
    if before == State.ASSIGNED:
        services.case_assign(actor=world.bob, case=case, route="grid", assignee=world.bob)
    assert Case.objects.get(pk=case.pk).state == before
    clients = [ApiClient(token_issue(user=u)) for u in (world.bob, world.alice) * 2]
    body = {"action": action, "reason": "需总支协调"}
    claimed = iter(range(len(clients)))
    lock = threading.Lock()

    def call() -> int:
        with lock:
            client = clients[next(claimed)]
        return client.post(f"/cases/{case.pk}/transitions", body).status_code

    results = race(len(clients), call)
    assert sorted(results) == [200, 409, 409, 409], results
    assert Event.objects.filter(verb=verb, subject_id=case.pk).count() == 1
    assert Case.objects.get(pk=case.pk).state == after


@pytest.mark.parametrize("who", ["charlie", "mallory", "eve"])
def test_outsiders_get_404_on_every_endpoint_naming_an_object(loop, as_user, who):
    case = open_case(loop)
    meeting = services.meeting_create(
        actor=loop.alice,
        community=loop.community,
        held_on=dt.date(2026, 5, 8),
        title="五月党总支会议",
        attendees="王丽",
    )
    ids = {
        "case": case.pk,
        "meeting": meeting.pk,
        "grid": loop.l2_1_1.pk,
        "household": loop.household_1_1.pk,
        "today": str(timezone.localdate()),
    }
    client = as_user(who)
    answers = {}
    for method, path, body in ENDPOINTS:
        r = call_endpoint(client, method, path, body, ids)
        answers[(method, path, str(body))] = r.status_code
    assert set(answers.values()) == {404}, answers
    assert verbs(case) == ["case_created"] and Case.objects.count() == 1
    assert not Visit.objects.exists()
