"""The tracing of a lost member, as a table: read it to know every legal move.

    action      from              to          what it records
    ----------  ----------------  ----------  -----------------------------------------
    open        (member lost)     open        the member is marked lost (失联) since a date
    add_lead    open, verified    (same)      a lead: former unit, address, relative
    attempt     open              open        a try: date, method, result, reached?
    verify      open              verified    identity checked (needs an attempt that
                                              reached the member)
    return      verified          returned    the date they came back into the branch's
                                              life; the member is "found again"
    support     verified,         (same)      what was done for them (housing, 低保,
                returned                      pension paperwork), optionally a service case
    close       open, verified    closed      the search ends without a return (deceased,
                                              transferred elsewhere); the member stays lost

Each action is one service in `services.py` that locks the case, checks the state it
expects, changes it and writes one event.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TracingState(models.TextChoices):
    OPEN = "open", _("Searching")
    VERIFIED = "verified", _("Found, identity verified")
    RETURNED = "returned", pgettext_lazy("a tracing case's state", "Back in the branch")
    CLOSED = "closed", _("Closed without a return")


@dataclass(frozen=True)
class Move:
    label: object
    sources: frozenset[str]
    target: str | None  # None: the state does not change


_OPEN = frozenset({TracingState.OPEN})
MOVES: dict[str, Move] = {
    "add_lead": Move(_("Add a lead"), frozenset({TracingState.OPEN, TracingState.VERIFIED}), None),
    "attempt": Move(_("Record an attempt"), _OPEN, None),
    "verify": Move(_("Identity verified"), _OPEN, TracingState.VERIFIED),
    "return": Move(
        pgettext_lazy("a tracing move", "Back in the branch"),
        frozenset({TracingState.VERIFIED}),
        TracingState.RETURNED,
    ),
    "support": Move(
        _("Record support"), frozenset({TracingState.VERIFIED, TracingState.RETURNED}), None
    ),
    "close": Move(
        _("Close without a return"),
        frozenset({TracingState.OPEN, TracingState.VERIFIED}),
        TracingState.CLOSED,
    ),
}


def can_move(action: str, state: str) -> bool:
    move = MOVES.get(action)
    return move is not None and state in move.sources
