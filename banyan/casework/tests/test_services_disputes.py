"""Disputes (矛盾纠纷): parties, mediator, sessions, agreement, legal aid: one event each."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from banyan.casework import services
from banyan.casework.models import Case, CasePerson, MediationSession, Notification
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.timeline.models import Event

from .factories import add_centres, open_case


@pytest.fixture
def loop(world):
    add_centres(world)
    return world


@pytest.fixture
def dispute(loop):
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False):
        return open_case(loop, code="neighbour_dispute")


def verbs(case: Case) -> list[str]:
    return list(
        Event.objects.filter(subject_type="case", subject_id=case.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_a_person_concerned_becomes_a_party(loop, dispute):
    link = services.dispute_party_add(actor=loop.bob, case=dispute, person=loop.person_1_1)
    assert link.role == CasePerson.Role.PARTY
    assert CasePerson.objects.filter(case=dispute).count() == 1
    assert verbs(dispute)[-1] == "dispute_party_added"
    with pytest.raises(ValidationFailed) as err:
        services.dispute_party_add(actor=loop.bob, case=dispute, person=loop.person_1_1)
    assert err.value.field == "person"


def test_a_neighbour_in_another_grid_is_added_by_the_community(loop, dispute):
    with pytest.raises(ValidationFailed) as err:
        services.dispute_party_add(actor=loop.bob, case=dispute, person=loop.person_2_1)
    assert err.value.field == "person"  # bob may not look up charlie's residents
    services.dispute_party_add(actor=loop.alice, case=dispute, person=loop.person_2_1)
    assert dispute.people.get(person=loop.person_2_1).role == "party"
    # The event lands on both households' timelines.
    event = Event.objects.get(verb="dispute_party_added")
    households = set(event.links.values_list("household_id", flat=True))
    assert {loop.household_1_1.pk, loop.household_2_1.pk} <= households


def test_a_party_from_another_community_is_refused(loop, dispute):
    from banyan.accounts.tests.factories import make_home

    far = make_home(loop.other_l2, compound_name="月光小区", person_name="周某")
    with pytest.raises(ValidationFailed):
        services.dispute_party_add(actor=loop.bob, case=dispute, person=far.person)


def test_the_mediator_is_told_after_commit(loop, dispute, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_set_mediator(actor=loop.bob, case=dispute, mediator=loop.alice)
    (note,) = Notification.objects.filter(user=loop.alice)
    assert note.case_id == dispute.pk and note.kind == "assigned"
    assert f"#{dispute.pk}" in note.text
    # Naming yourself needs no inbox line.
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_set_mediator(actor=loop.bob, case=dispute, mediator=loop.bob)
    assert not Notification.objects.filter(user=loop.bob, case=dispute).exists()


def test_the_mediator_must_handle_cases_there(loop, dispute):
    with pytest.raises(ValidationFailed) as err:
        services.dispute_set_mediator(actor=loop.bob, case=dispute, mediator=loop.charlie)
    assert err.value.field == "mediator"
    with pytest.raises(ValidationFailed):
        services.dispute_set_mediator(actor=loop.bob, case=dispute, mediator=loop.dave)
    services.dispute_set_mediator(actor=loop.bob, case=dispute, mediator=loop.alice)
    assert Case.objects.get(pk=dispute.pk).mediator == loop.alice
    assert verbs(dispute) == ["case_created", "dispute_mediator_set"]


@time_machine.travel("2026-05-03 09:00 +0800", tick=False)
def test_a_mediation_session_is_recorded(loop, dispute):
    session = services.mediation_session_add(
        actor=loop.bob,
        case=dispute,
        held_on=dt.date(2026, 5, 2),
        attendees="双方当事人、网格员",
        summary="楼上漏水到楼下",
        agreed="楼上负责维修",
    )
    assert session.recorded_by == loop.bob
    event = Event.objects.get(verb="mediation_held")
    assert event.data["session"] == session.pk and event.data["public"] is False
    assert "2026-05-02" in event.text


BAD_SESSIONS = [
    ({"attendees": ""}, "attendees"),
    ({"held_on": dt.date(2026, 5, 9)}, "held_on"),
    ({"held_on": None}, "held_on"),
    ({"summary": "", "agreed": ""}, "summary"),
]


@pytest.mark.parametrize(("change", "field"), BAD_SESSIONS)
def test_bad_session_input_names_the_field_and_writes_nothing(loop, dispute, change, field):
    args = {
        "actor": loop.bob,
        "case": dispute,
        "held_on": dt.date(2026, 5, 2),
        "attendees": "双方",
        "summary": "谈了",
        "agreed": "",
    }
    args.update(change)
    with (
        time_machine.travel("2026-05-03 09:00 +0800", tick=False),
        pytest.raises(ValidationFailed) as err,
    ):
        services.mediation_session_add(**args)
    assert err.value.field == field
    assert not MediationSession.objects.exists()
    assert verbs(dispute) == ["case_created"]


def test_the_agreement_and_the_referral(loop, dispute):
    services.dispute_record_agreement(actor=loop.bob, case=dispute, agreement="轮流使用楼道")
    with pytest.raises(ValidationFailed):
        services.dispute_record_agreement(actor=loop.bob, case=dispute, agreement=" ")
    services.dispute_refer_legal_aid(actor=loop.bob, case=dispute, note="涉及赔偿，转法律援助")
    with pytest.raises(InvalidTransition):
        services.dispute_refer_legal_aid(actor=loop.bob, case=dispute, note="again")
    fresh = Case.objects.get(pk=dispute.pk)
    assert fresh.agreement == "轮流使用楼道" and fresh.legal_aid_referred
    assert verbs(dispute) == [
        "case_created",
        "dispute_agreement_recorded",
        "dispute_referred_legal_aid",
    ]


def test_only_disputes_have_mediation(loop):
    repair = open_case(loop)
    with pytest.raises(ValidationFailed):
        services.dispute_record_agreement(actor=loop.bob, case=repair, agreement="x")


def test_a_finished_dispute_takes_no_more_sessions(loop, dispute):
    services.case_reject(actor=loop.bob, case=dispute, reason="不属于本社区")
    with pytest.raises(InvalidTransition):
        services.dispute_record_agreement(actor=loop.bob, case=dispute, agreement="x")


@pytest.mark.parametrize("who", ["charlie", "mallory", "eve"])
def test_outsiders_get_404(loop, dispute, who):
    with pytest.raises(Http404):
        services.dispute_refer_legal_aid(actor=getattr(loop, who), case=dispute, note="x")
    assert verbs(dispute) == ["case_created"]


def test_the_building_head_sees_but_cannot_mediate(loop, dispute):
    with pytest.raises(PermissionDenied):
        services.dispute_record_agreement(actor=loop.dave, case=dispute, agreement="x")
