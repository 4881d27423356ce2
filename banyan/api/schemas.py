"""What goes over the wire. Outputs carry ids, never raw ID numbers or phones: a person's
`id_number` and `phone` are the masked forms, and the full values come only from
POST /persons/{id}/reveal, which is permission-checked and logged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from ninja import Field, Schema
from pydantic import BeforeValidator, ValidationInfo, WithJsonSchema, field_validator

from banyan.common.coordinates import LIMITS, Axis, clean_coordinate
from banyan.common.lookups import refuse_identifier_in_url
from banyan.common.periods import parse_day

T = TypeVar("T")

LIMIT_DEFAULT = 50
LIMIT_MAX = 500


# --- common -------------------------------------------------------------------------


def _coordinate(axis: Axis) -> Callable[[object, ValidationInfo], Decimal | None]:
    # The shared cleaner raises ValidationFailed (a DomainError, not a ValueError), which
    # pydantic lets through: the answer is the API's 400 {"detail", "field"}, as from a
    # service, whatever was sent (1e90, NaN, "abc", true).
    def clean(value: object, info: ValidationInfo) -> Decimal | None:
        return clean_coordinate(value, info.field_name or axis, axis=axis)

    return clean


def _coordinate_schema(axis: Axis, description: str) -> WithJsonSchema:
    limit = LIMITS[axis]
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": -limit, "maximum": limit},
                {"type": "null"},
            ],
            "description": description,
        }
    )


def _day(value: object, info: ValidationInfo) -> dt.date | None:
    # As for coordinates: an impossible or misspelt date is the API's 400 naming the field.
    return parse_day(value, info.field_name or "date")


# A day in a query (YYYY-MM-DD); the period helpers bound it.
Day = Annotated[
    dt.date | None,
    BeforeValidator(_day),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}),
]

Latitude = Annotated[
    Decimal | None,
    BeforeValidator(_coordinate("lat")),
    _coordinate_schema("lat", "WGS84 degrees north, rounded to 6 places"),
]
Longitude = Annotated[
    Decimal | None,
    BeforeValidator(_coordinate("lng")),
    _coordinate_schema("lng", "WGS84 degrees east, rounded to 6 places"),
]


class FieldErrorOut(Schema):
    field: str | None = Field(description="The input refused: a body field, query or path name")
    detail: str = Field(description="Why, for a person to read")


class ErrorOut(Schema):
    """Every error the API answers, whatever its status."""

    detail: str = Field(description="What went wrong, for a person to read")
    field: str | None = Field(
        None, description="The input it concerns (a body field, query or path name), if one"
    )
    errors: list[FieldErrorOut] | None = Field(
        None, description="Validation errors (422) only: every input that was refused"
    )


class ConflictOut(ErrorOut):
    """409 to an edit based on an old version: GET the object again, look at `changed`,
    and send the edit again with the `version` now."""

    version: int = Field(description="The object's version now")
    changed: list[str] = Field(
        description="Fields changed since the version the edit was based on (as the history "
        "names them; empty when it does not)"
    )


# Every edit (PATCH, or a workflow move) names the version of the object it was based on:
# the `version` of the GET it started from. A stale one is refused with 409 (ConflictOut);
# a PATCH without one with 428.
VERSION_MAX = 2**31 - 1


def version_field(*, required: bool) -> Any:
    text = "The object's `version` as you read it"
    text += " (required: without it the answer is 428)" if required else " (checked when sent)"
    return Field(None, ge=1, le=VERSION_MAX, description=text)


class Page(Schema, Generic[T]):
    items: list[T]
    count: int


class PageParams(Schema):
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    offset: int = Field(0, ge=0)


class ListParams(PageParams):
    q: str = Field(
        "",
        max_length=100,
        description="Text search. A whole ID number or phone is refused here (400, field "
        "`q`): numbers never go into a URL; search by them with POST /persons/search.",
    )

    @field_validator("q")
    @classmethod
    def _no_numbers_in_urls(cls, value: str) -> str:
        refuse_identifier_in_url(value)
        return value


class TokenIn(Schema):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=256)


class TokenOut(Schema):
    token: str
    expires_in: int = Field(description="Seconds until the token expires")


# --- places -------------------------------------------------------------------------


NodeKindName = Literal["district", "street", "community", "grid_l1", "grid_l2"]


class NodeFilters(ListParams):
    node: int | None = Field(None, description="Only this node's subtree")
    parent: int | None = Field(None, description="Only this node's direct children")
    kind: NodeKindName | None = None


class NodeOut(Schema):
    id: int
    name: str
    parent: int | None
    kind: str
    code: str
    community: int | None

    @staticmethod
    def resolve_parent(obj: object) -> int | None:
        return obj.parent_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_community(obj: object) -> int | None:
        return obj.community_id  # type: ignore[attr-defined]


class CompoundFilters(ListParams):
    node: int | None = Field(None, description="Only compounds in this node's subtree")


class CompoundOut(Schema):
    id: int
    version: int = Field(description="Goes up with every change; an edit sends it back")
    name: str
    community: int
    grid: int
    address: str
    year_built: int | None
    property_management: str
    management_company: str
    lat: Decimal | None
    lng: Decimal | None

    @staticmethod
    def resolve_community(obj: object) -> int:
        return obj.community_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_grid(obj: object) -> int:
        return obj.grid_id  # type: ignore[attr-defined]


PropertyManagementName = Literal["company", "self", "none"]


class CompoundIn(Schema):
    grid: int
    name: str = Field(..., max_length=100)
    property_management: PropertyManagementName
    address: str = Field("", max_length=200)
    year_built: int | None = None
    management_company: str = Field("", max_length=100)
    lat: Latitude = None
    lng: Longitude = None


class CompoundPatch(Schema):
    version: int | None = version_field(required=True)
    name: str | None = Field(None, max_length=100)
    property_management: PropertyManagementName | None = None
    address: str | None = Field(None, max_length=200)
    year_built: int | None = None
    management_company: str | None = Field(None, max_length=100)
    lat: Latitude = None
    lng: Longitude = None


class BuildingFilters(ListParams):
    node: int | None = Field(None, description="Only buildings in this node's subtree")
    compound: int | None = None


class BuildingOut(Schema):
    id: int
    version: int = Field(description="Goes up with every change; an edit sends it back")
    name: str
    community: int
    grid: int
    compound: int
    number: str
    era: str
    year_built: int | None
    floors: int
    units: int
    head: int | None = Field(
        None, description="The building head's person id; null for posts that see no residents"
    )
    lat: Decimal | None
    lng: Decimal | None

    @staticmethod
    def resolve_name(obj: object) -> str:
        return str(obj)

    @staticmethod
    def resolve_community(obj: object) -> int:
        return obj.community_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_grid(obj: object) -> int:
        return obj.grid_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_compound(obj: object) -> int:
        return obj.compound_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_head(obj: object) -> int | None:
        # Only what places.selectors.building_list lets the caller see; never `head_id`.
        return getattr(obj, "shown_head_id", None)


class BuildingIn(Schema):
    compound: int
    number: str = Field(..., max_length=32)
    era: str = Field("", max_length=50)
    year_built: int | None = None
    floors: int = 1
    units: int = 1
    lat: Latitude = None
    lng: Longitude = None


class BuildingPatch(Schema):
    version: int | None = version_field(required=True)
    number: str | None = Field(None, max_length=32)
    era: str | None = Field(None, max_length=50)
    year_built: int | None = None
    floors: int | None = None
    units: int | None = None
    lat: Latitude = None
    lng: Longitude = None


class BuildingHeadIn(Schema):
    person: int


class FacilityFilters(ListParams):
    node: int | None = Field(None, description="Only facilities in this node's subtree")
    compound: int | None = None


class FacilityOut(Schema):
    id: int
    version: int = Field(description="Goes up with every change; an edit sends it back")
    name: str
    community: int
    node: int
    compound: int | None
    kind: str
    kind_name: str
    note: str
    lat: Decimal | None
    lng: Decimal | None

    @staticmethod
    def resolve_community(obj: object) -> int:
        return obj.community_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_node(obj: object) -> int:
        return obj.node_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_compound(obj: object) -> int | None:
        return obj.compound_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_kind(obj: object) -> str:
        return obj.kind.code  # type: ignore[attr-defined]

    @staticmethod
    def resolve_kind_name(obj: object) -> str:
        return str(obj.kind)  # type: ignore[attr-defined]


class FacilityIn(Schema):
    node: int
    kind: str = Field(..., max_length=32, description="A facility-kind code")
    name: str = Field(..., max_length=100)
    compound: int | None = None
    note: str = Field("", max_length=300)
    lat: Latitude = None
    lng: Longitude = None


class FacilityPatch(Schema):
    version: int | None = version_field(required=True)
    node: int | None = None
    kind: str | None = Field(None, max_length=32)
    name: str | None = Field(None, max_length=100)
    compound: int | None = None
    note: str | None = Field(None, max_length=300)
    lat: Latitude = None
    lng: Longitude = None


# --- registry -----------------------------------------------------------------------


class HouseholdFilters(ListParams):
    node: int | None = Field(None, description="Only households in this node's subtree")
    compound: int | None = None
    building: int | None = None


class HouseholdOut(Schema):
    id: int
    version: int = Field(description="Goes up with every change; an edit sends it back")
    label: str
    community: int
    grid: int
    building: int | None
    compound: int | None
    unit: str
    room: str
    address: str
    status: str
    verified_on: dt.date | None
    member_count: int = Field(description="Members living here")
    situation_note: str | None = Field(
        description="Null for posts that see the reduced record (building heads)"
    )


class HouseholdIn(Schema):
    grid: int
    building: int | None = None
    unit: str = Field("", max_length=16)
    room: str = Field("", max_length=16)
    address: str = Field("", max_length=200)
    situation_note: str = Field("", max_length=2000)
    occurred_on: dt.date | None = None


class HouseholdPatch(Schema):
    version: int | None = version_field(required=True)
    unit: str | None = Field(None, max_length=16)
    room: str | None = Field(None, max_length=16)
    address: str | None = Field(None, max_length=200)
    situation_note: str | None = Field(None, max_length=2000)


class PersonFilters(ListParams):
    node: int | None = Field(None, description="Only persons in this node's subtree")
    compound: int | None = None
    building: int | None = None
    household: int | None = None
    status: Literal["living", "moved_out", "deceased", "all"] = "living"


class PersonSearchIn(PageParams):
    """A person search in a request body, so that an ID number or phone never enters a
    URL: the filters of GET /persons, and `q` as the web search reads it."""

    q: str = Field(
        ...,
        max_length=100,
        description="A name or part of one, pinyin initials (zgy), the last four digits of "
        "a phone, a masked phone (138****5678), or, for posts that may reveal, a whole "
        "ID number or phone (logged, and limited per user)",
    )
    node: int | None = Field(None, description="Only persons in this node's subtree")
    compound: int | None = None
    building: int | None = None
    household: int | None = None
    status: Literal["living", "moved_out", "deceased", "all"] = "all"


class CategoryOut(Schema):
    code: str
    name: str
    sensitive: bool
    valid_from: dt.date
    valid_to: dt.date | None
    grade: str


class PersonBrief(Schema):
    """What a building head sees: who lives where, nothing more."""

    id: int
    name: str
    household: int
    relation: str
    status: str


class PersonOut(Schema):
    """The full record; `id_number` and `phone` are masked."""

    id: int
    version: int = Field(description="Goes up with every change; an edit sends it back")
    name: str
    household: int
    relation: str
    status: str
    community: int
    grid: int
    gender: str
    birth_date: dt.date
    age: int
    id_number: str = Field(description="Masked, e.g. 5308************1X")
    phone: str = Field(description="Masked, e.g. 138****5678")
    residence_type: str
    registered_address: str
    lives_at_registered_address: bool
    status_since: dt.date | None
    categories: list[CategoryOut] = Field(
        description="Current categories; sensitive ones only for posts that may see them"
    )


GenderName = Literal["M", "F"]
AddReason = Literal["registered", "moved_in", "born"]


class PersonIn(Schema):
    household: int
    name: str = Field(..., max_length=50)
    gender: GenderName
    birth_date: dt.date
    relation: str = Field(..., max_length=16)
    residence_type: str = Field(..., max_length=16)
    id_number: str = Field("", max_length=32)
    phone: str = Field("", max_length=32)
    registered_address: str = Field("", max_length=200)
    lives_at_registered_address: bool = True
    reason: AddReason = "registered"
    occurred_on: dt.date | None = None
    on_behalf_of: str = Field("", max_length=100)


class PersonPatch(Schema):
    version: int | None = version_field(required=True)
    name: str | None = Field(None, max_length=50)
    gender: GenderName | None = None
    birth_date: dt.date | None = None
    relation: str | None = Field(None, max_length=16)
    residence_type: str | None = Field(None, max_length=16)
    id_number: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    registered_address: str | None = Field(None, max_length=200)
    lives_at_registered_address: bool | None = None


class RevealIn(Schema):
    field: Literal["id_number", "phone"]


class RevealOut(Schema):
    value: str


class EventOut(Schema):
    id: int
    verb: str
    text: str
    occurred_on: dt.date
    recorded_at: dt.datetime
    actor: str | None
    on_behalf_of: str

    @staticmethod
    def resolve_actor(obj: object) -> str | None:
        actor = obj.actor  # type: ignore[attr-defined]
        return actor.get_username() if actor is not None else None
