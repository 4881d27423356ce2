"""`manage.py casework_daily`: auto-close, then due-soon / overdue notices once a day."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from banyan.casework import services
from banyan.casework.models import Case, Notification, NotificationSetting
from banyan.casework.workflow import State

from .factories import add_centres, category, open_case

T0 = "2026-05-01 09:00 +0800"  # the cases are recorded then


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


@pytest.fixture
def daily(django_capture_on_commit_callbacks):
    """daily("2026-05-02 12:00 +0800") runs the command at that time and returns its output
    (notifications are written on commit, which the test's transaction never reaches)."""

    def run(now: str) -> str:
        out = StringIO()
        # The clock outermost: the captured callbacks run (and stamp rows) at `now`.
        with (
            time_machine.travel(now, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("casework_daily", now=now.replace(" +0800", "+08:00"), stdout=out)
        return out.getvalue()

    return run


def notices(**filters) -> list[tuple[str, int, str]]:
    return sorted(
        Notification.objects.filter(kind__in=["due_soon", "overdue"], **filters).values_list(
            "user__username", "case_id", "kind"
        )
    )


@pytest.fixture
def cases(loop, django_capture_on_commit_callbacks):
    """In grid 1-1: a repair routed to the repair centre (72 h), an errand assigned to bob
    (environment, 48 h) and a suspended one; in grid 2-1 one of charlie's (24 h)."""
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        repair = open_case(loop)
        services.case_assign(actor=loop.bob, case=repair, route="repair")
        errand = open_case(loop, code="environment")
        services.case_assign(actor=loop.bob, case=errand, route="grid", assignee=loop.bob)
        paused = open_case(loop, code="blocked_pipe")
        services.case_suspend(actor=loop.bob, case=paused, reason="等配件")
        theirs = services.case_create(
            actor=loop.charlie,
            category=category("safety_hazard"),
            description="楼道电线裸露",
            channel="visit",
            household=loop.household_2_1,
        )
    Notification.objects.all().delete()  # assignment notices: not what we test here
    return {"repair": repair, "errand": errand, "paused": paused, "theirs": theirs}


def test_it_tells_each_person_about_their_due_and_overdue_cases(loop, cases, daily):
    # 2026-05-02 12:00: charlie's 24 h hazard is overdue, bob's 48 h errand due in 21 h,
    # the 72 h repair due in 45 h (within 48 h); the suspended case is never due.
    out = daily("2026-05-02 12:00 +0800")
    repair, errand, theirs = cases["repair"].pk, cases["errand"].pk, cases["theirs"].pk
    assert notices() == sorted(
        [
            ("bob", repair, "due_soon"),
            ("repairs", repair, "due_soon"),
            ("bob", errand, "due_soon"),
            ("charlie", theirs, "overdue"),
        ]
    )
    assert not Notification.objects.filter(case=cases["paused"]).exists()
    # The window is not told about a repair, nor charlie about grid 1-1.
    assert not notices(user=loop.window) and not notices(user=loop.charlie, case_id=repair)
    assert "notices sent: 4" in out and "overdue: 1" in out


def test_running_twice_a_day_tells_nobody_twice(loop, cases, daily):
    daily("2026-05-02 10:00 +0800")
    first = notices()
    out = daily("2026-05-02 20:00 +0800")
    # By the evening bob's errand is still due soon (told already); charlie's hazard was
    # overdue in the morning too: nothing new.
    assert notices() == first
    assert "notices sent: 0" in out and "already sent today: 4" in out


def test_a_case_falling_due_later_that_day_is_told_again_as_overdue(loop, cases, daily):
    daily("2026-05-03 06:00 +0800")
    assert ("bob", cases["errand"].pk, "due_soon") in notices()
    daily("2026-05-03 10:00 +0800")  # the 48 h errand fell due at 09:00
    assert ("bob", cases["errand"].pk, "overdue") in notices()


def test_the_next_day_tells_again(loop, cases, daily):
    daily("2026-05-02 12:00 +0800")
    daily("2026-05-03 12:00 +0800")
    assert notices(user=loop.charlie) == [
        ("charlie", cases["theirs"].pk, "overdue"),
        ("charlie", cases["theirs"].pk, "overdue"),
    ]


def test_one_digest_email_for_those_who_opted_in(loop, cases, daily, settings):
    settings.BANYAN_PUBLIC_URL = "https://banyan.example.cn"
    loop.bob.email = "bob@example.org"
    loop.bob.save()
    loop.repairs.email = "repairs@example.org"
    loop.repairs.save()
    NotificationSetting.objects.create(user=loop.bob, email=True)
    daily("2026-05-02 12:00 +0800")
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]  # repairs did not opt in
    body = mail.outbox[0].body
    assert f"#{cases['repair'].pk}" in body and f"#{cases['errand'].pk}" in body
    assert loop.person_1_1.name not in body
    assert body.rstrip().endswith("https://banyan.example.cn")
    daily("2026-05-02 18:00 +0800")
    assert len(mail.outbox) == 1


def test_a_digest_without_a_public_url_links_nowhere(loop, cases, daily, settings):
    settings.BANYAN_PUBLIC_URL = ""
    loop.bob.email = "bob@example.org"
    loop.bob.save()
    NotificationSetting.objects.create(user=loop.bob, email=True)
    daily("2026-05-02 12:00 +0800")
    body = mail.outbox[0].body
    assert "http" not in body and f"#{cases['repair'].pk}" in body


def test_it_auto_closes_resolved_cases_past_the_window(loop, settings, daily):
    settings.BANYAN_AUTO_CLOSE_DAYS = 7
    with time_machine.travel(T0, tick=False):
        case = open_case(loop)
        services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
        services.case_resolve(actor=loop.bob, case=case, note="已修好")
    out = daily("2026-05-07 09:00 +0800")
    assert Case.objects.get(pk=case.pk).state == State.RESOLVED and "auto-closed: 0" in out
    out = daily("2026-05-08 09:01 +0800")
    assert Case.objects.get(pk=case.pk).state == State.CLOSED and "auto-closed: 1" in out
    out = daily("2026-05-08 10:00 +0800")
    assert "auto-closed: 0" in out


def test_the_summary_carries_no_personal_data(loop, cases, daily):
    out = daily("2026-05-02 12:00 +0800")
    for secret in ("bob", "charlie", "屋顶", "张桂英", loop.bob.get_full_name()):
        assert secret not in out


def test_a_bad_now_is_refused():
    with pytest.raises(CommandError):
        call_command("casework_daily", now="yesterday")


def test_an_inactive_user_is_not_told(loop, cases, daily):
    loop.bob.is_active = False
    loop.bob.save()
    daily("2026-05-02 12:00 +0800")
    assert not notices(user=loop.bob)
