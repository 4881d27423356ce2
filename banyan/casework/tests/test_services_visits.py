"""Home visits (走访): who may log one, what is checked, the one event it writes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation

from banyan.casework import selectors, services
from banyan.casework.models import Visit
from banyan.common.errors import ValidationFailed
from banyan.timeline.models import Event

from .factories import add_centres, open_case


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


def visit(world, who=None, **kwargs):
    args = {
        "actor": who or world.bob,
        "household": world.household_1_1,
        "visited_on": dt.date(2026, 4, 30),
        "purpose": "routine",
        "heard": "楼道灯坏了",
        "findings": "老人身体好",
    }
    args.update(kwargs)
    return services.visit_record(**args)


@time_machine.travel("2026-05-01 09:00 +0800", tick=False)
def test_a_visit_lands_on_the_household_timeline(loop):
    with translation.override("en"):  # the purpose is written in the recorder's language
        v = visit(loop)
    assert (v.visitor, v.grid, v.community) == (loop.bob, loop.l2_1_1, loop.community)
    event = Event.objects.get(verb="household_visited")
    assert event.occurred_on == dt.date(2026, 4, 30) and event.actor == loop.bob
    assert event.links.filter(household=loop.household_1_1).exists()
    with translation.override("en"):
        assert event.text == "Home visit: Routine visit"
    with translation.override("zh-hans"):  # made when shown, in the reader's language
        assert event.text == "入户走访：日常走访"
    # The event keeps the code and the note, never the label of the recorder's language.
    assert (event.data["purpose_code"], event.data["purpose_note"]) == ("routine", "")
    assert "purpose" not in event.data
    assert event.subject_type == "visit" and event.subject_id == v.pk


@time_machine.travel("2026-05-01 09:00 +0800", tick=False)
def test_the_household_shows_as_visited(loop):
    visit(loop)
    fresh = selectors.households_not_visited(user=loop.bob, node=loop.l2_1_1)
    assert loop.household_1_1 not in list(fresh)


@pytest.mark.parametrize("who", ["charlie", "mallory", "eve"])
def test_outsiders_cannot_log_a_visit(loop, who):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False), pytest.raises(Http404):
        visit(loop, getattr(loop, who))
    assert not Visit.objects.exists() and not Event.objects.filter(verb="household_visited")


@pytest.mark.parametrize("who", ["dave", "repairs"])
def test_the_building_head_and_the_repair_centre_do_not_log_visits(loop, who):
    with (
        time_machine.travel("2026-05-01 09:00 +0800", tick=False),
        pytest.raises((PermissionDenied, Http404)),
    ):
        visit(loop, getattr(loop, who))
    assert not Visit.objects.exists()


BAD = [
    ({"purpose": "  "}, "purpose"),
    ({"purpose": "例行走访"}, "purpose"),  # a choice, not free text
    ({"purpose": "other"}, "purpose_note"),  # "other" says what about
    ({"purpose_note": "x" * 201}, "purpose_note"),
    ({"visited_on": dt.date(2026, 5, 2)}, "visited_on"),
    ({"visited_on": dt.date(2024, 1, 1)}, "visited_on"),
    ({"visited_on": None}, "visited_on"),
    ({"heard": "x" * 4001}, "heard"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_bad_input_names_the_field_and_writes_nothing(loop, change, field):
    with (
        time_machine.travel("2026-05-01 09:00 +0800", tick=False),
        pytest.raises(ValidationFailed) as err,
    ):
        visit(loop, **change)
    assert err.value.field == field
    assert not Visit.objects.exists() and not Event.objects.filter(verb="household_visited")


@time_machine.travel("2026-05-01 09:00 +0800", tick=False)
def test_a_follow_up_visit_belongs_to_a_dispute(loop):
    dispute = open_case(loop, code="neighbour_dispute")
    with translation.override("zh-hans"):
        v = visit(loop, dispute_case=dispute, purpose="follow_up", purpose_note="回访调解结果")
    assert v.dispute_case == dispute
    assert list(dispute.follow_up_visits.all()) == [v]
    event = Event.objects.get(verb="household_visited")
    assert event.data["case"] == dispute.pk
    assert (event.data["purpose_code"], event.data["purpose_note"]) == ("follow_up", "回访调解结果")
    with translation.override("en"):
        assert event.text == "Home visit: Follow-up visit · 回访调解结果"


@time_machine.travel("2026-05-01 09:00 +0800", tick=False)
def test_a_follow_up_visit_needs_a_dispute(loop):
    repair = open_case(loop)
    with pytest.raises(ValidationFailed) as err:
        visit(loop, dispute_case=repair)
    assert err.value.field == "dispute_case"
    assert not Visit.objects.exists()
