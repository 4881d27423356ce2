"""Every change to the registry: one function per action, each inside a transaction,
each checking the state it expects and writing one event (the 活档案 timeline).

Callers load objects through the selectors' access helpers first; services check
the capability again at the object, so no path can skip it.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.lookups import Entry, NumberTaken, id_number_entered, identifier_lookup
from banyan.accounts.models import AccessLog
from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope, require
from banyan.common import crypto
from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.common.idnumber import birth_date_of, gender_of, normalize_id_number
from banyan.common.masking import mask_id_number
from banyan.common.ordering import household_sort_key
from banyan.common.phone import normalize_phone
from banyan.common.pinyin import name_initials
from banyan.places.models import Building, Node, NodeKind
from banyan.timeline.services import record
from banyan.timeline.versions import check_version

from .models import (
    Category,
    Gender,
    Household,
    HouseholdStatus,
    Person,
    PersonCategory,
    PersonStatus,
    Relation,
    ResidenceType,
)
from .selectors import SearchQuery

User = AbstractBaseUser | AnonymousUser

HOUSEHOLD_FIELDS = ("unit", "room", "address", "situation_note")

PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "relation",
    "residence_type",
    "registered_address",
    "lives_at_registered_address",
)


# --- guards -----------------------------------------------------------------------


def _require(
    actor: User, cap: str, *, community_id: int, grid_id: int | None, building_id: int | None
) -> None:
    require(
        get_scope(actor).caps_at(
            community_id=community_id, grid_id=grid_id, building_id=building_id
        ),
        cap,
    )


def _require_household(actor: User, household: Household, cap: str = Cap.EDIT_REGISTRY) -> None:
    _require(
        actor,
        cap,
        community_id=household.community_id,
        grid_id=household.grid_id,
        building_id=household.building_id,
    )


def _today() -> dt.date:
    return timezone.localdate()


def _check_date(value: dt.date | None, field: str, *, not_before: dt.date | None = None) -> dt.date:
    if value is None:
        raise ValidationFailed(_("This date is required."), field=field)
    if value > _today():
        raise ValidationFailed(_("This date is in the future."), field=field)
    if not_before is not None and value < not_before:
        raise ValidationFailed(
            _("This date is before %(date)s.") % {"date": not_before.isoformat()}, field=field
        )
    return value


def _lock_person(person: Person) -> Person:
    return (
        Person.objects.select_for_update(of=("self",)).select_related("household").get(pk=person.pk)
    )


def _lock_household(household: Household) -> Household:
    return Household.objects.select_for_update().get(pk=household.pk)


# --- households ---------------------------------------------------------------------


def _place(grid: Node, building: Building | None, unit: str, room: str, address: str) -> dict:
    if grid.kind != NodeKind.GRID_L2:
        raise ValidationFailed(_("A household belongs to a second-level grid."), field="grid")
    unit = clean_text(unit, "unit", max_length=16)
    room = clean_text(room, "room", max_length=16)
    address = clean_text(address, "address")
    if building is not None:
        if building.grid_id != grid.pk:
            raise ValidationFailed(_("This building is not in the chosen grid."), field="building")
        if not room:
            raise ValidationFailed(_("Give the room number in the building."), field="room")
    elif not address:
        raise ValidationFailed(
            _("Give a building and room, or an address for a home outside any compound."),
            field="address",
        )
    return {
        "grid": grid,
        "building": building,
        "unit": unit,
        "room": room,
        "address": address,
        "sort_key": household_sort_key(unit=unit, room=room, address=address),
    }


def _ensure_room_free(place: dict, *, exclude_pk: int | None = None) -> None:
    if place["building"] is None:
        return
    taken = Household.objects.filter(
        building=place["building"],
        unit=place["unit"],
        room=place["room"],
        status=HouseholdStatus.ACTIVE,
    )
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationFailed(_("A household is already registered in this room."), field="room")


@transaction.atomic
def household_create(
    *,
    actor: User,
    grid: Node,
    building: Building | None = None,
    unit: str = "",
    room: str = "",
    address: str = "",
    situation_note: str = "",
    occurred_on: dt.date | None = None,
) -> Household:
    """Register a household in a room of a building, or at a free address in the grid."""
    if grid.community_id is None or grid.kind != NodeKind.GRID_L2:
        raise ValidationFailed(_("A household belongs to a second-level grid."), field="grid")
    _require(
        actor,
        Cap.EDIT_REGISTRY,
        community_id=grid.community_id,
        grid_id=grid.pk,
        building_id=building.pk if building else None,
    )
    place = _place(grid, building, unit, room, address)
    _ensure_room_free(place)
    household = Household.objects.create(
        community_id=grid.community_id,
        situation_note=clean_text(situation_note, "situation_note", max_length=2000),
        **place,
    )
    record(
        actor=actor,
        community=household.community,
        verb="household_created",
        summary=household.label,
        occurred_on=occurred_on or _today(),
        households=[household],
        subject=household,
        data={"label": household.label},
    )
    return household


@transaction.atomic
def household_update(
    *, actor: User, household: Household, version: int | None, **values: str
) -> Household:
    """Correct where a household is recorded, or its situation note.

    `version` is the one the edit was based on (StaleEdit when the row moved on; None
    only for callers that did not show the row). `values` may hold some of
    HOUSEHOLD_FIELDS: the others keep the locked row's values, so a patch is applied to
    the row as it is now, never to a copy read before the lock.
    """
    _require_household(actor, household)
    household = _lock_household(household)
    check_version(household, version)
    unknown = sorted(set(values) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise ValidationFailed(_("Not a valid choice."), field=unknown[0])
    merged = {f: values.get(f, getattr(household, f)) for f in HOUSEHOLD_FIELDS}
    place = _place(
        household.grid, household.building, merged["unit"], merged["room"], merged["address"]
    )
    _ensure_room_free(place, exclude_pk=household.pk)
    changes = {
        "unit": place["unit"],
        "room": place["room"],
        "address": place["address"],
        "sort_key": place["sort_key"],
        "situation_note": clean_text(merged["situation_note"], "situation_note", max_length=2000),
    }
    saved = [f for f, v in changes.items() if getattr(household, f) != v]
    changed = [f for f in saved if f != "sort_key"]
    if not changed:
        return household
    for f in saved:
        setattr(household, f, changes[f])
    household.save(update_fields=saved)
    record(
        actor=actor,
        community=household.community,
        verb="household_updated",
        summary=household.label,
        households=[household],
        subject=household,
        data={"fields": ", ".join(changed)},
    )
    return household


@transaction.atomic
def household_verify(
    *, actor: User, household: Household, occurred_on: dt.date | None = None
) -> Household:
    """Record that the household's situation was checked at the door (家庭情况清)."""
    _require_household(actor, household)
    household = _lock_household(household)
    household.verified_on = _check_date(occurred_on or _today(), "occurred_on")
    household.save(update_fields=["verified_on"])
    record(
        actor=actor,
        community=household.community,
        verb="household_verified",
        summary=household.label,
        occurred_on=household.verified_on,
        households=[household],
        subject=household,
        data={},
    )
    return household


# --- persons ------------------------------------------------------------------------


def _number_taken() -> NumberTaken:
    # Whoever holds the number may live outside the user's scope: the answer says that the
    # number is taken and nothing of whom or where (SECURITY.md 18).
    return NumberTaken(
        _(
            "A person with this ID number is already registered in this community. If you "
            "cannot find them, ask your community's administrator."
        ),
        field="id_number",
    )


def _id_number_guard(
    actor: User, raw: Any, *, person: Person | None, ip: str | None, via: str
) -> AbstractContextManager[Entry | None]:
    """The lookup guard around a service that checks an ID number entered for a person
    against the community's register (accounts.lookups.id_number_entered): nothing when
    no number, a malformed one (refused before any check) or the person's own is given."""
    raw = raw.strip() if isinstance(raw, str) else ""
    if not raw:
        return nullcontext()
    try:
        number = normalize_id_number(raw)
    except ValidationFailed:
        return nullcontext()
    if person is not None and person.id_number_hash in crypto.lookup_hashes(number):
        return nullcontext()
    return id_number_entered(actor=actor, ip=ip, via=via)


def _clean_person(
    values: dict[str, Any],
    *,
    community_id: int,
    exclude_pk: int | None,
    entry: Entry | None = None,
) -> dict:
    """Validate person fields; derive and check what the ID number implies."""
    out: dict[str, Any] = {}
    out["name"] = clean_text(values.get("name"), "name", required=True, max_length=50)
    out["name_initials"] = name_initials(out["name"])
    out["gender"] = clean_choice(values.get("gender") or "", Gender, "gender")
    out["relation"] = clean_choice(values.get("relation") or "", Relation, "relation")
    out["residence_type"] = clean_choice(
        values.get("residence_type") or "", ResidenceType, "residence_type"
    )
    out["registered_address"] = clean_text(values.get("registered_address"), "registered_address")
    out["lives_at_registered_address"] = bool(values.get("lives_at_registered_address", True))
    birth = values.get("birth_date")
    if birth is None:
        raise ValidationFailed(_("This date is required."), field="birth_date")
    if birth > _today():
        raise ValidationFailed(_("This date is in the future."), field="birth_date")
    out["birth_date"] = birth
    phone = (values.get("phone") or "").strip()
    out["phone"] = normalize_phone(phone) if phone else ""
    raw_id = (values.get("id_number") or "").strip()
    if raw_id:
        id_number = normalize_id_number(raw_id)
        if birth_date_of(id_number) != birth:
            raise ValidationFailed(
                _("The birth date does not match the one in the ID number."), field="birth_date"
            )
        if gender_of(id_number) != out["gender"]:
            raise ValidationFailed(
                _("The gender does not match the one in the ID number."), field="gender"
            )
        digest = crypto.lookup_hash(id_number)
        if entry is not None:
            entry.check()  # the register answers now: the guard counts it
        clash = Person.objects.filter(
            community_id=community_id, id_number_hash__in=crypto.lookup_hashes(id_number)
        )
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            raise _number_taken()
        out["id_number_hash"] = digest
        out["id_number_encrypted"] = crypto.encrypt(id_number)
        out["id_number_masked"] = mask_id_number(id_number)
    return out


ADD_REASONS = {
    "registered": "person_registered",
    "moved_in": "person_moved_in",
    "born": "person_born",
}


def person_add(
    *,
    actor: User,
    household: Household,
    reason: str = "registered",
    occurred_on: dt.date | None = None,
    on_behalf_of: str = "",
    ip: str | None = None,
    via: str = "web",
    **values: Any,
) -> Person:
    """Add a person to a household: registered at survey time, moved in, or born.

    A birth is dated on the birth date; the ID number is optional (newborns,
    floating residents who have not shown one) but checked when given, and that check
    passes the lookup guard (`ip` and `via` go to its access-log row).
    """
    if reason not in ADD_REASONS:
        raise ValidationFailed(_("Not a valid choice."), field="reason")
    _require_household(actor, household)
    with _id_number_guard(actor, values.get("id_number"), person=None, ip=ip, via=via) as entry:
        return _person_add(
            actor=actor,
            household=household,
            reason=reason,
            occurred_on=occurred_on,
            on_behalf_of=on_behalf_of,
            entry=entry,
            **values,
        )


@transaction.atomic
def _person_add(
    *,
    actor: User,
    household: Household,
    reason: str,
    occurred_on: dt.date | None,
    on_behalf_of: str,
    entry: Entry | None,
    **values: Any,
) -> Person:
    _require_household(actor, household)
    household = _lock_household(household)
    if household.status != HouseholdStatus.ACTIVE:
        raise InvalidTransition(_("This household has been dissolved."), field="household")
    clean = _clean_person(values, community_id=household.community_id, exclude_pk=None, entry=entry)
    if reason == "born":
        occurred_on = clean["birth_date"]
    occurred_on = _check_date(occurred_on or _today(), "occurred_on")
    try:
        with transaction.atomic():
            person = Person.objects.create(
                community_id=household.community_id,
                grid_id=household.grid_id,
                household=household,
                status=PersonStatus.LIVING_HERE,
                status_since=occurred_on,
                **clean,
            )
    except IntegrityError:  # a concurrent registration of the same ID number won
        raise _number_taken() from None
    record(
        actor=actor,
        community=household.community,
        verb=ADD_REASONS[reason],
        summary=person.name,
        occurred_on=occurred_on,
        persons=[person],
        subject=person,
        on_behalf_of=on_behalf_of,
        data={"name": person.name},
    )
    return person


def person_update(
    *,
    actor: User,
    person: Person,
    version: int | None,
    ip: str | None = None,
    via: str = "web",
    **values: Any,
) -> Person:
    """Correct a person's details. An empty ID number keeps the stored one.

    `version` is the one the edit was based on (StaleEdit when the row moved on); the
    given `values` are merged into the locked row, absent ones keep its values. A new
    ID number passes the lookup guard (`ip` and `via` go to its access-log row).
    """
    _require_household(actor, person.household)
    with _id_number_guard(actor, values.get("id_number"), person=person, ip=ip, via=via) as entry:
        return _person_update(actor=actor, person=person, version=version, entry=entry, **values)


@transaction.atomic
def _person_update(
    *, actor: User, person: Person, version: int | None, entry: Entry | None, **values: Any
) -> Person:
    _require_household(actor, person.household)
    person = _lock_person(person)
    check_version(person, version)
    merged = {f: getattr(person, f) for f in PERSON_FIELDS if f != "id_number"}
    merged.update({k: v for k, v in values.items() if k in PERSON_FIELDS})
    clean = _clean_person(
        merged, community_id=person.community_id, exclude_pk=person.pk, entry=entry
    )
    if not (values.get("id_number") or "").strip() and person.id_number_hash:
        # Keep the stored number, but it must still agree with birth date and gender.
        stored = crypto.decrypt(person.id_number_encrypted)
        if birth_date_of(stored) != clean["birth_date"]:
            raise ValidationFailed(
                _("The birth date does not match the one in the ID number."), field="birth_date"
            )
        if gender_of(stored) != clean["gender"]:
            raise ValidationFailed(
                _("The gender does not match the one in the ID number."), field="gender"
            )
    changed = [f for f, v in clean.items() if getattr(person, f) != v]
    if not changed:
        return person
    for f in changed:
        setattr(person, f, clean[f])
    person.save(update_fields=changed)
    shown = sorted(
        {"id_number" if f.startswith("id_number") else f for f in changed} - {"name_initials"}
    )
    record(
        actor=actor,
        community=person.community,
        verb="person_updated",
        summary=person.name,
        persons=[person],
        subject=person,
        data={"name": person.name, "fields": ", ".join(shown)},
    )
    return person


def _require_living(person: Person) -> None:
    if person.status != PersonStatus.LIVING_HERE:
        raise InvalidTransition(
            _("%(name)s is no longer living here.") % {"name": person.name}, field="person"
        )


@transaction.atomic
def person_move(
    *,
    actor: User,
    person: Person,
    to_household: Household,
    occurred_on: dt.date | None = None,
    relation: str | None = None,
) -> Person:
    """Move a living person to another household in the same community."""
    _require_household(actor, person.household)
    _require_household(actor, to_household)
    person = _lock_person(person)
    _require_living(person)
    target = _lock_household(to_household)
    if target.pk == person.household_id:
        raise ValidationFailed(
            _("The person already lives in this household."), field="to_household"
        )
    if target.status != HouseholdStatus.ACTIVE:
        raise InvalidTransition(_("This household has been dissolved."), field="to_household")
    if target.community_id != person.community_id:
        raise ValidationFailed(
            _("A move to another community is a move-out here and a move-in there."),
            field="to_household",
        )
    occurred_on = _check_date(occurred_on or _today(), "occurred_on")
    source = person.household
    person.household = target
    person.grid_id = target.grid_id
    update = ["household", "grid"]
    if relation:
        person.relation = clean_choice(relation, Relation, "relation")
        update.append("relation")
    person.save(update_fields=update)
    record(
        actor=actor,
        community=person.community,
        verb="person_moved",
        summary=person.name,
        occurred_on=occurred_on,
        persons=[person],
        households=[source, target],
        subject=person,
        data={"name": person.name, "from": source.label, "to": target.label},
    )
    return person


@transaction.atomic
def person_move_out(
    *, actor: User, person: Person, occurred_on: dt.date | None = None, destination: str = ""
) -> Person:
    """Record that a person left the community; their record and history stay."""
    _require_household(actor, person.household)
    person = _lock_person(person)
    _require_living(person)
    occurred_on = _check_date(occurred_on or _today(), "occurred_on", not_before=person.birth_date)
    destination = clean_text(destination, "destination")
    person.status = PersonStatus.MOVED_OUT
    person.status_since = occurred_on
    person.save(update_fields=["status", "status_since"])
    record(
        actor=actor,
        community=person.community,
        verb="person_moved_out",
        summary=person.name,
        occurred_on=occurred_on,
        persons=[person],
        subject=person,
        data={"name": person.name, "destination": destination or "—"},
    )
    return person


@transaction.atomic
def person_record_death(
    *, actor: User, person: Person, occurred_on: dt.date | None = None
) -> Person:
    """Record a death. Open categories end on the date of death."""
    _require_household(actor, person.household)
    person = _lock_person(person)
    _require_living(person)
    occurred_on = _check_date(occurred_on, "occurred_on", not_before=person.birth_date)
    person.status = PersonStatus.DECEASED
    person.status_since = occurred_on
    person.save(update_fields=["status", "status_since"])
    PersonCategory.objects.filter(person=person, valid_to__isnull=True).update(valid_to=occurred_on)
    record(
        actor=actor,
        community=person.community,
        verb="person_died",
        summary=person.name,
        occurred_on=occurred_on,
        persons=[person],
        subject=person,
        data={"name": person.name},
    )
    return person


# --- categories ---------------------------------------------------------------------


@transaction.atomic
def category_add(
    *,
    actor: User,
    person: Person,
    category: Category,
    valid_from: dt.date | None,
    valid_to: dt.date | None = None,
    grade: str = "",
    note: str = "",
) -> PersonCategory:
    """Give a person a category from a date (and, for 低保 and the like, until a date)."""
    _require_household(actor, person.household)
    if category.sensitive:
        _require_household(actor, person.household, Cap.VIEW_SENSITIVE)
    if category.community_id not in (None, person.community_id):
        raise ValidationFailed(_("Not a valid choice."), field="category")
    person = _lock_person(person)
    _require_living(person)
    if valid_from is None:
        raise ValidationFailed(_("This date is required."), field="valid_from")
    if valid_from < person.birth_date:
        raise ValidationFailed(_("This date is before the birth date."), field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed(_("The end date is before the start date."), field="valid_to")
    if category.has_validity and valid_to is None:
        raise ValidationFailed(_("This category needs a valid-to date."), field="valid_to")
    grade = clean_text(grade, "grade", max_length=16)
    if category.has_grade and not grade:
        raise ValidationFailed(_("This category needs a grade."), field="grade")
    overlapping = PersonCategory.objects.filter(person=person, category=category).exclude(
        valid_to__lt=valid_from
    )
    if valid_to is not None:
        overlapping = overlapping.filter(valid_from__lte=valid_to)
    if overlapping.exists():
        raise ValidationFailed(
            _("The person already holds this category in that period."), field="category"
        )
    pc = PersonCategory.objects.create(
        community_id=person.community_id,
        person=person,
        category=category,
        valid_from=valid_from,
        valid_to=valid_to,
        grade=grade,
        note=clean_text(note, "note"),
    )
    record(
        actor=actor,
        community=person.community,
        verb="category_added",
        summary=person.name,
        occurred_on=min(valid_from, _today()),
        persons=[person],
        subject=pc,
        sensitive=category.sensitive,
        data={
            "name": person.name,
            # Both names: the timeline shows the reader's (timeline.verbs).
            "category": category.name,
            "category_en": category.name_en,
            "valid_from": valid_from.isoformat(),
        },
    )
    return pc


@transaction.atomic
def category_end(
    *, actor: User, person_category: PersonCategory, valid_to: dt.date | None
) -> PersonCategory:
    """End a category on a date; the row stays as history."""
    person = person_category.person
    _require_household(actor, person.household)
    if person_category.category.sensitive:
        _require_household(actor, person.household, Cap.VIEW_SENSITIVE)
    pc = (
        PersonCategory.objects.select_for_update(of=("self",))
        .select_related("category")
        .get(pk=person_category.pk)
    )
    if valid_to is None:
        raise ValidationFailed(_("This date is required."), field="valid_to")
    if valid_to < pc.valid_from:
        raise ValidationFailed(_("The end date is before the start date."), field="valid_to")
    if pc.valid_to is not None and pc.valid_to <= valid_to:
        raise InvalidTransition(_("This category has already ended."), field="valid_to")
    pc.valid_to = valid_to
    pc.save(update_fields=["valid_to"])
    record(
        actor=actor,
        community=person.community,
        verb="category_ended",
        summary=person.name,
        occurred_on=min(valid_to, _today()),
        persons=[person],
        subject=pc,
        sensitive=pc.category.sensitive,
        data={
            "name": person.name,
            "category": pc.category.name,
            "category_en": pc.category.name_en,
            "valid_to": valid_to.isoformat(),
        },
    )
    return pc


# --- split and merge -------------------------------------------------------------------


@transaction.atomic
def household_split(
    *,
    actor: User,
    household: Household,
    persons: list[Person],
    building: Building | None,
    unit: str = "",
    room: str = "",
    address: str = "",
    occurred_on: dt.date | None = None,
) -> Household:
    """Some members leave to form a new household (分户); the first becomes its head."""
    _require_household(actor, household)
    household = _lock_household(household)
    if not persons:
        raise ValidationFailed(_("Choose at least one member."), field="persons")
    locked = [_lock_person(p) for p in persons]
    for p in locked:
        if p.household_id != household.pk:
            raise ValidationFailed(_("Not a member of this household."), field="persons")
        _require_living(p)
    occurred_on = _check_date(occurred_on or _today(), "occurred_on")
    place = _place(
        household.grid if building is None else building.grid, building, unit, room, address
    )
    _require(
        actor,
        Cap.EDIT_REGISTRY,
        community_id=household.community_id,
        grid_id=place["grid"].pk,
        building_id=building.pk if building else None,
    )
    _ensure_room_free(place)
    new = Household.objects.create(community_id=household.community_id, **place)
    for i, p in enumerate(locked):
        p.household = new
        p.grid_id = new.grid_id
        if i == 0:
            p.relation = Relation.HEAD
        p.save(update_fields=["household", "grid", "relation"])
    record(
        actor=actor,
        community=household.community,
        verb="household_split",
        summary=new.label,
        occurred_on=occurred_on,
        persons=locked,
        households=[household, new],
        subject=new,
        data={"count": len(locked), "label": new.label},
    )
    return new


@transaction.atomic
def household_merge(
    *, actor: User, source: Household, target: Household, occurred_on: dt.date | None = None
) -> Household:
    """Everyone living in `source` joins `target` (合户); `source` is dissolved, not deleted."""
    _require_household(actor, source)
    _require_household(actor, target)
    if source.pk == target.pk:
        raise ValidationFailed(_("Choose another household."), field="target")
    source = _lock_household(source)
    target = _lock_household(target)
    if source.status != HouseholdStatus.ACTIVE or target.status != HouseholdStatus.ACTIVE:
        raise InvalidTransition(_("This household has been dissolved."), field="target")
    occurred_on = _check_date(occurred_on or _today(), "occurred_on")
    movers = list(source.members.select_for_update().filter(status=PersonStatus.LIVING_HERE))
    for p in movers:
        p.household = target
        p.grid_id = target.grid_id
        if p.relation == Relation.HEAD:
            p.relation = Relation.OTHER
        p.save(update_fields=["household", "grid", "relation"])
    source.status = HouseholdStatus.DISSOLVED
    source.save(update_fields=["status"])
    record(
        actor=actor,
        community=source.community,
        verb="household_merged",
        summary=target.label,
        occurred_on=occurred_on,
        persons=movers,
        households=[source, target],
        subject=target,
        data={"label": target.label, "count": len(movers)},
    )
    return target


# --- personal data access ---------------------------------------------------------------


def _log(
    actor: User,
    action: str,
    person: Person | None,
    *,
    ip: str | None,
    via: str,
    detail: str = "",
    community_id: int | None = None,
) -> None:
    assert actor.pk is not None
    AccessLog.objects.create(
        user_id=actor.pk,
        action=action,
        person=person,
        community_id=community_id or (person.community_id if person else None),
        ip=ip or None,
        via=via,
        detail=detail,
    )


def person_viewed(*, actor: User, person: Person, ip: str | None, via: str = "web") -> None:
    """Write the access-log row for opening a person's record."""
    _log(actor, AccessLog.Action.VIEW_PERSON, person, ip=ip, via=via)


@transaction.atomic
def person_reveal(
    *, actor: User, person: Person, field: str, ip: str | None, via: str = "web"
) -> str:
    """Return an unmasked ID number or phone, after checking the post and logging it."""
    _require_household(actor, person.household, Cap.REVEAL_PII)
    if field == "id_number":
        if not person.id_number_encrypted:
            return ""
        _log(actor, AccessLog.Action.REVEAL_ID_NUMBER, person, ip=ip, via=via)
        return crypto.decrypt(person.id_number_encrypted)
    if field == "phone":
        _log(actor, AccessLog.Action.REVEAL_PHONE, person, ip=ip, via=via)
        return person.phone
    raise ValidationFailed(_("Not a valid choice."), field="field")


def search_admit(*, actor: User, query: SearchQuery, ip: str | None, via: str = "web") -> None:
    """Pass a search through the lookup guard when it could confirm a number the mask
    hides: a whole ID number or phone (refused for posts that may not reveal), or more
    of a phone's end than the masked phone shows (from posts that may reveal; for the
    others such a search matches no phone at all). Logged without the number."""
    can_reveal = get_scope(actor).can(Cap.REVEAL_PII)
    if query.is_identifier:
        identifier_lookup(actor=actor, kind=query.kind, allowed=can_reveal, ip=ip, via=via)
    elif query.is_long_tail and can_reveal:
        identifier_lookup(actor=actor, kind=query.kind, allowed=True, ip=ip, via=via)
