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
(under a row lock), changes it and writes one event.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


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


@dataclass(frozen=True)
class Move:
    label: object  # lazily translated verb shown on buttons
    sources: frozenset[str]
    target: str | None  # None: decided by the service (resume returns to the state before)


MOVES: dict[str, Move] = {
    "accept": Move(_("Accept"), frozenset({State.SUBMITTED}), State.ACCEPTED),
    "reject": Move(_("Reject"), frozenset({State.SUBMITTED, State.ACCEPTED}), State.REJECTED),
    "mark_duplicate": Move(
        _("Mark as duplicate"), frozenset({State.SUBMITTED, State.ACCEPTED}), State.DUPLICATE
    ),
    "assign": Move(
        _("Route / assign"),
        frozenset({State.ACCEPTED, State.ASSIGNED, State.REOPENED, State.ESCALATED}),
        State.ASSIGNED,
    ),
    "hand_off": Move(
        _("Hand off to another grid"),
        frozenset({State.ACCEPTED, State.ASSIGNED, State.REOPENED, State.ESCALATED}),
        State.ACCEPTED,
    ),
    "start": Move(_("Start work"), frozenset({State.ASSIGNED}), State.IN_PROGRESS),
    "resolve": Move(
        _("Mark resolved"), frozenset({State.ASSIGNED, State.IN_PROGRESS}), State.RESOLVED
    ),
    "suspend": Move(_("Suspend"), _WORKING, State.SUSPENDED),
    "resume": Move(_("Resume"), frozenset({State.SUSPENDED}), None),
    "escalate": Move(_("Escalate to the committee"), _WORKING, State.ESCALATED),
    "confirm": Move(_("Confirm it is fixed"), frozenset({State.RESOLVED}), State.CLOSED),
    "reopen": Move(
        _("Not fixed: reopen"), frozenset({State.RESOLVED, State.CLOSED}), State.REOPENED
    ),
    "auto_close": Move(_("Close without objection"), frozenset({State.RESOLVED}), State.CLOSED),
    "close": Move(_("Close"), frozenset({State.ESCALATED, State.RESOLVED}), State.CLOSED),
}

# Moves a resident makes from the tracking page (no account), or staff on their behalf.
RESIDENT_MOVES = frozenset({"confirm", "reopen"})


def can_move(action: str, state: str) -> bool:
    move = MOVES.get(action)
    return move is not None and state in move.sources
