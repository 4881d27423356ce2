"""Residents without an account: the QR poster's form, the limits that keep it usable, and
the unguessable building tokens the posters link to.

The limits are counted in the database (IntakeCounter), not in a process's memory, so
every app server behind the load balancer counts the same. Each count is one
conditional UPDATE (`count < limit`) on a row made unique by (key, window): two
submissions at once can never both take the last slot.

A submission's slots are committed before its photo is decoded, in a transaction of
their own: a photo that fails to decode (the costly part) does not give its slot back,
so a flood of bad photos stops at the limit like any other. What is cheap to check (the
category, the text, the phone) is checked before, so a typo costs no slot; a refusal by
either limit takes neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope, require
from banyan.common.cleaning import clean_text
from banyan.common.errors import DomainError, ValidationFailed
from banyan.common.phone import normalize_phone
from banyan.places.models import Building
from banyan.timeline.services import record

from ..models import BuildingIntake, Case, CaseCategory, Channel, IntakeCounter, new_intake_token
from .cases import case_create

# Counters older than this are of no use to any window; they are pruned after commit.
_KEEP = dt.timedelta(days=2)


class IntakeLimited(DomainError):
    """Too many reports from one client or for one building; the edge answers 429."""


# --- rate limits ----------------------------------------------------------------------------


def client_key_for(address: str | None) -> str:
    """The key a client is counted under: a keyed hash of its address, so the counter
    table never holds an IP address. IPv6 clients count per /64 (one household's
    router hands out many addresses from one prefix)."""
    raw = (address or "").strip()
    try:
        ip = ipaddress.ip_address(raw)
        if ip.version == 6:
            raw = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    except ValueError:
        raw = raw or "unknown"
    digest = hmac.new(settings.SECRET_KEY.encode(), raw.encode(), hashlib.sha256).hexdigest()
    return "client:" + digest[:32]


def _hour_window(now: dt.datetime) -> dt.datetime:
    return now.replace(minute=0, second=0, microsecond=0)


def _day_window(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _prune(before: dt.datetime) -> None:
    IntakeCounter.objects.filter(window_start__lt=before).delete()


def _take(key: str, window_start: dt.datetime, limit: int, now: dt.datetime) -> bool:
    """Count one submission under `key` in its window; False when the window is full.
    Runs inside the caller's transaction."""
    counter, created = IntakeCounter.objects.get_or_create(key=key, window_start=window_start)
    if created:
        transaction.on_commit(lambda: _prune(now - _KEEP))
    # Conditional and atomic: the database re-checks `count < limit` on the row it
    # updates, so concurrent submissions queue on the row lock and the last slot is
    # taken once.
    taken = IntakeCounter.objects.filter(pk=counter.pk, count__lt=limit).update(
        count=F("count") + 1
    )
    return taken == 1


def take_client_slot(*, client_key: str, now: dt.datetime) -> None:
    """One report from this client this hour, or IntakeLimited."""
    limit = settings.BANYAN_INTAKE_PER_CLIENT_HOUR
    if not _take(client_key, _hour_window(now), limit, now):
        raise IntakeLimited(
            _(
                "You have sent %(n)s reports in the last hour, the most we accept from one "
                "phone or network. Please try again later, or call your grid worker."
            )
            % {"n": limit}
        )


def take_building_slot(*, building: Building, now: dt.datetime) -> None:
    """One report for this building today, or IntakeLimited."""
    limit = settings.BANYAN_INTAKE_PER_BUILDING_DAY
    if not _take(f"building:{building.pk}", _day_window(now), limit, now):
        raise IntakeLimited(
            _(
                "This building has sent %(n)s reports today, the most we accept in a day. "
                "The grid already knows; please try again tomorrow or call your grid worker."
            )
            % {"n": limit}
        )


# --- tracking codes -------------------------------------------------------------------------


def _track_key(client_key: str) -> str:
    return f"track-{client_key}"


def check_tracking_allowed(*, client_key: str, now: dt.datetime | None = None) -> None:
    """IntakeLimited when this client has already typed BANYAN_TRACK_MISSES_PER_CLIENT_HOUR
    codes that name no report this hour: a code is unguessable, and stays so when
    nobody can try codes by the thousand. A read: counting is `tracking_miss`."""
    now = now or timezone.now()
    limit = settings.BANYAN_TRACK_MISSES_PER_CLIENT_HOUR
    count = (
        IntakeCounter.objects.filter(key=_track_key(client_key), window_start=_hour_window(now))
        .values_list("count", flat=True)
        .first()
    )
    if count is not None and count >= limit:
        raise IntakeLimited(
            _(
                "Too many codes that match no report from this phone or network. Please try "
                "again in an hour, or ask your grid worker for the code."
            )
        )


@transaction.atomic
def tracking_miss(*, client_key: str, now: dt.datetime | None = None) -> None:
    """Count one code that named no report (see check_tracking_allowed)."""
    now = now or timezone.now()
    _take(_track_key(client_key), _hour_window(now), 2**31 - 1, now)


# --- the QR form ----------------------------------------------------------------------------


def check_public_category(*, building: Building, category: CaseCategory) -> None:
    """A category residents may choose for this building's community."""
    if (
        category.community_id not in (None, building.community_id)
        or not category.public
        or not category.active
    ):
        raise ValidationFailed(_("Not a valid choice."), field="category")


@transaction.atomic(durable=True)
def take_intake_slots(*, client_key: str, building: Building, now: dt.datetime) -> None:
    """The client's hourly and the building's daily slot, both or neither, committed on
    return: durable, so no caller's transaction can roll them back with a later failure."""
    take_client_slot(client_key=client_key, now=now)
    take_building_slot(building=building, now=now)


def intake_submit(
    *,
    building: Building,
    category: CaseCategory,
    description: str,
    phone: str = "",
    photo: UploadedFile | None = None,
    client_key: str,
    where: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """A resident's report from a building's QR poster: counted against the client's
    hourly and the building's daily limit, then recorded as a submitted case for the
    grid to accept. Raises IntakeLimited (nothing written) past either limit.

    Cheap checks run before the limits, so a typo costs the resident no slot; the
    photo is decoded only after the slots are committed, so a flood cannot make us
    decode more images than the limits allow. Called outside any transaction (the
    slots commit on their own, the case in case_create's).
    """
    now = now or timezone.now()
    check_public_category(building=building, category=category)
    description = clean_text(description, "description", required=True, max_length=2000)
    where = clean_text(where, "where", max_length=100)
    phone = normalize_phone(phone, field="phone") if (phone or "").strip() else ""
    take_intake_slots(client_key=client_key, building=building, now=now)
    return case_create(
        actor=None,
        category=category,
        description=description,
        # The resident wrote it for the public form: it is the case's public text too,
        # which staff may correct or hide (services.public_text).
        public_text=description,
        channel=Channel.QR,
        building=building,
        reporter_phone=phone,
        address=where,
        photos=[photo] if photo is not None else [],
        now=now,
    )


# --- poster tokens --------------------------------------------------------------------------


def building_intake_token(*, building: Building) -> str:
    """The building's poster token, made on first use. Callers have loaded the building
    through the user's scope; making the token changes nothing anyone can see."""
    intake, _created = BuildingIntake.objects.get_or_create(building=building)
    return intake.token


def building_intake_tokens(*, buildings: Iterable[Building]) -> dict[int, str]:
    """Tokens for many buildings at once (the print-all page), made where missing."""
    ids = [b.pk for b in buildings]
    tokens = dict(
        BuildingIntake.objects.filter(building_id__in=ids).values_list("building_id", "token")
    )
    missing = [BuildingIntake(building_id=pk) for pk in ids if pk not in tokens]
    if missing:
        # Two people printing at once: the second insert yields to the first.
        BuildingIntake.objects.bulk_create(missing, ignore_conflicts=True)
        tokens = dict(
            BuildingIntake.objects.filter(building_id__in=ids).values_list("building_id", "token")
        )
    return tokens


@transaction.atomic
def building_intake_rotate(*, actor: AbstractBaseUser | AnonymousUser, building: Building) -> str:
    """Give the building a new poster link (a poster was defaced, or its link is being
    abused): every poster printed before stops working."""
    caps = get_scope(actor).caps_at(
        community_id=building.community_id, grid_id=building.grid_id, building_id=building.pk
    )
    require(caps, Cap.MANAGE_PLACES)
    intake, _created = BuildingIntake.objects.select_for_update().get_or_create(building=building)
    intake.token = new_intake_token()
    intake.created_at = timezone.now()
    intake.save(update_fields=["token", "created_at"])
    record(
        actor=actor,
        community=building.community,
        verb="intake_link_renewed",
        summary=f"New QR poster link for {building}",
        subject=building,
        data={"building": str(building)},
    )
    return intake.token
