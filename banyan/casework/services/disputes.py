"""Disputes (矛盾纠纷): parties, a mediator, mediation sessions, the agreement and a
referral to legal aid. A dispute is a case of kind "dispute" and runs through the same
workflow (workflow.py); these services add what only a dispute has.

Each one locks the case, checks that it is a dispute still being worked on and that the
actor handles it, changes it and writes one event on the case's history (and the linked
households' timelines). Follow-up visits are `visits.visit_record(dispute_case=...)`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.cleaning import clean_text
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.registry.models import Person, PersonStatus
from banyan.timeline.versions import check_version

from ..models import Case, CasePerson, Kind, MediationSession
from ..selectors import caps_for_case
from ..workflow import FINAL_STATES
from . import notify
from .cases import _event, _lock, _require, _save, display_name

User = AbstractBaseUser | AnonymousUser


def _locked_dispute(actor: User, case: Case, version: int | None = None) -> Case:
    """Lock the case and check, on the fresh row, that the actor handles it, that it is
    still at the `version` the change was based on (None: not checked; adding a party or
    a session changes nothing that could be overwritten) and that it is a dispute not
    yet finished (closed, rejected or a duplicate)."""
    locked = _lock(case)
    _require(actor, locked, Cap.HANDLE_CASES)
    check_version(locked, version)
    if locked.kind != Kind.DISPUTE:
        raise ValidationFailed(_("This case is not a dispute."), field="case")
    if locked.state in FINAL_STATES:
        raise InvalidTransition(
            _("This case is %(state)s; it cannot be changed any more.")
            % {"state": locked.get_state_display()},
            field="action",
        )
    return locked


def _check_day(value: dt.date | None, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationFailed(_("Enter a valid date."), field=field)
    if value > timezone.localdate():
        raise ValidationFailed(_("This date is in the future."), field=field)
    return value


@transaction.atomic
def dispute_party_add(*, actor: AbstractBaseUser, case: Case, person: Person) -> CasePerson:
    """Name a resident as a party to the dispute (a person already concerned becomes a
    party)."""
    locked = _locked_dispute(actor, case)
    if person.community_id != locked.community_id or person.status != PersonStatus.LIVING_HERE:
        raise ValidationFailed(_("Not a resident of this community."), field="person")
    # Naming a party writes the name on the case history: never for someone the actor
    # could not look up themselves (a neighbour in another grid is added by the community).
    seen = get_scope(actor).caps_at(
        community_id=person.community_id,
        grid_id=person.grid_id,
        building_id=person.household.building_id,
    )
    if Cap.VIEW_REGISTRY not in seen:
        raise ValidationFailed(_("No such resident in your grids."), field="person")
    link, created = CasePerson.objects.get_or_create(
        case=locked, person=person, defaults={"role": CasePerson.Role.PARTY}
    )
    if not created:
        if link.role == CasePerson.Role.PARTY:
            raise ValidationFailed(_("Already a party to this dispute."), field="person")
        link.role = CasePerson.Role.PARTY
        link.save(update_fields=["role"])
    _save(locked)
    _event(actor, locked, "dispute_party_added", name=person.name, person=person.pk)
    return link


@transaction.atomic
def dispute_set_mediator(
    *,
    actor: AbstractBaseUser,
    case: Case,
    mediator: AbstractBaseUser,
    version: int | None = None,
) -> Case:
    """Name who mediates: someone who handles cases where the dispute is."""
    locked = _locked_dispute(actor, case, version)
    if Cap.HANDLE_CASES not in caps_for_case(mediator, locked):
        raise ValidationFailed(_("This person cannot handle cases here."), field="mediator")
    if locked.mediator_id == mediator.pk:
        raise ValidationFailed(_("Already the mediator."), field="mediator")
    locked.mediator_id = mediator.pk
    _save(locked, "mediator")
    _event(
        actor,
        locked,
        "dispute_mediator_set",
        mediator=display_name(mediator),
    )
    notify.mediator_named(locked, by=actor)
    return locked


@transaction.atomic
def mediation_session_add(
    *,
    actor: AbstractBaseUser,
    case: Case,
    held_on: dt.date,
    attendees: str,
    summary: str = "",
    agreed: str = "",
) -> MediationSession:
    """Record one sitting of the mediation: who came, what was said, what was agreed."""
    held_on = _check_day(held_on, "held_on")
    attendees = clean_text(attendees, "attendees", required=True, max_length=300)
    summary = clean_text(summary, "summary", max_length=4000)
    agreed = clean_text(agreed, "agreed", max_length=4000)
    if not (summary or agreed):
        raise ValidationFailed(_("Say what was said or what was agreed."), field="summary")
    locked = _locked_dispute(actor, case)
    session = MediationSession.objects.create(
        case=locked,
        held_on=held_on,
        attendees=attendees,
        summary=summary,
        agreed=agreed,
        recorded_by_id=actor.pk,
    )
    _save(locked)
    _event(
        actor,
        locked,
        "mediation_held",
        note=agreed,
        session=session.pk,
        held_on=held_on.isoformat(),
    )
    return session


@transaction.atomic
def dispute_record_agreement(
    *, actor: AbstractBaseUser, case: Case, agreement: str, version: int | None = None
) -> Case:
    """Write down (or correct) the agreement the parties reached."""
    agreement = clean_text(agreement, "agreement", required=True, max_length=4000)
    locked = _locked_dispute(actor, case, version)
    if agreement == locked.agreement:
        raise ValidationFailed(_("Nothing changed."), field="agreement")
    locked.agreement = agreement
    _save(locked, "agreement")
    _event(actor, locked, "dispute_agreement_recorded", note=agreement[:300])
    return locked


@transaction.atomic
def dispute_refer_legal_aid(
    *, actor: AbstractBaseUser, case: Case, note: str, version: int | None = None
) -> Case:
    """Refer the parties to legal aid (the blue team, or the district's legal-aid centre)."""
    note = clean_text(note, "note", required=True, max_length=300)
    locked = _locked_dispute(actor, case, version)
    if locked.legal_aid_referred:
        raise InvalidTransition(_("Already referred to legal aid."), field="action")
    locked.legal_aid_referred = True
    _save(locked, "legal_aid_referred")
    _event(actor, locked, "dispute_referred_legal_aid", note=note)
    return locked
