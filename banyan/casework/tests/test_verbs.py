"""A case's history and a household's visits read in the reader's language: events keep a
route, a team and a visit's purpose as codes (banyan.casework.verbs), and events written
when labels were stored (the demo wrote "Grid worker") read in the reader's language too."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from banyan.casework import services
from banyan.timeline.models import Event

from .factories import add_centres, open_case


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


def history(client, case) -> str:
    html = client.get(reverse("casework:case-detail", args=[case.pk])).content.decode()
    return html[html.index('id="history"') :] if 'id="history"' in html else html


def test_the_route_is_stored_as_its_code_and_shown_in_the_readers_language(client, loop):
    case = open_case(loop)
    with translation.override("en"):  # written by someone reading English, as the demo was
        services.case_assign(actor=loop.bob, case=case, route="repair", assignee=loop.repairs)
    event = Event.objects.get(verb="case_assigned")
    assert event.data["route"] == "repair" and "route_label" not in event.data
    client.force_login(loop.bob)
    zh = history(client, case)
    assert f"事项 #{case.pk} 已派至物业维修服务中心" in zh and "Property-repair" not in zh
    client.cookies["django_language"] = "en"
    en = history(client, case)
    assert f"Case #{case.pk} routed to Property-repair service centre" in en
    assert "物业维修服务中心" not in en


def test_an_old_event_that_kept_the_label_reads_in_the_readers_language(client, loop):
    case = open_case(loop)
    # As the demo and earlier releases wrote it: the code and its English label.
    Event.objects.create(
        community=loop.community,
        verb="case_assigned",
        summary=f"#{case.pk} {case.title}",
        occurred_on=timezone.localdate(),
        data={"case": case.pk, "route": "grid", "route_label": "Grid worker", "public": True},
        subject_type="case",
        subject_id=case.pk,
    )
    client.force_login(loop.bob)
    zh = history(client, case)
    assert "已派至网格员" in zh and "Grid worker" not in zh


def test_a_team_route_names_the_team(loop):
    case = open_case(loop)
    services.case_assign(actor=loop.bob, case=case, route="team", team="red")
    event = Event.objects.get(verb="case_assigned")
    assert (event.data["route"], event.data["team"]) == ("team", "red")
    assert "team_label" not in event.data
    with translation.override("en"):
        assert event.text == f"Case #{case.pk} routed to Volunteer team · Red: party members"
    with translation.override("zh-hans"):
        assert event.text == f"事项 #{case.pk} 已派至志愿服务队 · 红色：党员"


@time_machine.travel("2026-05-01 09:00 +0800", tick=False)
def test_a_visit_on_the_household_timeline_reads_in_the_readers_language(client, loop):
    with translation.override("en"):
        services.visit_record(
            actor=loop.bob,
            household=loop.household_1_1,
            visited_on=dt.date(2026, 4, 30),
            purpose="care",
            purpose_note="高龄老人",
        )
    # And one written before the code was kept apart: one line in its writer's language.
    old = Event.objects.get(verb="household_visited")
    Event.objects.filter(pk=old.pk).update(
        data={"visit": old.data["visit"], "purpose": "关爱探访 · 独居", "purpose_code": "care"}
    )
    services.visit_record(
        actor=loop.bob,
        household=loop.household_1_1,
        visited_on=dt.date(2026, 4, 29),
        purpose="routine",
    )
    client.force_login(loop.bob)
    url = reverse("registry:household-detail", args=[loop.household_1_1.pk])
    zh = client.get(url).content.decode()
    assert "入户走访：关爱探访 · 独居" in zh and "入户走访：日常走访" in zh
    assert "Care visit" not in zh and "Routine visit" not in zh
    client.cookies["django_language"] = "en"
    en = client.get(url).content.decode()
    assert "Home visit: Care visit · 独居" in en and "Home visit: Routine visit" in en
    assert "关爱探访" not in en and "日常走访" not in en


def test_a_step_the_system_took_is_not_put_down_to_the_resident(client, loop, settings):
    settings.BANYAN_AUTO_CLOSE_DAYS = 7
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False) as clock:
        closed, confirmed = open_case(loop), open_case(loop)
        for case in (closed, confirmed):
            services.case_assign(actor=loop.bob, case=case, route="grid", assignee=loop.bob)
            services.case_resolve(actor=loop.bob, case=case, note="好了")
        services.case_confirm(actor=None, case=confirmed, rating=5)  # the resident, by code
        clock.shift(dt.timedelta(days=8))
        assert services.close_unconfirmed() == 1
    client.force_login(loop.bob)

    def by(case, step: str) -> str:
        html = history(client, case)
        item = next(li for li in html.split("<li>") if step in li)
        return item[item.index('<div class="muted small">') :].split("</div>")[0]

    assert "操作人：系统自动" in by(closed, "天内无异议")
    assert "居民" not in by(closed, "天内无异议")
    assert "操作人：居民" in by(confirmed, "确认")
