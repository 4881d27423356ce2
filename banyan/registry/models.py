"""The live registry (活户籍): households, persons and their time-bounded categories.

Every row carries its community (the tenant) and its L2 grid, so scoped queries
filter on an indexed column of the row itself, never through a chain of joins.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.common.masking import mask_phone
from banyan.common.versioning import Versioned
from banyan.places.models import Building, Node, ReferenceRow, reference_constraints


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    DISSOLVED = "dissolved", _("Dissolved")


class Household(Versioned, models.Model):
    """户: a home, either a room in a building or a free address outside any compound."""

    VERSION_DERIVED = frozenset({"sort_key"})

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="households")
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="households"
    )
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    room = models.CharField(_("room"), max_length=16, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Unit, room, address in natural order (room 201 before 1101), kept by the services.
    sort_key = models.CharField(max_length=100, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    situation_note = models.TextField(_("household situation"), blank=True)
    verified_on = models.DateField(_("situation last verified"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["building_id", "sort_key", "id"]
        indexes = [
            models.Index(fields=["community", "grid", "id"]),
            models.Index(fields=["grid", "building", "unit", "room"]),
        ]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Building, unit and room when known, otherwise the free address."""
        building = self.building if self.building_id else None
        return household_label(
            building=str(building) if building else None,
            unit=self.unit,
            room=self.room,
            address=self.address,
        )


def household_label(*, building: str | None, unit: str, room: str, address: str) -> str:
    """A household's label from its parts (lists read as plain rows use this too)."""
    if building is not None:
        parts = [building]
        if unit:
            parts.append(_("unit %(unit)s") % {"unit": unit})
        if room:
            parts.append(room)
        return " ".join(parts)
    return address


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    CHILD_IN_LAW = "child_in_law", _("Son- or daughter-in-law")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    PERMANENT = "permanent", _("Permanent resident (常住)")
    FLOATING = "floating", _("Floating population (流动)")


class PersonStatus(models.TextChoices):
    LIVING_HERE = "living", _("Living here")
    MOVED_OUT = "moved_out", _("Moved out")
    DECEASED = "deceased", _("Deceased")


class Person(Versioned, models.Model):
    """居民. The ID number is stored only encrypted, with a keyed hash for lookups."""

    VERSION_DERIVED = frozenset({"name_initials"})

    VERSION_ALIASES = {
        "id_number_encrypted": "id_number",
        "id_number_hash": "id_number",
        "id_number_masked": "id_number",
    }
    VERSION_SHOWN = {"id_number": "id_number_masked", "phone": "phone_masked"}

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    name = models.CharField(_("name"), max_length=50, db_index=True)
    # Pinyin initials of the name (张桂英 → "zgy"; "cgf zgf" for a surname read two ways),
    # for search; kept with the name by the services (common.pinyin).
    name_initials = models.CharField(max_length=40, blank=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_number_encrypted = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField(max_length=18, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    relation = models.CharField(
        _("relation to household head"), max_length=16, choices=Relation.choices
    )
    residence_type = models.CharField(
        _("residence type"), max_length=16, choices=ResidenceType.choices
    )
    registered_address = models.CharField(
        _("registered residence (户籍地)"), max_length=200, blank=True
    )
    lives_at_registered_address = models.BooleanField(
        _("lives at registered residence"),
        default=True,
        help_text=_("Untick for 人户分离: registered in one place, living in another."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.LIVING_HERE
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["community", "grid", "status"]),
            models.Index(fields=["phone"]),
            # Exact ID-number lookup in one probe. The unique (community, hash) index is
            # partial (hash <> ''), which SQLite cannot use for `hash = x`, and a user with
            # two posts ORs two community terms in front of it (docs/performance.md).
            models.Index(fields=["id_number_hash"], name="person_id_number_hash_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="person_id_number_unique_in_community",
            )
        ]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class Category(ReferenceRow):
    """人员类别: reference data a community can extend. `sensitive` categories (低保,
    disability, health) are hidden from posts without the sensitive-data permission."""

    sensitive = models.BooleanField(_("sensitive"), default=False)
    has_grade = models.BooleanField(_("records a grade"), default=False)
    has_validity = models.BooleanField(_("has a valid-to date"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta(ReferenceRow.Meta):
        ordering = ["sort_order", "code"]
        constraints = reference_constraints("category")
        verbose_name = _("person category")
        verbose_name_plural = _("person categories")


class PersonCategory(models.Model):
    """A category held by a person from `valid_from` until `valid_to` (open when empty).
    Ending a category sets `valid_to`; the row is kept, so history is never overwritten."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="categories")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="holders")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=16, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["category__sort_order", "valid_from"]
        indexes = [models.Index(fields=["community", "category", "valid_to"])]
        verbose_name = _("person category")
        verbose_name_plural = _("person categories")

    def __str__(self) -> str:
        return f"{self.category} ({self.valid_from}–{self.valid_to or ''})"

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
