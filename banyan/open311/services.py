"""Writes through Open311: a client's service request, and the clients' api keys."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.casework.models import Case, CaseCategory, Channel, Open311Key
from banyan.casework.services import case_create
from banyan.casework.services.intake import take_building_slot
from banyan.common.cleaning import clean_text
from banyan.common.coordinates import clean_point
from banyan.common.errors import ValidationFailed
from banyan.common.phone import normalize_phone
from banyan.places.models import Building, Node, NodeKind
from banyan.timeline.services import record

from . import selectors

# A point this close to a building is a report about that building.
BUILDING_RADIUS_M = 150.0


def _place(
    *,
    community: Node,
    address_id: int | None,
    lat: Decimal | None,
    lng: Decimal | None,
) -> tuple[Building | None, Node | None]:
    """Where the request is: address_id is a building id; a point is matched to the
    nearest building within BUILDING_RADIUS_M, else to the grid whose area holds it."""
    if address_id is not None:
        building = selectors.get_building(community=community, pk=address_id)
        if building is None:
            raise ValidationFailed(
                _("address_id is not a building of this jurisdiction."), field="address_id"
            )
        return building, None
    if lat is None or lng is None:
        raise ValidationFailed(
            _(
                "Send lat and long, or address_id (a building id): an address_string alone "
                "cannot be placed."
            ),
            field="lat",
        )
    building = selectors.nearest_building(
        community=community, lat=float(lat), lng=float(lng), radius_m=BUILDING_RADIUS_M
    )
    if building is not None:
        return building, None
    grid = selectors.grid_at(community=community, lat=float(lat), lng=float(lng))
    if grid is None:
        raise ValidationFailed(
            _("This point is in none of the jurisdiction's grids; send address_id instead."),
            field="lat",
        )
    return None, grid


@transaction.atomic
def open311_request_create(
    *,
    key: Open311Key,
    community: Node,
    category: CaseCategory,
    description: str = "",
    lat: str | float | None = None,
    lng: str | float | None = None,
    address_id: int | None = None,
    address_string: str = "",
    phone: str = "",
    first_name: str = "",
    last_name: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """POST requests: a report from an Open311 client, left submitted for the grid to
    accept like one from a QR poster. Counted against the building's daily limit.

    The name and phone are kept for the grid worker and never shown through Open311.
    """
    if key.community_id != community.pk or not key.active:
        raise ValidationFailed(
            _("This api_key is not valid for the jurisdiction."), field="api_key"
        )
    now = now or timezone.now()
    point_lat, point_lng = clean_point(lat, lng, fields=("lat", "long"))
    building, grid = _place(
        community=community, address_id=address_id, lat=point_lat, lng=point_lng
    )
    if (
        category.community_id not in (None, community.pk)
        or not category.public
        or not category.active
    ):
        raise ValidationFailed(_("This service_code is not offered here."), field="service_code")
    written = clean_text(description, "description", max_length=4000)
    phone = normalize_phone(phone, field="phone") if (phone or "").strip() else ""
    # Family name first, as a Chinese name is written.
    name = " ".join(
        p
        for p in (
            clean_text(last_name, "last_name", max_length=25),
            clean_text(first_name, "first_name", max_length=25),
        )
        if p
    )
    address = clean_text(address_string, "address_string", max_length=200)
    if building is not None:
        take_building_slot(building=building, now=now)
    return case_create(
        actor=None,
        category=category,
        description=written or category.name,
        # Only what the resident wrote is published (and staff may correct or hide it).
        public_text=written,
        channel=Channel.OPEN311,
        building=building,
        grid=grid,
        reporter_name=name,
        reporter_phone=phone,
        address=address,
        lat=point_lat,
        lng=point_lng,
        now=now,
    )


@transaction.atomic
def open311_key_issue(
    *, community: Node, name: str, raw: str | None = None
) -> tuple[Open311Key, str]:
    """A new api_key for a client of one community. Returns the key itself once; only its
    SHA-256 is stored, so a lost key is replaced, never recovered. `raw` is for the demo,
    whose published key must be known in advance; real keys are always random."""
    if community.kind != NodeKind.COMMUNITY:
        raise ValidationFailed(_("Choose a community."), field="community")
    name = clean_text(name, "name", required=True, max_length=100)
    raw = raw or secrets.token_urlsafe(32)
    key = Open311Key.objects.create(
        community=community, name=name, key_hash=selectors.hash_key(raw)
    )
    record(
        actor=None,
        community=community,
        verb="open311_key_issued",
        summary=f"Open311 api_key issued to {name}",
        subject=key,
        data={"name": name},
    )
    return key, raw


@transaction.atomic
def open311_key_revoke(*, key: Open311Key) -> Open311Key:
    """Stop a client's key; requests it sent stay."""
    key = Open311Key.objects.select_for_update().get(pk=key.pk)
    if key.active:
        key.active = False
        key.save(update_fields=["active"])
        record(
            actor=None,
            community=key.community,
            verb="open311_key_revoked",
            summary=f"Open311 api_key of {key.name} revoked",
            subject=key,
            data={"name": key.name},
        )
    return key
