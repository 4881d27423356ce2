"""The service loop over the wire: cases, their transitions, visits and committee meetings.

A reporter's phone is only ever the masked form; a case's household and persons are
ids, and only for callers whose post may see the registry at that case (the repair
centre sees the repair, not who lives there).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from .schemas import Latitude, ListParams, Longitude, PageParams, version_field

StateName = Literal[
    "submitted",
    "accepted",
    "assigned",
    "in_progress",
    "suspended",
    "escalated",
    "resolved",
    "reopened",
    "closed",
    "rejected",
    "duplicate",
]
KindName = Literal["request", "repair", "hazard", "dispute"]
RouteName = Literal["window", "errand", "repair", "team", "grid"]
# Channels staff may name. "qr" and "open311" are the residents' own (no staff account):
# a case recorded by staff never speaks for a resident of the public form.
ChannelName = Literal["visit", "phone", "walk_in", "building_head", "api"]
VisitPurposeName = Literal[
    "routine", "situation", "registry_check", "care", "follow_up", "policy", "other"
]


# --- cases ----------------------------------------------------------------------------------


class CaseFilters(ListParams):
    node: int | None = Field(None, description="Only cases in this node's subtree")
    state: StateName | None = None
    kind: KindName | None = None
    category: str = Field("", max_length=32, description="A category code")
    overdue: bool = Field(False, description="Only open cases past their due time")
    route: RouteName | None = None


class CaseOut(Schema):
    id: int
    version: int = Field(description="Goes up with every change; an edit sends it back")
    title: str
    category: str = Field(description="The category's code")
    category_name: str
    kind: str
    state: str
    route: str = Field(description="Empty until the case is routed")
    community: int
    grid: int
    building: int | None
    household: int | None = Field(
        description="Null when the case has none, or your post may not see the registry here"
    )
    assignee: str | None = Field(description="Username of the person it is assigned to")
    reporter_phone: str = Field(description="Masked, e.g. 138****5678; empty if none")
    due_at: dt.datetime
    overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class CaseEventOut(Schema):
    id: int | None = Field(description="Null for a public step (no record of the case)")
    verb: str
    text: str
    recorded_at: dt.datetime
    actor: str | None
    on_behalf_of: str
    public: bool = Field(description="Shown to the resident on the tracking page")
    note: str


class CaseDetailOut(CaseOut):
    description: str
    address: str
    lat: Decimal | None
    lng: Decimal | None
    channel: str
    reporter_name: str
    entered_by: str | None
    on_behalf_of: str
    team: str = Field(description="red, green, blue or white, when routed to a team")
    duplicate_of: int | None
    public_note: str = Field(description="Written for the resident (tracking page, Open311)")
    public_text: str = Field(
        description="A resident's own words from the QR poster or Open311, as moderated; "
        "empty for a case staff recorded"
    )
    public_text_hidden: bool
    from_visit: int | None = Field(description="The visit the need was heard at")
    rating: int | None
    feedback: str
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    persons: list[int] = Field(description="Residents it concerns (registry posts only)")
    actions: list[str] = Field(description="Workflow actions legal in the current state")
    history: list[CaseEventOut] = Field(description="Every event of the case, oldest first")


class CaseIn(Schema):
    category: str = Field(..., max_length=32, description="A category code")
    description: str = Field(
        "", max_length=4000, description="Required, unless `visit` gives the visit's notes"
    )
    title: str = Field("", max_length=100, description="Empty: the description's first line")
    household: int | None = None
    building: int | None = None
    grid: int | None = Field(None, description="A second-level grid")
    persons: list[int] = Field(default_factory=list, max_length=20)
    channel: ChannelName = Field(
        "api", description="How it reached staff; api (staff through this API) by default"
    )
    visit: int | None = Field(None, description="The home visit the need was heard at")
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=32)
    on_behalf_of: str = Field("", max_length=100)
    address: str = Field("", max_length=200)
    lat: Latitude = None
    lng: Longitude = None


class TransitionIn(Schema):
    """`action` names a workflow move; the other fields are its parameters (see the
    endpoint's description for which move takes which)."""

    action: str = Field("", max_length=32)
    reason: str = Field("", max_length=300)
    original: int | None = Field(None, description="mark_duplicate: the original case's id")
    route: str = Field("", max_length=16)
    assignee: int | str | None = Field(None, description="A user id or username")
    team: str = Field("", max_length=32)
    note: str = Field("", max_length=1000)
    public_note: str = Field("", max_length=300)
    grid: int | None = Field(None, description="hand_off: the second-level grid's id")
    public: bool = False
    public_text: str = Field("", max_length=4000, description="edit_public_text: the text")
    rating: int | None = None
    comment: str = Field("", max_length=1000)
    on_behalf_of: str = Field("", max_length=100)
    version: int | None = version_field(required=False)


# --- visits ---------------------------------------------------------------------------------


class VisitFilters(PageParams):
    node: int | None = Field(None, description="Only visits in this node's subtree")
    household: int | None = None


class VisitOut(Schema):
    id: int
    household: int
    grid: int
    visited_on: dt.date
    visitor: str
    purpose: VisitPurposeName
    purpose_note: str
    heard: str
    findings: str
    has_photo: bool = Field(description="A photo was taken (seen on the visit's page)")
    dispute_case: int | None

    @staticmethod
    def resolve_has_photo(obj: object) -> bool:
        return bool(obj.image)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_household(obj: object) -> int:
        return obj.household_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_grid(obj: object) -> int:
        return obj.grid_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_visitor(obj: object) -> str:
        return obj.visitor.get_username()  # type: ignore[attr-defined]

    @staticmethod
    def resolve_dispute_case(obj: object) -> int | None:
        return obj.dispute_case_id  # type: ignore[attr-defined]


class VisitIn(Schema):
    household: int
    visited_on: dt.date
    purpose: VisitPurposeName = "routine"
    purpose_note: str = Field(
        "", max_length=200, description="What in particular; required for `other`"
    )
    heard: str = Field("", max_length=4000)
    findings: str = Field("", max_length=4000)
    dispute_case: int | None = Field(None, description="A dispute this visit follows up")


# --- meetings -------------------------------------------------------------------------------


class MeetingOut(Schema):
    id: int
    community: int
    held_on: dt.date
    title: str
    attendees: str
    agenda: str
    closed: bool = Field(description="The minutes are final")

    @staticmethod
    def resolve_community(obj: object) -> int:
        return obj.community_id  # type: ignore[attr-defined]


class AgendaItemOut(Schema):
    id: int
    title: str
    case: int | None
    case_state: str | None = Field(description="The case's state now")
    grid: int | None = Field(description="For a grid report")
    report: str
    decision: str = Field(description="assign, close, other; empty while undecided")
    decision_note: str
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_case(obj: object) -> int | None:
        return obj.case_id  # type: ignore[attr-defined]

    @staticmethod
    def resolve_case_state(obj: object) -> str | None:
        case = obj.case  # type: ignore[attr-defined]
        return case.state if case is not None else None

    @staticmethod
    def resolve_grid(obj: object) -> int | None:
        return obj.grid_id  # type: ignore[attr-defined]


class MeetingDetailOut(MeetingOut):
    items: list[AgendaItemOut]

    @staticmethod
    def resolve_items(obj: object) -> list[object]:
        return obj.agenda_items  # type: ignore[attr-defined]  # loaded by the endpoint
