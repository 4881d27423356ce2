"""The service loop's moves: each legal one writes one event, each illegal one nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from PIL import Image

from banyan.casework import services
from banyan.casework.models import Case, CasePhoto, Notification
from banyan.casework.workflow import MOVES, State
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.timeline.models import Event

from .factories import add_centres, category, open_case


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


def photo(name="p.jpg", fmt="JPEG", exif=True) -> SimpleUploadedFile:
    buf = io.BytesIO()
    image = Image.new("RGB", (64, 48), "red")
    kwargs = {}
    if exif and fmt == "JPEG":
        ex = Image.Exif()
        ex[0x010F] = "PhoneMaker"  # Make
        kwargs["exif"] = ex.tobytes()
    image.save(buf, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def events(case: Case) -> list[str]:
    return list(
        Event.objects.filter(subject_type="case", subject_id=case.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_a_grid_worker_records_a_case_accepted_with_its_deadline(loop):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False):
        case = open_case(loop)
    assert case.state == State.ACCEPTED
    assert case.due_at == case.created_at + dt.timedelta(hours=72)
    assert case.community == loop.community and case.grid == loop.l2_1_1
    assert events(case) == ["case_created"]
    # The event is on the household's timeline (活档案) too.
    assert (
        Event.objects.get(verb="case_created").links.filter(household=loop.household_1_1).exists()
    )


def test_a_building_head_reports_and_the_grid_must_accept(loop):
    case = open_case(loop, by=loop.dave)
    assert case.state == State.SUBMITTED and case.entered_by == loop.dave
    assert (
        Notification.objects.filter(user=loop.bob, kind="new_case").exists() is False
    )  # on commit
    with pytest.raises(PermissionDenied):
        services.case_accept(actor=loop.dave, case=case)
    services.case_accept(actor=loop.bob, case=case)
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED


def test_outsiders_cannot_record_or_touch_a_case(loop):
    with pytest.raises(Http404):
        open_case(loop, by=loop.charlie)
    case = open_case(loop)
    for who in (loop.charlie, loop.mallory, loop.eve):
        with pytest.raises(Http404):
            services.case_start(actor=who, case=case)
    assert events(case) == ["case_created"]


def test_the_full_loop_to_the_repair_centre_and_back(loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="repair", assignee=loop.repairs)
    # The repair centre sees repairs routed to it, and acts on them.
    services.case_start(actor=loop.repairs, case=case)
    services.case_resolve(actor=loop.repairs, case=case, note="换了防水卷材", photos=[photo()])
    case.refresh_from_db()
    assert case.state == State.RESOLVED and case.resolved_at is not None
    services.case_confirm(actor=None, case=case, rating=5, comment="修好了，谢谢")
    case.refresh_from_db()
    assert (case.state, case.rating) == (State.CLOSED, 5)
    assert events(case) == [
        "case_created",
        "case_assigned",
        "case_started",
        "case_resolved",
        "case_confirmed",
    ]


def test_the_repair_centre_does_not_see_other_routes(loop):
    case = open_case(loop, code="environment")
    services.case_assign(actor=loop.bob, case=case, route="window")
    with pytest.raises(Http404):
        services.case_start(actor=loop.repairs, case=case)
    services.case_start(actor=loop.window, case=case)


def test_an_assignee_must_be_able_to_take_the_route(loop):
    case = open_case(loop)
    with pytest.raises(ValidationFailed) as err:
        services.case_assign(actor=loop.bob, case=case, route="repair", assignee=loop.window)
    assert err.value.field == "assignee"
    with pytest.raises(ValidationFailed) as err:
        services.case_assign(actor=loop.bob, case=case, route="errand", assignee=loop.charlie)
    assert err.value.field == "assignee"
    assert events(case) == ["case_created"]


def test_an_errand_needs_proof_of_hand_over(loop):
    case = open_case(loop, code="paperwork")
    services.case_assign(actor=loop.bob, case=case, route="errand", assignee=loop.bob)
    with pytest.raises(ValidationFailed) as err:
        services.case_resolve(actor=loop.bob, case=case, note="已代办")
    assert err.value.field == "photos"
    services.case_resolve(actor=loop.bob, case=case, note="已代办，交给本人", photos=[photo()])
    assert CasePhoto.objects.get(case=case).stage == CasePhoto.Stage.PROOF


def test_photos_are_checked_by_content_and_stripped(loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    fake = SimpleUploadedFile("leak.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as err:
        services.case_resolve(actor=loop.bob, case=case, note="好了", photos=[fake])
    assert err.value.field == "photo"
    services.case_resolve(actor=loop.bob, case=case, note="好了", photos=[photo("x.png")])
    stored = CasePhoto.objects.get(case=case)
    with Image.open(stored.image.path) as image:
        assert image.format == "JPEG" and not image.getexif()
    assert "x.png" not in stored.image.name


ILLEGAL = [
    ("start", State.ACCEPTED),
    ("resolve", State.ACCEPTED),
    ("confirm", State.ACCEPTED),
    ("resume", State.ACCEPTED),
    ("accept", State.ACCEPTED),
]


@pytest.mark.parametrize(("action", "state"), ILLEGAL)
def test_an_illegal_move_says_why_and_writes_nothing(loop, action, state):
    case = open_case(loop)
    assert case.state == state and state not in MOVES[action].sources
    calls = {
        "start": lambda: services.case_start(actor=loop.bob, case=case),
        "resolve": lambda: services.case_resolve(actor=loop.bob, case=case, note="x"),
        "confirm": lambda: services.case_confirm(actor=None, case=case, rating=4),
        "resume": lambda: services.case_resume(actor=loop.bob, case=case),
        "accept": lambda: services.case_accept(actor=loop.bob, case=case),
    }
    with pytest.raises(InvalidTransition):
        calls[action]()
    assert events(case) == ["case_created"]


def test_suspension_stops_the_deadline_clock(loop):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False) as clock:
        case = open_case(loop)
        due = case.due_at
        clock.shift(dt.timedelta(hours=10))
        services.case_suspend(actor=loop.bob, case=case, reason="等配件")
        clock.shift(dt.timedelta(hours=100))  # past the original due time, but suspended
        case.refresh_from_db()
        assert not case.is_overdue()
        services.case_resume(actor=loop.bob, case=case)
        case.refresh_from_db()
        assert case.state == State.ACCEPTED
        assert case.due_at == due + dt.timedelta(hours=100)
        assert not case.is_overdue()
        clock.shift(dt.timedelta(hours=63))
        assert case.is_overdue()


def test_suspend_returns_to_the_state_it_left(loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_start(actor=loop.bob, case=case)
    services.case_suspend(actor=loop.bob, case=case, reason="住户外出")
    services.case_resume(actor=loop.bob, case=case)
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS


def test_duplicates_forward_their_notes_to_the_original(loop):
    original = open_case(loop)
    dup = open_case(loop, by=loop.dave)
    services.case_mark_duplicate(actor=loop.bob, case=dup, original=original)
    services.case_note(actor=loop.dave, case=dup, note="楼上也漏了", public=True)
    assert events(original)[-1] == "case_note"
    forwarded = Event.objects.filter(subject_id=original.pk, verb="case_note").get()
    assert forwarded.data["forwarded_from"] == dup.pk


def test_a_duplicate_of_a_duplicate_points_at_the_root(loop):
    root = open_case(loop)
    second = open_case(loop, by=loop.dave)
    third = open_case(loop, by=loop.dave)
    services.case_mark_duplicate(actor=loop.bob, case=second, original=root)
    services.case_mark_duplicate(actor=loop.bob, case=third, original=second)
    assert Case.objects.get(pk=third.pk).duplicate_of == root


def test_the_resident_reopens_and_the_grid_hears_of_it(loop, django_capture_on_commit_callbacks):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reopen(actor=None, case=case, comment="还在漏")
    case.refresh_from_db()
    assert case.state == State.REOPENED and case.resolved_at is None
    assert Notification.objects.filter(user=loop.bob, kind="reopened", case=case).exists()


def test_staff_confirming_for_a_resident_must_say_for_whom(loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了")
    with pytest.raises(ValidationFailed) as err:
        services.case_confirm(actor=loop.bob, case=case, rating=5)
    assert err.value.field == "on_behalf_of"
    services.case_confirm(actor=loop.bob, case=case, rating=4, on_behalf_of="张桂英（电话确认）")
    assert Event.objects.get(verb="case_confirmed").on_behalf_of == "张桂英（电话确认）"


def test_a_rating_must_be_one_to_five(loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了")
    with pytest.raises(ValidationFailed) as err:
        services.case_confirm(actor=None, case=case, rating=9)
    assert err.value.field == "rating"


def test_auto_close_after_the_window_without_objection(loop, settings):
    settings.BANYAN_AUTO_CLOSE_DAYS = 7
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False) as clock:
        case = open_case(loop)
        services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
        services.case_resolve(actor=loop.bob, case=case, note="好了")
        clock.shift(dt.timedelta(days=6))
        assert services.close_unconfirmed() == 0
        clock.shift(dt.timedelta(days=1, minutes=1))
        assert services.close_unconfirmed() == 1
        assert services.close_unconfirmed() == 0
    assert Case.objects.get(pk=case.pk).state == State.CLOSED
    assert events(case)[-1] == "case_auto_closed"


def test_a_closed_case_reopens_only_within_the_window(loop, settings):
    settings.BANYAN_REOPEN_DAYS = 30
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False) as clock:
        case = open_case(loop)
        services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
        services.case_resolve(actor=loop.bob, case=case, note="好了")
        services.case_confirm(actor=None, case=case, rating=3)
        clock.shift(dt.timedelta(days=31))
        with pytest.raises(InvalidTransition):
            services.case_reopen(actor=None, case=case, comment="又坏了")


def test_hand_off_moves_the_case_to_another_grid(loop):
    case = open_case(loop)
    services.case_hand_off(actor=loop.bob, case=case, grid=loop.l2_2_1, note="属于二网格")
    case.refresh_from_db()
    assert case.grid == loop.l2_2_1 and case.state == State.ACCEPTED and case.building is None
    # Now charlie's, no longer bob's.
    services.case_start  # noqa: B018
    with pytest.raises(Http404):
        services.case_escalate(actor=loop.bob, case=case, reason="x")
    services.case_escalate(actor=loop.charlie, case=case, reason="需要协调")


def test_hand_off_stays_in_the_community(loop):
    case = open_case(loop)
    with pytest.raises(ValidationFailed):
        services.case_hand_off(actor=loop.bob, case=case, grid=loop.other_l2, note="x")


def test_escalated_cases_close_only_by_decision(loop):
    case = open_case(loop)
    services.case_escalate(actor=loop.bob, case=case, reason="跨部门")
    services.case_close(actor=loop.alice, case=case, note="党总支会议决定：并入改造项目")
    assert Case.objects.get(pk=case.pk).state == State.CLOSED


def test_a_resolved_case_needing_confirmation_cannot_be_closed_by_staff(loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=case, note="好了")
    with pytest.raises(InvalidTransition):
        services.case_close(actor=loop.bob, case=case, note="x")
    hazard = open_case(loop, code="safety_hazard")
    services.case_assign(actor=loop.bob, case=hazard, route="grid", assignee=loop.bob)
    services.case_resolve(actor=loop.bob, case=hazard, note="已消除")
    services.case_close(actor=loop.bob, case=hazard, note="无需确认")


def test_bad_input_names_the_field_and_writes_nothing(loop):
    before = (Case.objects.count(), Event.objects.count())
    with pytest.raises(ValidationFailed) as err:
        services.case_create(
            actor=loop.bob,
            category=category(),
            description=" ",
            channel="visit",
            household=loop.household_1_1,
        )
    assert err.value.field == "description"
    with pytest.raises(ValidationFailed) as err:
        services.case_create(
            actor=loop.bob,
            category=category(),
            description="漏水",
            channel="visit",
            household=loop.household_1_1,
            reporter_phone="123",
        )
    assert err.value.field == "reporter_phone"
    with pytest.raises(ValidationFailed) as err:
        services.case_create(
            actor=loop.bob,
            category=category(),
            description="漏水",
            channel="pigeon",
            household=loop.household_1_1,
        )
    assert err.value.field == "channel"
    assert (Case.objects.count(), Event.objects.count()) == before


def test_assignment_notifies_after_commit(loop, django_capture_on_commit_callbacks):
    case = open_case(loop)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.case_assign(actor=loop.bob, case=case, route="repair")
    assert not Notification.objects.exists()
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(user=loop.repairs, kind="assigned").count() == 1
