"""Finding lost members (找回"口袋党员"): one service per move of `workflow.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.errors import InvalidTransition, ValidationFailed

from ..models import (
    Attempt,
    AttemptMethod,
    ContactStatus,
    Lead,
    LeadKind,
    Member,
    MemberPeriod,
    PeriodKind,
    Support,
    SupportKind,
    TracingCase,
)
from ..workflow import TracingState, can_move
from ._base import User, check_date, event, require_org, today


def _lock(case: TracingCase, action: str) -> TracingCase:
    locked = (
        TracingCase.objects.select_for_update(of=("self",))
        .select_related("member__branch__node")
        .get(pk=case.pk)
    )
    if not can_move(action, locked.state):
        raise InvalidTransition(
            _("This tracing case is %(state)s: someone may have acted first.")
            % {"state": TracingState(locked.state).label}
        )
    return locked


def _event(
    actor: User, case: TracingCase, verb: str, data: dict[str, Any], on: dt.date | None = None
) -> None:
    event(
        actor=actor,
        community=case.community_id,
        verb=verb,
        summary=case.member.name,
        subject=case,
        data={"name": case.member.name, "case": case.pk, **data},
        occurred_on=on,
    )


@transaction.atomic
def member_mark_lost(*, actor: User, member: Member, since: dt.date, note: str = "") -> TracingCase:
    """The branch has lost touch with a member (失联): open a tracing case. Care rules
    stop asking for contacts while the member is lost."""
    require_org(actor, member.branch)
    member = (
        Member.objects.select_for_update(of=("self",)).select_related("branch").get(pk=member.pk)
    )
    if not member.is_active:
        raise InvalidTransition(_("This member has left the community."))
    if member.contact_status == ContactStatus.LOST:
        raise InvalidTransition(_("This member is already recorded as lost."))
    since = check_date(since, "since", not_before=member.joined_on)
    MemberPeriod.objects.create(
        community_id=member.community_id,
        member=member,
        kind=PeriodKind.LOST,
        start=since,
        note=clean_text(note, "note"),
    )
    member.contact_status = ContactStatus.LOST
    member.save(update_fields=["contact_status"])
    case = TracingCase.objects.create(
        community_id=member.community_id,
        member=member,
        lost_since=since,
        opened_on=today(),
        opened_by_id=actor.pk,
    )
    _event(actor, case, "party_member_lost", {"since": since.isoformat()}, since)
    return case


@transaction.atomic
def tracing_add_lead(*, actor: User, case: TracingCase, kind: str, detail: str) -> Lead:
    """A lead to follow: a former unit, an old address, a relative."""
    require_org(actor, case.member.branch)
    case = _lock(case, "add_lead")
    lead = Lead.objects.create(
        community_id=case.community_id,
        case=case,
        kind=clean_choice(kind, LeadKind, "kind"),
        detail=clean_text(detail, "detail", required=True, max_length=300),
        added_on=today(),
    )
    _event(actor, case, "party_tracing_lead", {"kind": kind})
    return lead


@transaction.atomic
def tracing_attempt(
    *,
    actor: User,
    case: TracingCase,
    tried_on: dt.date,
    method: str,
    result: str,
    reached: bool = False,
) -> Attempt:
    """One try to find the member: when, how, what came of it."""
    require_org(actor, case.member.branch)
    case = _lock(case, "attempt")
    attempt = Attempt.objects.create(
        community_id=case.community_id,
        case=case,
        tried_on=check_date(tried_on, "tried_on", not_before=case.lost_since),
        method=clean_choice(method, AttemptMethod, "method"),
        result=clean_text(result, "result", required=True, max_length=300),
        reached=reached,
        by_id=actor.pk,
    )
    _event(
        actor,
        case,
        "party_tracing_attempt",
        {"method": method, "reached": reached},
        attempt.tried_on,
    )
    return attempt


@transaction.atomic
def tracing_verify(
    *, actor: User, case: TracingCase, verified_on: dt.date, how: str
) -> TracingCase:
    """The person found is the member (ID card, unit records, branch records)."""
    require_org(actor, case.member.branch)
    case = _lock(case, "verify")
    if not case.attempts.filter(reached=True).exists():
        raise InvalidTransition(_("Record the attempt that reached the member first."))
    case.verified_on = check_date(verified_on, "verified_on", not_before=case.lost_since)
    case.verified_how = clean_text(how, "how", required=True)
    case.state = TracingState.VERIFIED
    case.save(update_fields=["verified_on", "verified_how", "state"])
    _event(actor, case, "party_tracing_verified", {}, case.verified_on)
    return case


@transaction.atomic
def tracing_return(*, actor: User, case: TracingCase, returned_on: dt.date) -> TracingCase:
    """The member is back in the branch's life: found again, and care rules resume."""
    require_org(actor, case.member.branch)
    case = _lock(case, "return")
    assert case.verified_on is not None
    returned_on = check_date(returned_on, "returned_on", not_before=case.verified_on)
    member = Member.objects.select_for_update(of=("self",)).get(pk=case.member_id)
    lost = member.periods.filter(kind=PeriodKind.LOST, end__isnull=True).first()
    if lost is not None:
        lost.end = max(lost.start, returned_on - dt.timedelta(days=1))
        lost.save(update_fields=["end"])
    member.contact_status = ContactStatus.FOUND
    member.found_on = returned_on
    member.save(update_fields=["contact_status", "found_on"])
    case.returned_on = returned_on
    case.state = TracingState.RETURNED
    case.save(update_fields=["returned_on", "state"])
    _event(actor, case, "party_tracing_returned", {}, returned_on)
    return case


@transaction.atomic
def tracing_support(
    *,
    actor: User,
    case: TracingCase,
    kind: str,
    note: str,
    done_on: dt.date,
    service_case: Any = None,
) -> Support:
    """What was done for the found member: housing, 低保, pension paperwork …"""
    require_org(actor, case.member.branch)
    case = _lock(case, "support")
    if service_case is not None and service_case.community_id != case.community_id:
        raise ValidationFailed(_("Choose a case of this community."), field="service_case")
    support = Support.objects.create(
        community_id=case.community_id,
        case=case,
        kind=clean_choice(kind, SupportKind, "kind"),
        note=clean_text(note, "note", required=True, max_length=300),
        done_on=check_date(done_on, "done_on", not_before=case.lost_since),
        service_case=service_case,
    )
    _event(
        actor,
        case,
        "party_tracing_support",
        {"kind": kind},
        support.done_on,
    )
    return support


@transaction.atomic
def tracing_close(*, actor: User, case: TracingCase, note: str) -> TracingCase:
    """End the search without a return; the member stays recorded as lost."""
    require_org(actor, case.member.branch)
    case = _lock(case, "close")
    case.closing_note = clean_text(note, "note", required=True, max_length=300)
    case.closed_on = today()
    case.state = TracingState.CLOSED
    case.save(update_fields=["closing_note", "closed_on", "state"])
    _event(actor, case, "party_tracing_closed", {"note": case.closing_note})
    return case
