"""The demo's year of casework reads like one the services left behind: nothing happens
before it is reported or after now, and Open311 never shows a request updated before it
was made (a demo built early in the morning drew cases for later that day)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from banyan.casework.demo import build_casework
from banyan.casework.models import Case
from banyan.open311 import render, selectors
from banyan.timeline.models import Event

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def built(world):
    now = dt.datetime(2026, 6, 1, 8, 30, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(now, tick=False):
        build_casework(
            community=world.community, seed=2019, today=TODAY, now=now, cases_per_year=400
        )
    world.now = now
    return world


def test_no_case_is_reported_or_moved_after_now_or_before_it_was_reported(built):
    cases = list(Case.objects.all())
    assert len(cases) == 400
    wrong = []
    for case in cases:
        times = [case.updated_at, case.resolved_at, case.closed_at, case.suspended_since]
        if case.created_at > built.now or any(t and t < case.created_at for t in times):
            wrong.append(case.pk)
    assert wrong == []
    events = Event.objects.filter(subject_type="case").values_list("subject_id", "recorded_at")
    created = {c.pk: c.created_at for c in cases}
    assert [pk for pk, at in events if not created[pk] <= at <= built.now] == []


def test_open311_never_shows_an_update_before_the_request(built):
    requests = [
        selectors.get_request(pk=pk, community=built.community)
        for pk in Case.objects.filter(category__public=True).values_list("pk", flat=True)
    ]
    shown = [render.request(r) for r in requests if r is not None]
    assert len(shown) > 100
    early = [
        s["service_request_id"]
        for s in shown
        if dt.datetime.fromisoformat(s["updated_datetime"])
        < dt.datetime.fromisoformat(s["requested_datetime"])
    ]
    assert early == []


def test_the_demo_publishes_only_what_residents_wrote(built):
    by_channel = {
        channel: list(Case.objects.filter(channel=channel).values_list("public_text", "title"))
        for channel in ("qr", "visit", "phone", "walk_in", "building_head")
    }
    assert by_channel["qr"] and all(text == title for text, title in by_channel["qr"])
    assert all(
        text == "" for channel, rows in by_channel.items() if channel != "qr" for text, _ in rows
    )
