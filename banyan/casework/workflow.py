"""The case workflow, as a table: read it to know every legal move.

    action          from                                             to
    --------------  -----------------------------------------------  -----------------
    accept          submitted                                        accepted
    reject          submitted, accepted                              rejected
    mark_duplicate  submitted, accepted                              duplicate
    assign          accepted, assigned, reopened, escalated          assigned
    hand_off        accepted, assigned, reopened, escalated          accepted (new grid)
    start           assigned                                         in_progress
    resolve         assigned, in_progress                            resolved
    suspend         accepted, assigned, in_progress, reopened        suspended
    resume          suspended                                        (state before)
    escalate        accepted, assigned, in_progress, reopened        escalated
    confirm         resolved                                         closed
    reopen          resolved, closed (within the reopen window)      reopened
    auto_close      resolved (no objection within N days)            closed
    close           escalated, resolved (no confirmation needed)     closed
    note            any state                                        (unchanged)

Each action is one service in `services.py` that checks the state it expects
(under a row lock), changes it and writes one event. `ACTIONS` below is this table with
everything else an action needs (its service, parameters, who may, its form and message):
the case page's actions, the API's transitions and the schema's description of them are
built from it (common/workflow.py), so a new action is one row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Cap
from banyan.common.workflow import Param
from banyan.common.workflow import Step as Move


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUSPENDED = "suspended", _("Suspended")
    ESCALATED = "escalated", _("Escalated to the committee")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    DUPLICATE = "duplicate", _("Duplicate")


# Open: someone still owes the resident something; the deadline clock applies.
OPEN_STATES = frozenset(
    {
        State.SUBMITTED,
        State.ACCEPTED,
        State.ASSIGNED,
        State.IN_PROGRESS,
        State.SUSPENDED,
        State.ESCALATED,
        State.REOPENED,
    }
)
# Resolved is not open (the work is done) but not final either: the resident may object.
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.DUPLICATE})

_WORKING = frozenset({State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED})


HANDLE = frozenset({Cap.HANDLE_CASES})
_NOT_FINAL = frozenset(State) - FINAL_STATES


def _close_offered(case: Any) -> bool:
    """A resolved case whose category wants the resident's confirmation waits for it."""
    return case.state != State.RESOLVED or not case.category.needs_confirmation


def _reopen_offered(case: Any) -> bool:
    """A closed case reopens only within the reopen window."""
    if case.state != State.CLOSED:
        return True
    window = dt.timedelta(days=settings.BANYAN_REOPEN_DAYS)
    return case.closed_at is not None and timezone.now() - case.closed_at <= window


_REASON = Param("reason")
_NOTE = Param("note")
_FOR = Param("on_behalf_of", "the resident staff act for")

# Every action on a case, in the order the pages and the API list them. The rows with
# `sources` are the state table above; the others change no state.
ACTIONS: dict[str, Move] = {
    "accept": Move(
        _("Accept"),
        frozenset({State.SUBMITTED}),
        State.ACCEPTED,
        service="case_accept",
        caps=HANDLE,
        done=_("Case accepted."),
    ),
    "reject": Move(
        _("Reject"),
        frozenset({State.SUBMITTED, State.ACCEPTED}),
        State.REJECTED,
        service="case_reject",
        params=(_REASON,),
        caps=HANDLE,
        form="ReasonForm",
        done=_("Case rejected."),
        danger=True,
    ),
    "mark_duplicate": Move(
        _("Mark as duplicate"),
        frozenset({State.SUBMITTED, State.ACCEPTED}),
        State.DUPLICATE,
        service="case_mark_duplicate",
        params=(Param("original", "a case id"),),
        caps=HANDLE,
        form="DuplicateForm",
        done=_("Marked as a duplicate."),
    ),
    "assign": Move(
        _("Route / assign"),
        frozenset({State.ACCEPTED, State.ASSIGNED, State.REOPENED, State.ESCALATED}),
        State.ASSIGNED,
        service="case_assign",
        params=(
            Param("route", "window, errand, repair, team, grid"),
            Param("assignee", "user id or username; required for errand and grid"),
            Param("team", "for route team"),
            _NOTE,
        ),
        caps=HANDLE,
        form="AssignForm",
        done=_("Case routed."),
        inline=False,
    ),
    "hand_off": Move(
        _("Hand off to another grid"),
        frozenset({State.ACCEPTED, State.ASSIGNED, State.REOPENED, State.ESCALATED}),
        State.ACCEPTED,
        service="case_hand_off",
        params=(Param("grid", "a second-level grid of the community"), _NOTE),
        caps=HANDLE,
        form="HandOffForm",
        done=_("Case handed off."),
        inline=False,
    ),
    "start": Move(
        _("Start work"),
        frozenset({State.ASSIGNED}),
        State.IN_PROGRESS,
        service="case_start",
        caps=HANDLE,
        done=_("Work started."),
    ),
    "resolve": Move(
        _("Mark resolved"),
        frozenset({State.ASSIGNED, State.IN_PROGRESS}),
        State.RESOLVED,
        service="case_resolve",
        params=(_NOTE, Param("public_note"), Param("photos", api=None)),
        caps=HANDLE,
        form="ResolveForm",
        done=_("Case resolved; the resident is asked whether it is fixed."),
        multipart=True,
        api_note="Photos cannot be sent as JSON: an errand (which needs a photo of the "
        "hand-over) is resolved on the case page.",
    ),
    "suspend": Move(
        _("Suspend"),
        _WORKING,
        State.SUSPENDED,
        service="case_suspend",
        params=(_REASON,),
        caps=HANDLE,
        form="ReasonForm",
        done=_("Case suspended; the deadline clock stopped."),
    ),
    "resume": Move(
        _("Resume"),
        frozenset({State.SUSPENDED}),
        None,
        service="case_resume",
        caps=HANDLE,
        done=_("Case resumed."),
    ),
    "escalate": Move(
        _("Escalate to the committee"),
        _WORKING,
        State.ESCALATED,
        service="case_escalate",
        params=(Param("reason", "to the committee meeting"),),
        caps=HANDLE,
        form="ReasonForm",
        done=_("Sent to the committee."),
    ),
    "confirm": Move(
        _("Confirm it is fixed"),
        frozenset({State.RESOLVED}),
        State.CLOSED,
        service="case_confirm",
        params=(Param("rating", "1–5"), Param("comment"), _FOR),
        caps=HANDLE,
        form="ConfirmForm",
        done=_("Confirmed and closed."),
        web_label=_("Confirm for the resident"),
    ),
    "reopen": Move(
        _("Not fixed: reopen"),
        frozenset({State.RESOLVED, State.CLOSED}),
        State.REOPENED,
        service="case_reopen",
        params=(Param("comment"), _FOR),
        caps=HANDLE,
        when=_reopen_offered,
        form="ReopenForm",
        done=_("Case reopened."),
        web_label=_("Reopen for the resident"),
        danger=True,
    ),
    # The daily job's (services.case_auto_close): offered to nobody.
    "auto_close": Move(
        _("Close without objection"), frozenset({State.RESOLVED}), State.CLOSED, web=None, api=None
    ),
    "close": Move(
        _("Close"),
        frozenset({State.ESCALATED, State.RESOLVED}),
        State.CLOSED,
        service="case_close",
        params=(_NOTE,),
        caps=HANDLE,
        when=_close_offered,
        form="NoteOnlyForm",
        done=_("Case closed."),
    ),
    # Moderating a resident's public text (services.public_text): not moves, but offered
    # with them to those who handle the case.
    "edit_public_text": Move(
        _("Correct the public text"),
        service="case_public_text_edit",
        params=(
            Param(
                "text",
                "a report a resident sent through the QR poster or Open311: its own words "
                "are published, as corrected or hidden here; nothing staff write is",
                api="public_text",
            ),
        ),
        versioned=False,
        caps=HANDLE,
        when=lambda case: case.came_from_resident,
        form="PublicTextForm",
        done=_("Public text corrected."),
        web="public_text",
        inline=False,
    ),
    "hide_public_text": Move(
        _("Hide the public text"),
        service="case_public_text_hide",
        fixed=(("hidden", True),),
        versioned=False,
        caps=HANDLE,
        when=lambda case: (
            case.came_from_resident and not case.public_text_hidden and bool(case.public_text)
        ),
        done=_("Public text hidden: the case shows its category only."),
    ),
    "show_public_text": Move(
        _("Show the public text again"),
        service="case_public_text_hide",
        fixed=(("hidden", False),),
        versioned=False,
        caps=HANDLE,
        when=lambda case: case.came_from_resident and case.public_text_hidden,
        done=_("Public text shown again."),
    ),
    "note": Move(
        _("Add a note"),
        service="case_note",
        params=(_NOTE, Param("public", "shown to the resident")),
        versioned=False,
        caps=frozenset({Cap.HANDLE_CASES, Cap.REPORT_CASES}),
        # On a case whose record the user reads (annotated by the case's selector).
        when=lambda case: getattr(case, "readable", False),
        form="NoteForm",
        done=_("Note added."),
    ),
}

# The state table: the actions that move a case from one state to another.
MOVES: dict[str, Move] = {action: step for action, step in ACTIONS.items() if step.is_move}

# A dispute's own record (parties, mediator, sessions, agreement), while the case is open.
DISPUTE_ACTIONS: dict[str, Move] = {
    "party": Move(
        _("Add a party"),
        _NOT_FINAL,
        service="dispute_party_add",
        params=(Param("person"),),
        versioned=False,
        caps=HANDLE,
        form="PartyForm",
        done=_("Party added."),
        inline=False,
        api=None,
    ),
    "mediator": Move(
        _("Set the mediator"),
        _NOT_FINAL,
        service="dispute_set_mediator",
        params=(Param("mediator"),),
        caps=HANDLE,
        form="MediatorForm",
        done=_("Mediator set."),
        inline=False,
        api=None,
    ),
    "session": Move(
        _("Record a mediation session"),
        _NOT_FINAL,
        service="mediation_session_add",
        params=(Param("held_on"), Param("attendees"), Param("summary"), Param("agreed")),
        versioned=False,
        caps=HANDLE,
        form="SessionForm",
        done=_("Mediation session recorded."),
        api=None,
    ),
    "agreement": Move(
        _("Record the agreement"),
        _NOT_FINAL,
        service="dispute_record_agreement",
        params=(Param("agreement"),),
        caps=HANDLE,
        form="AgreementForm",
        done=_("Agreement recorded."),
        api=None,
    ),
    "legal_aid": Move(
        _("Refer to legal aid"),
        _NOT_FINAL,
        service="dispute_refer_legal_aid",
        params=(_NOTE,),
        caps=HANDLE,
        when=lambda case: not case.legal_aid_referred,
        form="NoteOnlyForm",
        done=_("Referred to legal aid."),
        danger=True,
        api=None,
    ),
}

# Moves a resident makes from the tracking page (no account), or staff on their behalf.
RESIDENT_MOVES = frozenset({"confirm", "reopen"})


def can_move(action: str, state: str) -> bool:
    move = MOVES.get(action)
    return move is not None and move.sources is not None and state in move.sources
