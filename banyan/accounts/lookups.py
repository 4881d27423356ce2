"""The guard on searches by a full ID number or phone (SECURITY.md 18).

Such a search confirms or denies a guess, so guessing at scale must be slowed, stopped
and reported. The access log is the counter: every admitted or refused search writes a
row (without the number), so the count is the same on every app server and survives a
restart, and the administrator reads the same rows. Writes commit before a refusal is
raised: a refused search stays on record.
"""

from __future__ import annotations

import datetime as dt
import math

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
)
KINDS = {
    "id_number": AccessLog.Action.LOOKUP_ID_NUMBER,
    "phone": AccessLog.Action.LOOKUP_PHONE,
    "phone_tail": AccessLog.Action.LOOKUP_PHONE,
}
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
STOPPED = "stopped"


class LookupRefused(DomainError):
    """Too many searches by ID number or phone: slowed down or stopped for the day."""


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
    refusal: DomainError | None = None
    tell_administrators = False
    now = timezone.now()
    with transaction.atomic():
        recent = AccessLog.objects.filter(
            user_id=actor.pk, action__in=LOOKUPS, at__gt=now - DAY
        ).order_by("-at")
        today = recent.count()
        if today >= settings.BANYAN_LOOKUP_STOP_AFTER:
            tell_administrators = not recent.filter(detail=STOPPED).exists()
            refusal = LookupRefused(
                _(
                    "Too many searches by ID number or phone today: searching by number is "
                    "stopped for a day, and your community's administrator has been told. "
                    "Search by name or address."
                ),
                field="q",
            )
            _write(actor, AccessLog.Action.LOOKUP_REFUSED, detail=STOPPED, ip=ip, via=via)
        else:
            this_hour = recent.filter(at__gt=now - HOUR).count()
            last = recent.values_list("at", flat=True).first()
            wait = dt.timedelta(seconds=settings.BANYAN_LOOKUP_SLOW_SECONDS)
            if this_hour >= settings.BANYAN_LOOKUP_SLOW_AFTER and last and now - last < wait:
                seconds = math.ceil((last + wait - now).total_seconds())
                refusal = LookupRefused(
                    _(
                        "Many searches by ID number or phone in the last hour: wait "
                        "%(n)s seconds before the next one."
                    )
                    % {"n": seconds},
                    field="q",
                )
                _write(actor, AccessLog.Action.LOOKUP_REFUSED, detail="slowed", ip=ip, via=via)
            elif not allowed:
                refusal = ValidationFailed(
                    _(
                        "Your post may not search by a full ID number or phone. Search by "
                        "name, address or the last four digits of a phone."
                    ),
                    field="q",
                )
                _write(actor, AccessLog.Action.LOOKUP_REFUSED, detail="not allowed", ip=ip, via=via)
            else:
                _write(
                    actor,
                    KINDS[kind],
                    detail="" if kind != "phone_tail" else "tail",
                    ip=ip,
                    via=via,
                )
    if tell_administrators:
        _tell(actor, today)
    if refusal is not None:
        raise refusal


def _tell(actor: User, count: int) -> None:
    name = actor.get_full_name() or actor.get_username()  # type: ignore[union-attr]
    text = _(
        "%(name)s (%(username)s) searched by ID number or phone %(n)s times within a day; "
        "further searches by number are refused for a day. The access log lists them."
    ) % {"name": name, "username": actor.get_username(), "n": count}
    alert_administrators(community_ids=_community_ids(actor), text=text, reason="lookup_stopped")
