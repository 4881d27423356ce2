"""Home visits (走访, 五到家: 经常走访人到家): one service, writing one event on the
household's timeline (活档案)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope, require
from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.errors import ValidationFailed
from banyan.common.images import clean_photo, store_photo
from banyan.registry.models import Household, HouseholdStatus
from banyan.timeline.services import record

from ..models import Case, Kind, Visit, VisitPurpose
from .cases import _require as _require_case

User = AbstractBaseUser | AnonymousUser

# A visit is recorded by whoever works the loop in the household's grid and may read its
# full record (the visit log sits next to it): grid workers, the community, the window.
# Building heads (a volunteer resident) and the repair centre do not log visits.
VISIT_CAPS = (Cap.VIEW_FULL_RECORD, Cap.HANDLE_CASES)


def can_record_visit(user: User, household: Household) -> bool:
    caps = get_scope(user).caps_at(
        community_id=household.community_id,
        grid_id=household.grid_id,
        building_id=household.building_id,
    )
    return all(cap in caps for cap in VISIT_CAPS)


def _check_date(visited_on: dt.date | None) -> dt.date:
    if not isinstance(visited_on, dt.date):
        raise ValidationFailed(_("Enter a valid date."), field="visited_on")
    if visited_on > timezone.localdate():
        raise ValidationFailed(_("A visit cannot be in the future."), field="visited_on")
    if visited_on < timezone.localdate() - dt.timedelta(days=366):
        raise ValidationFailed(_("At most a year back."), field="visited_on")
    return visited_on


@transaction.atomic
def visit_record(
    *,
    actor: AbstractBaseUser,
    household: Household,
    visited_on: dt.date,
    purpose: str,
    purpose_note: str = "",
    heard: str = "",
    findings: str = "",
    photo: UploadedFile | None = None,
    dispute_case: Case | None = None,
) -> Visit:
    """Log a visit to a household by the acting user (the visitor): its purpose (one of
    VisitPurpose, with a note), what was heard and found, and a photo if one was taken
    (checked, re-encoded and kept in sizes like a case's photos).

    With `dispute_case` it is a follow-up visit of that dispute: the dispute must be one
    the actor handles, in the household's community.
    """
    caps = get_scope(actor).caps_at(
        community_id=household.community_id,
        grid_id=household.grid_id,
        building_id=household.building_id,
    )
    for cap in VISIT_CAPS:
        require(caps, cap)
    if household.status != HouseholdStatus.ACTIVE:
        raise ValidationFailed(_("This household no longer exists."), field="household")
    visited_on = _check_date(visited_on)
    purpose = clean_choice(purpose, VisitPurpose, "purpose")
    purpose_note = clean_text(purpose_note, "purpose_note", max_length=200)
    if purpose == VisitPurpose.OTHER and not purpose_note:
        raise ValidationFailed(_("Say what the visit was about."), field="purpose_note")
    heard = clean_text(heard, "heard", max_length=4000)
    findings = clean_text(findings, "findings", max_length=4000)
    picture = clean_photo(photo, field="photo") if photo is not None else None
    if dispute_case is not None:
        _require_case(actor, dispute_case, Cap.HANDLE_CASES)
        if dispute_case.kind != Kind.DISPUTE or dispute_case.community_id != household.community_id:
            raise ValidationFailed(_("Not a dispute of this community."), field="dispute_case")
    visit = Visit(
        community_id=household.community_id,
        grid_id=household.grid_id,
        household=household,
        visited_on=visited_on,
        visitor_id=actor.pk,
        purpose=purpose,
        purpose_note=purpose_note,
        heard=heard,
        findings=findings,
        dispute_case=dispute_case,
    )
    if picture is not None:
        store_photo(visit, picture)  # the photo and its medium size and thumbnail
    visit.save()
    record(
        actor=actor,
        community=household.community,
        verb="household_visited",
        summary=visit.purpose_text[:300],
        occurred_on=visited_on,
        households=[household],
        subject=visit,
        data={
            "visit": visit.pk,
            # Codes: "Home visit: <purpose>" is made in the reader's language (casework.verbs).
            "purpose_code": purpose,
            "purpose_note": purpose_note,
            "photo": bool(visit.image),
            "case": dispute_case.pk if dispute_case is not None else None,
        },
    )
    return visit
