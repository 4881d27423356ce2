"""Party members over the API: organisations, members, contacts, obligations, themed
days and tracing cases — scoped by the party tree exactly like the pages (a branch's
rows are seen from posts whose subtree holds the grid the branch is bound to).

Phones are masked; party data never appears for posts without Cap.VIEW_PARTY, so a
grid manager, a building head or a volunteer gets empty lists and 404s here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema, Status

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.forms import client_ip
from banyan.common.periods import clean_period
from banyan.party import selectors, services
from banyan.party.models import Contact, Member, Org, ThemedDay, TracingCase
from banyan.places.selectors import get_node_for_user

from ..auth import actor
from ..pagination import page, page_of
from ..routing import Router
from ..schemas import Day, ErrorOut, ListParams, Page, PageParams, version_field
from ..versions import EDIT, take_version

router = Router(tags=["party"])

READ = {403: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- schemas -------------------------------------------------------------------------


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    parent: int | None
    node: int = Field(description="The grid-tree node the organisation is bound to")
    community: int

    @staticmethod
    def resolve_parent(obj: Org) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_node(obj: Org) -> int:
        return obj.node_id

    @staticmethod
    def resolve_community(obj: Org) -> int:
        return obj.community_id


class MemberOut(Schema):
    id: int
    version: int = Field(description="Goes up with every change; an edit sends it back")
    name: str
    community: int
    branch: int
    group: int | None
    person: int | None = Field(description="The resident record, when the member lives here")
    phone: str = Field(description="Masked")
    membership: str = Field(
        description="formal or probationary; empty for an in-service member (kept by their unit)"
    )
    joined_party_on: dt.date | None
    joined_on: dt.date
    state: str
    mobile: bool
    mobile_where: str
    retired: bool
    restructured: bool
    contact_status: str
    found_on: dt.date | None
    in_service: bool
    unit: str
    reported_on: dt.date | None
    skills: str
    team: str

    @staticmethod
    def resolve_community(obj: Member) -> int:
        return obj.community_id

    @staticmethod
    def resolve_branch(obj: Member) -> int:
        return obj.branch_id

    @staticmethod
    def resolve_group(obj: Member) -> int | None:
        return obj.group_id

    @staticmethod
    def resolve_person(obj: Member) -> int | None:
        return obj.person_id

    @staticmethod
    def resolve_phone(obj: Member) -> str:
        return obj.phone_masked


class MemberPatch(Schema):
    """A member's own details; branch, mobility and contact status change through their own
    actions on the pages, which keep their history."""

    version: int | None = version_field(required=True)
    name: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=32, description="The full new number")
    address: str | None = Field(None, max_length=200)
    membership: str | None = Field(None, max_length=16)
    joined_party_on: dt.date | None = None
    retired: bool | None = None
    restructured: bool | None = None
    former_unit: str | None = Field(None, max_length=100)
    unit: str | None = Field(None, max_length=100)
    skills: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=8)


# Fields whose null means "unchanged" (they cannot be empty); elsewhere null empties.
_NULL_KEEPS = frozenset({"name", "membership", "retired", "restructured"})


class MemberFilters(ListParams):
    branch: int | None = Field(None, description="Only this branch (or party group)")
    flag: Literal[
        "", "mobile", "retired", "restructured", "in_service", "lost", "found", "community"
    ] = ""


class ContactOut(Schema):
    id: int
    member: int
    kind: str
    contacted_on: dt.date
    by: int | None
    notes: str

    @staticmethod
    def resolve_member(obj: Contact) -> int:
        return obj.member_id

    @staticmethod
    def resolve_by(obj: Contact) -> int | None:
        return obj.by_id


class ContactFilters(PageParams):
    member: int | None = None
    branch: int | None = None
    kind: Literal["", "call", "home_visit", "hospital_visit", "message"] = ""


class ContactIn(Schema):
    member: int
    kind: Literal["call", "home_visit", "hospital_visit", "message"]
    contacted_on: dt.date | None = None
    notes: str = Field("", max_length=500)


class ObligationOut(Schema):
    rule: str
    rule_name: str
    contact_kind: str
    status: Literal["overdue", "open"]
    start: dt.date
    due: dt.date
    late_until: dt.date
    member: int | None
    branch: int | None


class ObligationFilters(PageParams):
    node: int | None = Field(None, description="Only this node's subtree (not only mine)")
    mine: bool = Field(True, description="Only those my posts answer for")


class TallyOut(Schema):
    due: int
    on_time: int
    late: int
    missed: int
    overdue: int
    open: int


class ComplianceRowOut(Schema):
    label: str
    branch: int | None
    community: int | None
    tally: TallyOut


class ComplianceOut(Schema):
    start: dt.date
    end: dt.date
    total: TallyOut
    rows: list[ComplianceRowOut]


class ComplianceFilters(Schema):
    node: int | None = None
    start: Day = Field(None, description="First day (YYYY-MM-DD); default: 1 January")
    end: Day = Field(None, description="Last day (YYYY-MM-DD); default: 31 December")


class ThemedDayOut(Schema):
    id: int
    branch: int
    held_on: dt.date
    theme: str
    content: str
    photos: int

    @staticmethod
    def resolve_branch(obj: ThemedDay) -> int:
        return obj.branch_id

    @staticmethod
    def resolve_photos(obj: ThemedDay) -> int:
        return getattr(obj, "photo_count", 0)


class ThemedDayFilters(PageParams):
    branch: int | None = None


class TracingOut(Schema):
    id: int
    member: int
    state: str
    lost_since: dt.date
    opened_on: dt.date
    verified_on: dt.date | None
    returned_on: dt.date | None
    closed_on: dt.date | None

    @staticmethod
    def resolve_member(obj: TracingCase) -> int:
        return obj.member_id


class TracingFilters(PageParams):
    state: Literal["", "open", "verified", "returned", "closed"] = ""


def _branch(user: Any, pk: int | None) -> Org | None:
    return selectors.get_org_for_user(user, pk) if pk is not None else None


def _tally(t: Any) -> TallyOut:
    return TallyOut(
        due=t.due, on_time=t.on_time, late=t.late, missed=t.missed, overdue=t.overdue, open=t.open
    )


# --- organisations and members ---------------------------------------------------------


@router.get("/party/orgs", response={200: Page[OrgOut], **READ})
def list_orgs(request: HttpRequest, params: Query[PageParams]) -> Any:
    """Party organisations bound inside your posts."""
    items, count = page_of(selectors.org_list(user=actor(request)), params)
    return page(items, count)


@router.get("/party/orgs/{id}", response={200: OrgOut, **READ})
def get_org(request: HttpRequest, id: int) -> Any:
    return selectors.get_org_for_user(actor(request), id)


@router.get("/party/members", response={200: Page[MemberOut], **READ})
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> Any:
    """Active members of the branches in your scope, wherever they live."""
    user = actor(request)
    qs = selectors.member_list(
        user=user, branch=_branch(user, filters.branch), q=filters.q, flag=filters.flag
    )
    items, count = page_of(qs, filters)
    return page(items, count)


@router.get("/party/members/{id}", response={200: MemberOut, **READ})
def get_member(request: HttpRequest, id: int) -> Any:
    """One member; the view is written to the access log."""
    user = actor(request)
    member = selectors.get_member_for_user(user, id)
    services.member_viewed(actor=user, member=member, ip=client_ip(request), via="api")
    return member


@router.patch("/party/members/{id}", response={200: MemberOut, **WRITE, **EDIT})
def update_member(request: HttpRequest, id: int, payload: MemberPatch) -> Any:
    """Correct a member's details (posts that manage the branch); `version` is required."""
    user = actor(request)
    member = selectors.get_member_for_user(user, id)
    changes = payload.dict(exclude_unset=True)
    version = take_version(changes)
    changes = {k: v for k, v in changes.items() if v is not None or k not in _NULL_KEEPS}
    return services.member_update(actor=user, member=member, version=version, **changes)


# --- contacts ----------------------------------------------------------------------------


@router.get("/party/contacts", response={200: Page[ContactOut], **READ})
def list_contacts(request: HttpRequest, filters: Query[ContactFilters]) -> Any:
    """The contact log, newest first."""
    user = actor(request)
    member = (
        selectors.get_member_for_user(user, filters.member) if filters.member is not None else None
    )
    qs = selectors.contact_list(
        user=user, member=member, branch=_branch(user, filters.branch), kind=filters.kind
    )
    items, count = page_of(qs, filters)
    return page(items, count)


@router.get("/party/contacts/{id}", response={200: ContactOut, **READ})
def get_contact(request: HttpRequest, id: int) -> Any:
    return selectors.get_contact_for_user(actor(request), id)


@router.post("/party/contacts", response={201: ContactOut, **WRITE})
def log_contact(request: HttpRequest, payload: ContactIn) -> Any:
    """Log a call, home visit, hospital visit or message (dated today unless given)."""
    user = actor(request)
    member = selectors.get_member_for_user(user, payload.member)
    contact = services.contact_log(
        actor=user,
        member=member,
        kind=payload.kind,
        contacted_on=payload.contacted_on,
        notes=payload.notes,
    )
    return Status(201, contact)


# --- obligations and compliance ---------------------------------------------------------


@router.get("/party/obligations", response={200: Page[ObligationOut], **READ})
def list_obligations(request: HttpRequest, filters: Query[ObligationFilters]) -> Any:
    """Overdue obligations (oldest first), then those due within a week — yours, or
    everyone's under `node`. Computed from the contact log at the moment of asking."""
    user = actor(request)
    if not get_scope(user).can(Cap.VIEW_PARTY):
        return page([], 0)
    node = get_node_for_user(user, filters.node) if filters.node is not None else None
    items = selectors.obligations_due(user=user, node=node, mine=filters.mine and node is None)
    rows = [
        ObligationOut(
            rule=i.rule.code,
            rule_name=i.rule.name,
            contact_kind=i.rule.contact_kind,
            status=i.status,  # type: ignore[arg-type]
            start=i.instance.start,
            due=i.due,
            late_until=i.instance.late_until,
            member=i.member.pk if i.member else None,
            branch=i.branch.pk if i.branch else None,
        )
        for i in items
    ]
    return page(rows[filters.offset : filters.offset + filters.limit], len(rows))


@router.get("/party/compliance", response={200: ComplianceOut, **READ})
def get_compliance(request: HttpRequest, filters: Query[ComplianceFilters]) -> Any:
    """Obligations due in [start, end] (default: this year; either alone: to the end, or
    from the start, of its year): met on time, met late, missed, overdue, not yet due — per
    branch, or per community above a community. Days lie between 2000-01-01 and the end of
    next year, and a period holds at most three years (1,096 days): else 400 naming the
    parameter."""
    user = actor(request)
    if not get_scope(user).can(Cap.PARTY_FIGURES):
        raise Http404
    period = clean_period(filters.start, filters.end)
    node = get_node_for_user(user, filters.node) if filters.node is not None else None
    rows, total, _rules = selectors.compliance(
        user=user, node=node, start=period.start, end=period.end
    )
    return ComplianceOut(
        start=period.start,
        end=period.end,
        total=_tally(total),
        rows=[
            ComplianceRowOut(
                label=r.label,
                branch=r.org.pk if r.org else None,
                community=r.community.pk if r.community else None,
                tally=_tally(r.tally),
            )
            for r in rows
        ],
    )


# --- themed days and tracing ------------------------------------------------------------


@router.get("/party/themed-days", response={200: Page[ThemedDayOut], **READ})
def list_themed_days(request: HttpRequest, filters: Query[ThemedDayFilters]) -> Any:
    user = actor(request)
    qs = selectors.themed_day_list(user=user, branch=_branch(user, filters.branch))
    items, count = page_of(qs, filters)
    return page(items, count)


@router.get("/party/themed-days/{id}", response={200: ThemedDayOut, **READ})
def get_themed_day(request: HttpRequest, id: int) -> Any:
    user = actor(request)
    day = selectors.get_themed_day_for_user(user, id)
    return selectors.themed_day_list(user=user).get(pk=day.pk)


@router.get("/party/tracing", response={200: Page[TracingOut], **READ})
def list_tracing(request: HttpRequest, filters: Query[TracingFilters]) -> Any:
    items, count = page_of(
        selectors.tracing_list(user=actor(request), state=filters.state), filters
    )
    return page(items, count)


@router.get("/party/tracing/{id}", response={200: TracingOut, **READ})
def get_tracing(request: HttpRequest, id: int) -> Any:
    return selectors.get_tracing_for_user(actor(request), id)
