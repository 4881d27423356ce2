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
expects, changes it and writes one event; `MOVES` below names it and its form.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.accounts.roles import Cap
from banyan.common.workflow import Step as Move


class TracingState(models.TextChoices):
    OPEN = "open", _("Searching")
    VERIFIED = "verified", _("Found, identity verified")
    RETURNED = "returned", pgettext_lazy("a tracing case's state", "Back in the branch")
    CLOSED = "closed", _("Closed without a return")


_OPEN = frozenset({TracingState.OPEN})
_MANAGE = frozenset({Cap.MANAGE_PARTY})

# The table above with what the pages need of each action: its service, its form (the
# form's fields are the service's keywords). The tracing page, its URLs and their views
# are built from it (party/views.py), so a new action is one row here.
MOVES: dict[str, Move] = {
    "add_lead": Move(
        _("Add a lead"),
        frozenset({TracingState.OPEN, TracingState.VERIFIED}),
        None,
        service="tracing_add_lead",
        form="LeadForm",
        versioned=False,
        caps=_MANAGE,
        api=None,
    ),
    "attempt": Move(
        _("Record an attempt"),
        _OPEN,
        None,
        service="tracing_attempt",
        form="AttemptForm",
        versioned=False,
        caps=_MANAGE,
        api=None,
    ),
    "verify": Move(
        _("Identity verified"),
        _OPEN,
        TracingState.VERIFIED,
        service="tracing_verify",
        form="VerifyForm",
        versioned=False,
        caps=_MANAGE,
        api=None,
    ),
    "return": Move(
        pgettext_lazy("a tracing move", "Back in the branch"),
        frozenset({TracingState.VERIFIED}),
        TracingState.RETURNED,
        service="tracing_return",
        form="ReturnForm",
        versioned=False,
        caps=_MANAGE,
        api=None,
    ),
    "support": Move(
        _("Record support"),
        frozenset({TracingState.VERIFIED, TracingState.RETURNED}),
        None,
        service="tracing_support",
        form="SupportForm",
        versioned=False,
        caps=_MANAGE,
        api=None,
    ),
    "close": Move(
        _("Close without a return"),
        frozenset({TracingState.OPEN, TracingState.VERIFIED}),
        TracingState.CLOSED,
        service="tracing_close",
        form="CloseForm",
        versioned=False,
        caps=_MANAGE,
        api=None,
    ),
}


def can_move(action: str, state: str) -> bool:
    move = MOVES.get(action)
    return move is not None and move.sources is not None and state in move.sources
