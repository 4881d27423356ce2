"""The live registry: households, persons, their timelines, and the logged reveal.

What a row shows follows the caller's capabilities *at that row*: the full record
(masked ID number and phone, birth date, categories) needs Cap.VIEW_FULL_RECORD,
sensitive categories need Cap.VIEW_SENSITIVE, and a building head gets the reduced
person schema.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from ninja import Query, Status

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.forms import client_ip
from banyan.places.selectors import (
    get_building_for_user,
    get_compound_for_user,
    get_node_for_user,
)
from banyan.registry import selectors, services
from banyan.registry.models import Person
from banyan.timeline.selectors import household_timeline, person_timeline

from ..auth import actor
from ..pagination import page, page_of
from ..routing import Router
from ..schemas import (
    CategoryOut,
    ErrorOut,
    EventOut,
    HouseholdFilters,
    HouseholdIn,
    HouseholdOut,
    HouseholdPatch,
    Page,
    PageParams,
    PersonBrief,
    PersonFilters,
    PersonIn,
    PersonOut,
    PersonPatch,
    PersonSearchIn,
    RevealIn,
    RevealOut,
)
from ..versions import EDIT, take_version

router = Router(tags=["registry"])

READ = {403: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- shaping rows by the caller's capabilities ---------------------------------------


def _household_row_out(row: dict[str, Any], user: Any) -> dict[str, Any]:
    """A household_rows() row as HouseholdOut (a dict: ninja validates the response once);
    the situation note only for those who see the full record there."""
    caps = get_scope(user).caps_at(
        community_id=row["community_id"], grid_id=row["grid_id"], building_id=row["building_id"]
    )
    return {
        "id": row["id"],
        "version": row["version"],
        "label": selectors.row_label(row),
        "community": row["community_id"],
        "grid": row["grid_id"],
        "building": row["building_id"],
        "compound": row["compound_id"],
        "unit": row["unit"],
        "room": row["room"],
        "address": row["address"],
        "status": row["status"],
        "verified_on": row["verified_on"],
        "member_count": row["member_count"],
        "situation_note": row["situation_note"] if Cap.VIEW_FULL_RECORD in caps else None,
    }


def _person_out(person: Person, caps: frozenset[str]) -> PersonOut | PersonBrief:
    if Cap.VIEW_FULL_RECORD not in caps:
        return PersonBrief(
            id=person.pk,
            name=person.name,
            household=person.household_id,
            relation=person.relation,
            status=person.status,
        )
    sensitive = Cap.VIEW_SENSITIVE in caps
    categories = [
        CategoryOut(
            code=pc.category.code,
            name=pc.category.display_name,
            sensitive=pc.category.sensitive,
            valid_from=pc.valid_from,
            valid_to=pc.valid_to,
            grade=pc.grade,
        )
        for pc in getattr(person, "current_categories", [])
        if sensitive or not pc.category.sensitive
    ]
    return PersonOut(
        id=person.pk,
        version=person.version,
        name=person.name,
        household=person.household_id,
        relation=person.relation,
        status=person.status,
        community=person.community_id,
        grid=person.grid_id,
        gender=person.gender,
        birth_date=person.birth_date,
        age=person.age,
        id_number=person.id_number_masked,
        phone=person.phone_masked,
        residence_type=person.residence_type,
        registered_address=person.registered_address,
        lives_at_registered_address=person.lives_at_registered_address,
        status_since=person.status_since,
        categories=categories,
    )


def _with_categories(user: Any, persons: list[Person]) -> list[Person]:
    """Attach current categories in one query; sensitive rows are fetched only when the
    caller may see them somewhere, and `_person_out` filters them per person."""
    include = get_scope(user).can(Cap.VIEW_SENSITIVE)
    prefetch_related_objects(
        persons, selectors.current_categories_prefetch(include_sensitive=include)
    )
    return persons


def _one_person_out(user: Any, person: Person) -> PersonOut | PersonBrief:
    caps = selectors.caps_for_person(user, person)
    if Cap.VIEW_FULL_RECORD in caps:
        _with_categories(user, [person])
    return _person_out(person, caps)


# --- households ---------------------------------------------------------------------


@router.get("/households", response={200: Page[HouseholdOut], **READ})
def list_households(request: HttpRequest, filters: Query[HouseholdFilters]) -> Any:
    """Active households in your scope."""
    user = actor(request)
    node = get_node_for_user(user, filters.node) if filters.node is not None else None
    compound = (
        get_compound_for_user(user, filters.compound) if filters.compound is not None else None
    )
    building = (
        get_building_for_user(user, filters.building) if filters.building is not None else None
    )
    qs = selectors.household_list(
        user=user,
        node=node,
        compound_id=compound.pk if compound else None,
        building_id=building.pk if building else None,
        q=filters.q,
    )
    rows, count = page_of(selectors.household_rows(user=user, qs=qs), filters)
    return page([_household_row_out(row, user) for row in rows], count)


@router.get("/households/{id}", response={200: HouseholdOut, **READ})
def get_household(request: HttpRequest, id: int) -> Any:
    user = actor(request)
    household = selectors.get_household_for_user(user, id)
    return _household_row_out(selectors.household_row(user=user, household=household), user)


@router.post("/households", response={201: HouseholdOut, **WRITE})
def create_household(request: HttpRequest, payload: HouseholdIn) -> Any:
    user = actor(request)
    data = payload.dict()
    grid = get_node_for_user(user, data.pop("grid"))
    building_id = data.pop("building")
    building = get_building_for_user(user, building_id) if building_id is not None else None
    household = services.household_create(actor=user, grid=grid, building=building, **data)
    row = selectors.household_row(user=user, household=household)
    return Status(201, _household_row_out(row, user))


@router.patch("/households/{id}", response={200: HouseholdOut, **WRITE, **EDIT})
def update_household(request: HttpRequest, id: int, payload: HouseholdPatch) -> Any:
    """Change the fields sent (null empties one); `version` is required."""
    user = actor(request)
    household = selectors.get_household_for_user(user, id)
    changes = payload.dict(exclude_unset=True)
    version = take_version(changes)
    household = services.household_update(
        actor=user,
        household=household,
        version=version,
        **{k: v or "" for k, v in changes.items()},
    )
    return _household_row_out(selectors.household_row(user=user, household=household), user)


@router.get("/households/{id}/timeline", response={200: Page[EventOut], **READ})
def household_events(request: HttpRequest, id: int, params: Query[PageParams]) -> Any:
    """The household's 活档案: events newest first; sensitive ones only for posts that
    may see sensitive data. Needs the full record (not open to building heads)."""
    user = actor(request)
    household = selectors.get_household_for_user(user, id)
    caps = selectors.caps_for_household(user, household)
    if Cap.VIEW_FULL_RECORD not in caps:
        raise PermissionDenied
    # limit=None: the selector's own cap would hide the total; this endpoint pages itself.
    qs = household_timeline(
        household_id=household.pk,
        include_sensitive=Cap.VIEW_SENSITIVE in caps,
        limit=None,
    )
    items, count = page_of(qs, params)
    return page(items, count)


# --- persons ------------------------------------------------------------------------


@router.get("/persons", response={200: Page[PersonOut | PersonBrief], **READ})
def list_persons(request: HttpRequest, filters: Query[PersonFilters]) -> Any:
    """Persons in your scope (living ones unless `status` says otherwise). Building heads
    get the reduced schema: id, name, household, relation, status."""
    user = actor(request)
    node = get_node_for_user(user, filters.node) if filters.node is not None else None
    compound = (
        get_compound_for_user(user, filters.compound) if filters.compound is not None else None
    )
    building = (
        get_building_for_user(user, filters.building) if filters.building is not None else None
    )
    household = (
        selectors.get_household_for_user(user, filters.household)
        if filters.household is not None
        else None
    )
    qs = selectors.person_list(
        user=user,
        node=node,
        compound_id=compound.pk if compound else None,
        building_id=building.pk if building else None,
        household_id=household.pk if household else None,
        q=filters.q,
        status=None if filters.status == "all" else filters.status,
    )
    items, count = page_of(qs, filters)
    _with_categories(user, items)
    return page([_person_out(p, selectors.caps_for_person(user, p)) for p in items], count)


@router.post("/persons/search", response={200: Page[PersonOut | PersonBrief], **WRITE})
def search_persons(request: HttpRequest, payload: PersonSearchIn) -> Any:
    """Search persons with the text in the body, never in the URL: a name, pinyin
    initials, a phone's last four digits, a masked phone, or (for posts that may reveal)
    a whole ID number or phone. A search by number is logged and limited per user: past
    a few an hour each must wait, past the day's limit they are refused (400, field `q`)
    and the community's administrator is told. Scoped and paged like GET /persons."""
    user = actor(request)
    node = get_node_for_user(user, payload.node) if payload.node is not None else None
    compound = (
        get_compound_for_user(user, payload.compound) if payload.compound is not None else None
    )
    building = (
        get_building_for_user(user, payload.building) if payload.building is not None else None
    )
    household = (
        selectors.get_household_for_user(user, payload.household)
        if payload.household is not None
        else None
    )
    query = selectors.parse_search(payload.q)
    services.search_admit(actor=user, query=query, ip=client_ip(request), via="api")
    matching = selectors.search_persons(user=user, query=query)
    qs = selectors.person_list(
        user=user,
        node=node,
        compound_id=compound.pk if compound else None,
        building_id=building.pk if building else None,
        household_id=household.pk if household else None,
        status=None if payload.status == "all" else payload.status,
    ).filter(pk__in=matching.order_by().values("pk"))
    items, count = page_of(qs.order_by("name", "id"), payload)
    _with_categories(user, items)
    return page([_person_out(p, selectors.caps_for_person(user, p)) for p in items], count)


@router.get("/persons/{id}", response={200: PersonOut | PersonBrief, **READ})
def get_person(request: HttpRequest, id: int) -> Any:
    """One person; the view is written to the access log."""
    user = actor(request)
    person = selectors.get_person_for_user(user, id)
    services.person_viewed(actor=user, person=person, ip=client_ip(request), via="api")
    return _one_person_out(user, person)


@router.post("/persons", response={201: PersonOut | PersonBrief, **WRITE})
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    """Add a person to a household: registered at survey time, moved in, or born."""
    user = actor(request)
    data = payload.dict()
    household = selectors.get_household_for_user(user, data.pop("household"))
    person = services.person_add(
        actor=user, household=household, ip=client_ip(request), via="api", **data
    )
    return Status(201, _one_person_out(user, person))


@router.patch("/persons/{id}", response={200: PersonOut | PersonBrief, **WRITE, **EDIT})
def update_person(request: HttpRequest, id: int, payload: PersonPatch) -> Any:
    """Correct a person's details. An empty or absent `id_number` keeps the stored one;
    `version` is required."""
    user = actor(request)
    person = selectors.get_person_for_user(user, id)
    changes = payload.dict(exclude_unset=True)
    version = take_version(changes)
    person = services.person_update(
        actor=user, person=person, version=version, ip=client_ip(request), via="api", **changes
    )
    return _one_person_out(user, person)


@router.post("/persons/{id}/reveal", response={200: RevealOut, 400: ErrorOut, **READ})
def reveal_person_field(request: HttpRequest, id: int, payload: RevealIn) -> Any:
    """The unmasked ID number or phone, for posts that may reveal; every call is logged."""
    user = actor(request)
    person = selectors.get_person_for_user(user, id)
    value = services.person_reveal(
        actor=user, person=person, field=payload.field, ip=client_ip(request), via="api"
    )
    return {"value": value}


@router.get("/persons/{id}/timeline", response={200: Page[EventOut], **READ})
def person_events(request: HttpRequest, id: int, params: Query[PageParams]) -> Any:
    """The person's 活档案, like the household's."""
    user = actor(request)
    person = selectors.get_person_for_user(user, id)
    caps = selectors.caps_for_person(user, person)
    if Cap.VIEW_FULL_RECORD not in caps:
        raise PermissionDenied
    qs = person_timeline(
        person_id=person.pk,
        include_sensitive=Cap.VIEW_SENSITIVE in caps,
        limit=None,
    )
    items, count = page_of(qs, params)
    return page(items, count)
