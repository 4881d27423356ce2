"""The guard on searches by a full ID number or phone, and on ID numbers entered for a
person (SECURITY.md 18).

Such a search confirms or denies a guess, and so does the register's answer that a number
entered for a person is already taken; guessing at scale must be slowed, stopped and
reported. The access log is the counter: every admitted or refused check writes a row
(without the number), so the count is the same on every app server and survives a
restart, and the administrator reads the same rows. Writes commit before a refusal is
raised: a refused check stays on record.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.common.errors import DomainError, ValidationFailed

from .alerts import alert_administrators
from .models import AccessLog, Post

User = AbstractBaseUser | AnonymousUser

LOOKUPS = (
    AccessLog.Action.LOOKUP_ID_NUMBER,
    AccessLog.Action.LOOKUP_PHONE,
    AccessLog.Action.LOOKUP_REFUSED,
    AccessLog.Action.ENTER_ID_NUMBER,
)
KINDS = {
    "id_number": AccessLog.Action.LOOKUP_ID_NUMBER,
    "phone": AccessLog.Action.LOOKUP_PHONE,
    "phone_tail": AccessLog.Action.LOOKUP_PHONE,
}
# Checks of a number that are not searches: an ID number entered for a person.
ENTRIES = frozenset({"id_number_entry"})
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
STOPPED = "stopped"


class LookupRefused(DomainError):
    """Too many checks of ID numbers or phones: slowed down or stopped for the day."""


def _write(actor: User, action: str, *, detail: str, ip: str | None, via: str) -> None:
    assert actor.pk is not None
    AccessLog.objects.create(user_id=actor.pk, action=action, detail=detail, ip=ip or None, via=via)


def _community_ids(actor: User) -> list[int]:
    assert actor.pk is not None
    return sorted(
        {
            c
            for c in Post.objects.filter(user_id=actor.pk).values_list("community_id", flat=True)
            if c is not None
        }
    )


def _refusal(
    actor: User, *, kind: str, allowed: bool, ip: str | None, via: str
) -> tuple[DomainError | None, bool, int]:
    """Inside a transaction: whether this check of a number must be refused (the refusal,
    with its access-log row written), whether the administrators are to be told, and how
    many checks the user made today."""
    assert actor.pk is not None
    entering = kind in ENTRIES
    field = "id_number" if entering else "q"
    now = timezone.now()
    recent = AccessLog.objects.filter(
        user_id=actor.pk, action__in=LOOKUPS, at__gt=now - DAY
    ).order_by("-at")
    today = recent.count()
    if today >= settings.BANYAN_LOOKUP_STOP_AFTER:
        tell = not recent.filter(detail=STOPPED).exists()
        _write(actor, AccessLog.Action.LOOKUP_REFUSED, detail=STOPPED, ip=ip, via=via)
        if entering:
            message = _(
                "Too many ID numbers checked today (searches by number, and numbers entered "
                "for a person): entering or searching by ID number is stopped for a day, "
                "and your community's administrator has been told."
            )
        else:
            message = _(
                "Too many searches by ID number or phone today: searching by number is "
                "stopped for a day, and your community's administrator has been told. "
                "Search by name or address."
            )
        return LookupRefused(message, field=field), tell, today
    this_hour = recent.filter(at__gt=now - HOUR).count()
    last = recent.values_list("at", flat=True).first()
    wait = dt.timedelta(seconds=settings.BANYAN_LOOKUP_SLOW_SECONDS)
    if this_hour >= settings.BANYAN_LOOKUP_SLOW_AFTER and last and now - last < wait:
        seconds = math.ceil((last + wait - now).total_seconds())
        _write(actor, AccessLog.Action.LOOKUP_REFUSED, detail="slowed", ip=ip, via=via)
        if entering:
            message = _(
                "Many ID numbers checked in the last hour (searches by number, and numbers "
                "entered for a person): wait %(n)s seconds, then save again."
            ) % {"n": seconds}
        else:
            message = _(
                "Many searches by ID number or phone in the last hour: wait "
                "%(n)s seconds before the next one."
            ) % {"n": seconds}
        return LookupRefused(message, field=field), False, today
    if not allowed:
        _write(actor, AccessLog.Action.LOOKUP_REFUSED, detail="not allowed", ip=ip, via=via)
        refusal = ValidationFailed(
            _(
                "Your post may not search by a full ID number or phone. Search by "
                "name, address or the last four digits of a phone."
            ),
            field=field,
        )
        return refusal, False, today
    return None, False, today


def _raise_if_refused(actor: User, refusal: DomainError | None, tell: bool, today: int) -> None:
    # After the transaction: the refused check stays on record whatever the caller does.
    if tell:
        _tell(actor, today)
    if refusal is not None:
        raise refusal


def identifier_lookup(
    *, actor: User, kind: str, allowed: bool, ip: str | None, via: str = "web"
) -> None:
    """Admit one search by a full ID number or phone (`kind` "id_number", "phone", or
    "phone_tail" for a partial number longer than the visible tail), or raise.

    `allowed` says whether the post may search by such numbers at all (Cap.REVEAL_PII
    somewhere); a search that is not allowed is refused and counted like any other. Past
    the hourly threshold a search must wait BANYAN_LOOKUP_SLOW_SECONDS after the last
    one; past the daily one every search is refused and the administrators of the
    user's communities are told once (inbox, server log). Each attempt, admitted or
    refused, writes one access-log row without the number.
    """
    if actor.pk is None:
        raise ValidationFailed(_("Sign in to search."), field="q")
    with transaction.atomic():
        refusal, tell, today = _refusal(actor, kind=kind, allowed=allowed, ip=ip, via=via)
        if refusal is None:
            _write(
                actor, KINDS[kind], detail="" if kind != "phone_tail" else "tail", ip=ip, via=via
            )
    _raise_if_refused(actor, refusal, tell, today)


class NumberTaken(ValidationFailed):
    """The ID number entered for a person is already registered in the community."""


ALREADY_REGISTERED = "already registered"


class Entry:
    """An ID number entered, admitted by the guard: the service calls `check()` as it
    asks the register whether the number is taken."""

    checked = False

    def check(self) -> None:
        self.checked = True


@contextmanager
def id_number_entered(*, actor: User, ip: str | None, via: str = "web") -> Iterator[Entry]:
    """Guard the check of an ID number entered for a person (added, or given a new number)
    against the community's register, which must say whether the number is taken.

    That answer confirms a guess as a search does, and reaches further: the whole
    community, not the user's scope. So it passes the same guard and counts in the same
    tally: slowed, then stopped (LookupRefused on `id_number`, before anything is
    checked), and reported. Every check counts, taken or not: were only the numbers found
    taken counted, guessing would cost nothing until the one right guess. The row is
    written after the body, when it reached the check (`Entry.check`; detail "already
    registered" when it raised NumberTaken), in a transaction of its own, so that it stays
    when the body's rolls back; input refused before the check costs nothing.
    """
    if actor.pk is None:
        raise ValidationFailed(_("Sign in first."), field="id_number")
    with transaction.atomic():
        refusal, tell, today = _refusal(actor, kind="id_number_entry", allowed=True, ip=ip, via=via)
    _raise_if_refused(actor, refusal, tell, today)
    entry = Entry()
    detail = ""
    try:
        yield entry
    except NumberTaken:
        detail = ALREADY_REGISTERED
        raise
    finally:
        if entry.checked:
            with transaction.atomic():
                _write(actor, AccessLog.Action.ENTER_ID_NUMBER, detail=detail, ip=ip, via=via)


def _tell(actor: User, count: int) -> None:
    name = actor.get_full_name() or actor.get_username()  # type: ignore[union-attr]
    text = _(
        "%(name)s (%(username)s) checked ID numbers or phones %(n)s times within a day "
        "(searches by number, and ID numbers entered for a person); further checks are "
        "refused for a day. The access log lists them."
    ) % {"name": name, "username": actor.get_username(), "n": count}
    alert_administrators(community_ids=_community_ids(actor), text=text, reason="lookup_stopped")
