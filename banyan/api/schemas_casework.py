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

from .schemas import Latitude, ListParams, Longitude, PageParams

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
ChannelName = Literal["visit", "phone", "walk_in", "building_head", "qr", "api"]


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
    id: int
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
    team: str
    duplicate_of: int | None
    public_note: str
    rating: int | None
    feedback: str
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    persons: list[int] = Field(description="Residents it concerns (registry posts only)")
    actions: list[str] = Field(description="Workflow actions legal in the current state")
    history: list[CaseEventOut] = Field(description="Every event of the case, oldest first")


class CaseIn(Schema):
    category: str = Field(..., max_length=32, description="A category code")
    description: str = Field(..., max_length=4000)
    title: str = Field("", max_length=100, description="Empty: the description's first line")
    household: int | None = None
    building: int | None = None
    grid: int | None = Field(None, description="A second-level grid")
    persons: list[int] = Field(default_factory=list, max_length=20)
    channel: ChannelName = "api"
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
    rating: int | None = None
    comment: str = Field("", max_length=1000)
    on_behalf_of: str = Field("", max_length=100)


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
    purpose: str
    heard: str
    findings: str
    dispute_case: int | None

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
    purpose: str = Field(..., max_length=200)
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
