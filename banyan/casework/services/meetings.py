"""The committee meeting (党总支会议): agenda, decisions, final minutes.

Only posts with Cap.CHAIR_MEETINGS in the meeting's community act here; anyone else
gets Http404, as if the meeting did not exist. Once the minutes are final
(`meeting.closed`) nothing about the meeting changes any more.

What each write records:
- creating or editing a meeting, adding or removing agenda items, deciding a grid
  report and finalising the minutes write one `meeting_*` event on the meeting;
- a decision on a case item runs the matching case service *inside the same
  transaction* as the item's own record (decision, note, decided_at): "assign" is
  `case_assign`, "close" is `case_close`, "other" is a `case_note` that leaves the
  case where it is. So a decision writes the case's event (on the case history and
  the household's timeline, its note naming the meeting) plus the item's record, and
  no separate meeting event. If the case cannot move (someone acted on it first), the
  item stays undecided: both roll back together.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.places.models import Node, NodeKind
from banyan.timeline.services import record

from ..models import AgendaItem, Case, Meeting, Route, VolunteerTeam
from ..workflow import FINAL_STATES, State
from .cases import case_assign, case_close, case_note

User = AbstractBaseUser | AnonymousUser

Decision = AgendaItem.Decision


# --- guards and helpers --------------------------------------------------------------------


def _chair(actor: User, community_id: int | None) -> None:
    """Http404 unless the actor chairs meetings in this community (never confirm it exists)."""
    if community_id is None or community_id not in get_scope(actor).community_ids(
        Cap.CHAIR_MEETINGS
    ):
        raise Http404


def _lock(actor: User, meeting: Meeting) -> Meeting:
    """Lock the meeting row, check the actor chairs it and the minutes are still open."""
    locked = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=meeting.pk)
    )
    _chair(actor, locked.community_id)
    if locked.closed:
        raise InvalidTransition(
            _("The minutes of this meeting are final; it can no longer be changed."),
            field="meeting",
        )
    return locked


def _user_id(user: User) -> int:
    pk = user.pk
    if pk is None:  # an anonymous user never gets past _chair; this keeps mypy honest
        raise Http404
    return int(pk)


def _display_name(user: AbstractBaseUser) -> str:
    full_name = getattr(user, "get_full_name", None)
    return (full_name() if callable(full_name) else "") or user.get_username()


def _event(actor: User, meeting: Meeting, verb: str, **data: Any) -> None:
    record(
        actor=actor,
        community=meeting.community,
        verb=verb,
        summary=f"{meeting.held_on:%Y-%m-%d} {meeting.title}",
        subject=meeting,
        data={
            "meeting": meeting.pk,
            "title": meeting.title,
            "held_on": meeting.held_on.isoformat(),
            **data,
        },
    )


def _clean_meeting(
    *, held_on: dt.date | None, title: str, attendees: str, agenda: str
) -> dict[str, Any]:
    if held_on is None:
        raise ValidationFailed(_("This field is required."), field="held_on")
    return {
        "held_on": held_on,
        "title": clean_text(title, "title", required=True, max_length=100),
        "attendees": clean_text(attendees, "attendees", required=True, max_length=500),
        "agenda": clean_text(agenda, "agenda", max_length=4000),
    }


def _next_order(meeting: Meeting) -> int:
    top = meeting.items.aggregate(top=Max("sort_order"))["top"]
    return (top or 0) + 1


def _case_title(case: Case) -> str:
    return f"#{case.pk} {case.title}"[:200]


# --- the meeting ----------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: User,
    community: Node,
    held_on: dt.date | None,
    title: str,
    attendees: str,
    agenda: str = "",
) -> Meeting:
    """Record a committee meeting of a community the actor chairs."""
    if community.kind != NodeKind.COMMUNITY:
        raise Http404
    _chair(actor, community.pk)
    meeting = Meeting.objects.create(
        community=community,
        created_by_id=_user_id(actor),
        **_clean_meeting(held_on=held_on, title=title, attendees=attendees, agenda=agenda),
    )
    _event(actor, meeting, "meeting_created")
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    held_on: dt.date | None,
    title: str,
    attendees: str,
    agenda: str = "",
) -> Meeting:
    """Correct the date, title, attendees or agenda text while the minutes are open."""
    locked = _lock(actor, meeting)
    values = _clean_meeting(held_on=held_on, title=title, attendees=attendees, agenda=agenda)
    changed = [f for f, v in values.items() if getattr(locked, f) != v]
    if not changed:
        return locked
    for f in changed:
        setattr(locked, f, values[f])
    locked.save(update_fields=changed)
    _event(actor, locked, "meeting_updated", fields=",".join(changed))
    return locked


@transaction.atomic
def meeting_finalise(*, actor: User, meeting: Meeting) -> Meeting:
    """Make the minutes final: every item must have a decision ("other" defers one)."""
    locked = _lock(actor, meeting)
    if locked.items.filter(decision="").exists():
        raise ValidationFailed(
            _("Decide every item first (record “other” with a note to defer one)."),
            field="meeting",
        )
    locked.closed = True
    locked.save(update_fields=["closed"])
    _event(actor, locked, "meeting_closed", items=locked.items.count())
    return locked


# --- the agenda -----------------------------------------------------------------------------


def _check_case(meeting: Meeting, case: Case) -> None:
    if case.community_id != meeting.community_id:
        raise ValidationFailed(_("Choose a case of this community."), field="case")
    if case.state in FINAL_STATES:
        raise ValidationFailed(
            _("Case #%(n)s is already %(state)s.")
            % {"n": case.pk, "state": case.get_state_display()},
            field="case",
        )
    if meeting.items.filter(case_id=case.pk).exists():
        raise ValidationFailed(
            _("Case #%(n)s is already on this agenda.") % {"n": case.pk}, field="case"
        )


@transaction.atomic
def agenda_add_case(*, actor: User, meeting: Meeting, case: Case) -> AgendaItem:
    """Put one case of the community on the agenda (by its number)."""
    locked = _lock(actor, meeting)
    _check_case(locked, case)
    item = AgendaItem.objects.create(
        meeting=locked, case=case, title=_case_title(case), sort_order=_next_order(locked)
    )
    _event(actor, locked, "meeting_items_added", count=1, cases=[case.pk])
    return item


@transaction.atomic
def agenda_add_escalated(*, actor: User, meeting: Meeting) -> list[AgendaItem]:
    """Put every case escalated to the committee in this community on the agenda, oldest
    first, except those already on it. Writes no event when there is nothing to add."""
    locked = _lock(actor, meeting)
    cases = list(
        Case.objects.filter(community_id=locked.community_id, state=State.ESCALATED)
        .exclude(agenda_items__meeting=locked)
        .order_by("created_at", "id")
    )
    if not cases:
        return []
    start = _next_order(locked)
    items = AgendaItem.objects.bulk_create(
        AgendaItem(meeting=locked, case=c, title=_case_title(c), sort_order=start + i)
        for i, c in enumerate(cases)
    )
    _event(actor, locked, "meeting_items_added", count=len(items), cases=[c.pk for c in cases])
    return items


@transaction.atomic
def agenda_add_report(
    *, actor: User, meeting: Meeting, grid: Node, report: str, title: str = ""
) -> AgendaItem:
    """A grid's report to the committee (a first- or second-level grid of the community)."""
    locked = _lock(actor, meeting)
    if grid.community_id != locked.community_id or grid.kind not in (
        NodeKind.GRID_L1,
        NodeKind.GRID_L2,
    ):
        raise ValidationFailed(_("Choose a grid of this community."), field="grid")
    report = clean_text(report, "report", required=True, max_length=4000)
    title = clean_text(title, "title", max_length=200) or _("Report of %(grid)s") % {
        "grid": grid.name
    }
    item = AgendaItem.objects.create(
        meeting=locked, grid=grid, title=title, report=report, sort_order=_next_order(locked)
    )
    _event(actor, locked, "meeting_items_added", count=1, grid=grid.name)
    return item


def _lock_item(actor: User, item: AgendaItem) -> tuple[Meeting, AgendaItem]:
    meeting = _lock(actor, item.meeting)
    locked = (
        AgendaItem.objects.select_for_update(of=("self",))
        .select_related("case", "grid")
        .get(pk=item.pk, meeting=meeting)
    )
    if locked.decision:
        raise InvalidTransition(_("This item has already been decided."), field="decision")
    return meeting, locked


@transaction.atomic
def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    """Take an undecided item off the agenda."""
    meeting, locked = _lock_item(actor, item)
    title = locked.title
    locked.delete()
    _event(actor, meeting, "meeting_item_removed", item=title)


# --- decisions ------------------------------------------------------------------------------


@transaction.atomic
def agenda_item_decide(
    *,
    actor: User,
    item: AgendaItem,
    decision: str,
    note: str = "",
    route: str = "",
    assignee: AbstractBaseUser | None = None,
    team: str = "",
) -> AgendaItem:
    """Record the committee's decision on one item, moving its case in the same transaction.

    assign: route (+ assignee / team) → `case_assign`; close: `case_close` with the note;
    other: a note only (the case stays where it is). A grid report takes "other" only.
    The case service checks the case's state and the actor's rights itself; when it
    refuses, nothing is recorded on the item either.
    """
    meeting, locked = _lock_item(actor, item)
    decision = clean_choice(decision, Decision, "decision")
    note = clean_text(note, "note", required=decision != Decision.ASSIGN, max_length=250)
    case = locked.case
    if case is None:
        if decision != Decision.OTHER:
            raise ValidationFailed(
                _("A grid report has no case to assign or close: record it as “other”."),
                field="decision",
            )
    else:
        # The case's own event carries the meeting, so its history says who decided.
        reference = _("Committee meeting of %(date)s: %(note)s") % {
            "date": f"{meeting.held_on:%Y-%m-%d}",
            "note": note,
        }
        if decision == Decision.ASSIGN:
            case_assign(
                actor=actor,
                case=case,
                route=route,
                assignee=assignee,
                team=team,
                note=reference,
            )
        elif decision == Decision.CLOSE:
            case_close(actor=actor, case=case, note=reference)
        else:
            case_note(actor=actor, case=case, note=reference, public=False)
    if decision == Decision.ASSIGN:
        # The minutes say where the committee sent it, whatever happens to the case later.
        whom = [_display_name(assignee)] if assignee is not None else []
        # The team by its name (case_assign has checked it is one of the four).
        teams = [str(VolunteerTeam(team).label)] if route == Route.TEAM and team else []
        where = " · ".join([str(Route(route).label), *whom, *teams])
        note = f"{where}: {note}" if note else where
    locked.decision = decision
    locked.decision_note = note
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decision", "decision_note", "decided_at"])
    if case is None:
        _event(actor, meeting, "meeting_item_decided", item=locked.title, note=note)
    return locked
