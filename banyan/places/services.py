"""Every change to the places of the tree (compounds, buildings, facilities): one function
per action, each inside a transaction, checking Cap.MANAGE_PLACES at the object and
writing one event.

Callers load objects through the selectors' access helpers first; the services check
again at the object. Outside the actor's scope is Http404 (never a 403 that confirms
the object exists); in scope without the capability is PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope, require
from banyan.common.cleaning import clean_text
from banyan.common.coordinates import clean_point
from banyan.common.errors import ValidationFailed
from banyan.common.ordering import natural_key
from banyan.registry.models import Person, PersonStatus
from banyan.timeline.services import record
from banyan.timeline.versions import check_version

from .models import Building, Compound, Facility, FacilityKind, Node, NodeKind, PropertyManagement

User = AbstractBaseUser | AnonymousUser

EARLIEST_YEAR = 1800

# What an edit may change; a partial edit keeps the locked row's other values.
COMPOUND_FIELDS = (
    "name",
    "property_management",
    "address",
    "year_built",
    "management_company",
    "lat",
    "lng",
)
BUILDING_FIELDS = ("number", "era", "year_built", "floors", "units", "lat", "lng")
FACILITY_FIELDS = ("node", "kind", "name", "compound", "note", "lat", "lng")


# --- guards -----------------------------------------------------------------------


def _community_id(node: Node) -> int:
    if node.kind == NodeKind.COMMUNITY:
        return node.pk
    if node.community_id is None:  # above the communities: no tenant to manage
        raise ValidationFailed(_("Choose a community or a grid."), field="node")
    return node.community_id


def _require_at_grid(actor: User, grid: Node, building_id: int | None = None) -> None:
    caps = get_scope(actor).caps_at(
        community_id=_community_id(grid), grid_id=grid.pk, building_id=building_id
    )
    require(caps, Cap.MANAGE_PLACES)


def _require_at_node(actor: User, node: Node) -> None:
    """Facilities hang at any node from the community down: a post covers the node when
    the node is in its subtree (building-bound posts cover no node)."""
    require(get_scope(actor).caps_at_node(node), Cap.MANAGE_PLACES)


# --- cleaning -----------------------------------------------------------------------


def _year(value: int | None, field: str = "year_built") -> int | None:
    if value is None:
        return None
    if not EARLIEST_YEAR <= value <= timezone.localdate().year:
        raise ValidationFailed(
            _("Give a year between %(first)s and this year.") % {"first": EARLIEST_YEAR},
            field=field,
        )
    return value


def _count(value: int, field: str, *, maximum: int) -> int:
    if not 1 <= value <= maximum:
        raise ValidationFailed(
            _("Give a number from 1 to %(max)s.") % {"max": maximum}, field=field
        )
    return value


def _place_fields(lat: Decimal | float | None, lng: Decimal | float | None) -> dict[str, Any]:
    point = clean_point(lat, lng)
    return {"lat": point[0], "lng": point[1]}


def _merged(obj: Any, fields: tuple[str, ...], values: dict[str, Any]) -> dict[str, Any]:
    """The locked row's values of `fields`, with the edit's `values` over them."""
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValidationFailed(_("Not a valid choice."), field=unknown[0])
    return {f: values[f] if f in values else getattr(obj, f) for f in fields}


def _apply(obj: Any, values: dict[str, Any]) -> list[str]:
    changed = [f for f, v in values.items() if getattr(obj, f) != v]
    for f in changed:
        setattr(obj, f, values[f])
    if changed:
        obj.save(update_fields=changed)
    return changed


# --- compounds ----------------------------------------------------------------------


def _clean_compound(
    *,
    grid: Node,
    name: str,
    address: str,
    year_built: int | None,
    property_management: str,
    management_company: str,
    lat: Decimal | float | None,
    lng: Decimal | float | None,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    name = clean_text(name, "name", required=True, max_length=100)
    if property_management not in PropertyManagement.values:
        raise ValidationFailed(_("Not a valid choice."), field="property_management")
    company = clean_text(management_company, "management_company", max_length=100)
    if property_management != PropertyManagement.COMPANY:
        company = ""
    clash = Compound.objects.filter(community_id=grid.community_id, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationFailed(
            _("A compound with this name already exists in this community."), field="name"
        )
    return {
        "name": name,
        "address": clean_text(address, "address", max_length=200),
        "year_built": _year(year_built),
        "property_management": property_management,
        "management_company": company,
        **_place_fields(lat, lng),
    }


@transaction.atomic
def compound_create(
    *,
    actor: User,
    grid: Node,
    name: str,
    property_management: str,
    address: str = "",
    year_built: int | None = None,
    management_company: str = "",
    lat: Decimal | float | None = None,
    lng: Decimal | float | None = None,
) -> Compound:
    """Add a compound (小区) to a second-level grid."""
    if grid.kind != NodeKind.GRID_L2:
        _require_at_node(actor, grid)
        raise ValidationFailed(_("A compound belongs to a second-level grid."), field="grid")
    _require_at_grid(actor, grid)
    values = _clean_compound(
        grid=grid,
        name=name,
        address=address,
        year_built=year_built,
        property_management=property_management,
        management_company=management_company,
        lat=lat,
        lng=lng,
    )
    compound = Compound.objects.create(community_id=_community_id(grid), grid=grid, **values)
    record(
        actor=actor,
        community=grid.community,  # type: ignore[arg-type]
        verb="compound_created",
        summary=compound.name,
        subject=compound,
        data={"name": compound.name, "grid": grid.name},
    )
    return compound


@transaction.atomic
def compound_update(
    *, actor: User, compound: Compound, version: int | None, **values: Any
) -> Compound:
    """Correct a compound's details. Its grid stays: moving a compound is a re-survey.

    `version` is the one the edit was based on (StaleEdit when the row moved on);
    `values` (some of COMPOUND_FIELDS) are merged into the locked row.
    """
    _require_at_grid(actor, compound.grid)
    compound = (
        Compound.objects.select_for_update(of=("self",)).select_related("grid").get(pk=compound.pk)
    )
    check_version(compound, version)
    values = _clean_compound(
        grid=compound.grid, exclude_pk=compound.pk, **_merged(compound, COMPOUND_FIELDS, values)
    )
    changed = _apply(compound, values)
    if changed:
        # No template for this verb yet: the timeline shows the summary.
        record(
            actor=actor,
            community=compound.community,
            verb="compound_updated",
            summary=_("Compound %(name)s changed (%(fields)s)")
            % {"name": compound.name, "fields": ", ".join(changed)},
            subject=compound,
            data={"name": compound.name, "fields": ", ".join(changed)},
        )
    return compound


# --- buildings ----------------------------------------------------------------------


def _clean_building(
    *,
    compound: Compound,
    number: str,
    era: str,
    year_built: int | None,
    floors: int,
    units: int,
    lat: Decimal | float | None,
    lng: Decimal | float | None,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    number = clean_text(number, "number", required=True, max_length=32)
    clash = Building.objects.filter(compound=compound, number=number)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationFailed(
            _("A building with this number already exists in this compound."), field="number"
        )
    return {
        "number": number,
        "sort_key": natural_key(number),
        "era": clean_text(era, "era", max_length=50),
        "year_built": _year(year_built),
        "floors": _count(floors, "floors", maximum=200),
        "units": _count(units, "units", maximum=50),
        **_place_fields(lat, lng),
    }


@transaction.atomic
def building_create(
    *,
    actor: User,
    compound: Compound,
    number: str,
    era: str = "",
    year_built: int | None = None,
    floors: int = 1,
    units: int = 1,
    lat: Decimal | float | None = None,
    lng: Decimal | float | None = None,
) -> Building:
    """Add a building (楼栋) to a compound; it lies in the compound's grid."""
    _require_at_grid(actor, compound.grid)
    values = _clean_building(
        compound=compound,
        number=number,
        era=era,
        year_built=year_built,
        floors=floors,
        units=units,
        lat=lat,
        lng=lng,
    )
    building = Building.objects.create(
        community_id=compound.community_id, grid_id=compound.grid_id, compound=compound, **values
    )
    record(
        actor=actor,
        community=compound.community,
        verb="building_created",
        summary=str(building),
        subject=building,
        data={"name": str(building)},
    )
    return building


@transaction.atomic
def building_update(
    *, actor: User, building: Building, version: int | None, **values: Any
) -> Building:
    """Correct a building's details; its compound and grid stay.

    `version` is the one the edit was based on (StaleEdit when the row moved on);
    `values` (some of BUILDING_FIELDS) are merged into the locked row.
    """
    _require_at_grid(actor, building.grid, building.pk)
    building = (
        Building.objects.select_for_update(of=("self",))
        .select_related("compound")
        .get(pk=building.pk)
    )
    check_version(building, version)
    values = _clean_building(
        compound=building.compound,
        exclude_pk=building.pk,
        **_merged(building, BUILDING_FIELDS, values),
    )
    changed = [f for f in _apply(building, values) if f != "sort_key"]
    if changed:
        # No template for this verb yet: the timeline shows the summary.
        record(
            actor=actor,
            community=building.community,
            verb="building_updated",
            summary=_("Building %(name)s changed (%(fields)s)")
            % {"name": str(building), "fields": ", ".join(changed)},
            subject=building,
            data={"name": str(building), "fields": ", ".join(changed)},
        )
    return building


@transaction.atomic
def building_set_head(
    *, actor: User, building: Building, person: Person, occurred_on: dt.date | None = None
) -> Building:
    """Make a resident of the building its building head (楼栋长).

    The person must live in a household of this building. Granting the building-head
    post to a user account is a separate action (accounts).
    """
    _require_at_grid(actor, building.grid, building.pk)
    building = (
        Building.objects.select_for_update(of=("self",))
        .select_related("compound")
        .get(pk=building.pk)
    )
    if person.household.building_id != building.pk or person.status != PersonStatus.LIVING_HERE:
        raise ValidationFailed(
            _("The building head must be a resident living in this building."), field="person"
        )
    if building.head_id == person.pk:
        return building
    building.head = person
    building.save(update_fields=["head"])
    record(
        actor=actor,
        community=building.community,
        verb="building_head_set",
        summary=person.name,
        occurred_on=occurred_on,
        persons=[person],
        subject=building,
        data={"name": person.name, "building": str(building)},
    )
    return building


# --- facilities ---------------------------------------------------------------------


def _facility_kind(kind: FacilityKind | str) -> FacilityKind:
    if isinstance(kind, FacilityKind):
        return kind
    found = FacilityKind.objects.filter(code=kind).first()
    if found is None:
        raise ValidationFailed(_("Not a valid choice."), field="kind")
    return found


def _clean_facility(
    *,
    node: Node,
    compound: Compound | None,
    kind: FacilityKind | str,
    name: str,
    note: str,
    lat: Decimal | float | None,
    lng: Decimal | float | None,
) -> dict[str, Any]:
    if node.kind not in (NodeKind.COMMUNITY, NodeKind.GRID_L1, NodeKind.GRID_L2):
        raise ValidationFailed(_("Choose a community or a grid."), field="node")
    if compound is not None and not compound.grid.path.startswith(node.path):
        raise ValidationFailed(_("This compound is not in the chosen place."), field="compound")
    return {
        "community_id": _community_id(node),
        "node": node,
        "compound": compound,
        "kind": _facility_kind(kind),
        "name": clean_text(name, "name", required=True, max_length=100),
        "note": clean_text(note, "note", max_length=300),
        **_place_fields(lat, lng),
    }


@transaction.atomic
def facility_create(
    *,
    actor: User,
    node: Node,
    kind: FacilityKind | str,
    name: str,
    compound: Compound | None = None,
    note: str = "",
    lat: Decimal | float | None = None,
    lng: Decimal | float | None = None,
) -> Facility:
    """Map a facility (区域设施) at a community or grid node, optionally in a compound."""
    _require_at_node(actor, node)
    values = _clean_facility(
        node=node, compound=compound, kind=kind, name=name, note=note, lat=lat, lng=lng
    )
    facility = Facility.objects.create(**values)
    record(
        actor=actor,
        community=facility.community,
        verb="facility_created",
        summary=facility.name,
        subject=facility,
        data={"name": facility.name, "kind": facility.kind.code},
    )
    return facility


@transaction.atomic
def facility_update(
    *, actor: User, facility: Facility, version: int | None, **values: Any
) -> Facility:
    """Correct a facility, or move it to another node the actor also manages.

    `version` is the one the edit was based on (StaleEdit when the row moved on);
    `values` (some of FACILITY_FIELDS; `node` and `compound` as objects the caller
    loaded through the selectors) are merged into the locked row.
    """
    _require_at_node(actor, facility.node)
    facility = (
        Facility.objects.select_for_update(of=("self",))
        .select_related("node", "compound__grid", "kind")
        .get(pk=facility.pk)
    )
    check_version(facility, version)
    merged = _merged(facility, FACILITY_FIELDS, values)
    if merged["node"].pk != facility.node_id:
        _require_at_node(actor, merged["node"])
    values = _clean_facility(**merged)
    if values["community_id"] != facility.community_id:
        raise ValidationFailed(_("A facility stays in its community."), field="node")
    del values["community_id"]
    changed = _apply(facility, values)
    if changed:
        record(
            actor=actor,
            community=facility.community,
            verb="facility_updated",
            summary=facility.name,
            subject=facility,
            data={"name": facility.name, "fields": ", ".join(changed)},
        )
    return facility
