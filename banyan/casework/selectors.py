"""Reads of the service loop, through the one scope mechanism.

A post sees the cases in its area, narrowed for the window and the repair centre to
the cases routed to them (roles.CASE_ROUTES). `get_case_for_user` is how views and
the API load one case: outside the scope it raises Http404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone

from banyan.accounts.roles import CASE_ROUTES, Cap
from banyan.accounts.scope import Area, area_q, get_scope
from banyan.places.models import Node
from banyan.timeline.models import Event

from .models import (
    Case,
    CaseCategory,
    Meeting,
    Notification,
    Visit,
    is_tracking_code,
    normalize_tracking_code,
)
from .workflow import OPEN_STATES, State

User = AbstractBaseUser | AnonymousUser
_NOTHING = Q(pk__in=[])


def _case_area_q(area: Area) -> Q:
    q = area_q(area)
    route = CASE_ROUTES.get(area.post.role)
    if route is not None:
        q &= Q(route=route)
    return q


def case_q(user: User, cap: str = Cap.VIEW_CASES) -> Q:
    """The cases a user may see (or act on, with `cap`)."""
    result = _NOTHING
    for area in get_scope(user).areas:
        if cap in area.caps:
            result |= _case_area_q(area)
    return result


def record_q(user: User) -> Q:
    """Of the cases a user sees, those whose record they may read (Cap.VIEW_CASE_RECORD):
    where a post grants it, and the cases they reported themselves. A filter to AND with
    `case_q`, never a widening of it."""
    result = Q(entered_by_id=user.pk) if user.pk is not None else _NOTHING
    for area in get_scope(user).areas:
        if Cap.VIEW_CASE_RECORD in area.caps:
            result |= _case_area_q(area)
    return result


def can_read_record(user: User, case: Case, caps: frozenset[str] | None = None) -> bool:
    """Whether the user may read this case's record (title, description, reporter, people,
    photos, internal history): Cap.VIEW_CASE_RECORD on it, or they reported it. A
    dispute's parties, mediation and agreement need the capability itself."""
    caps = caps_for_case(user, case) if caps is None else caps
    if Cap.VIEW_CASE_RECORD in caps:
        return True
    return (
        Cap.VIEW_CASES in caps
        and case.entered_by_id is not None
        and (case.entered_by_id == user.pk)
    )


def caps_for_case(user: User, case: Case) -> frozenset[str]:
    """Capabilities on this case, from each post that covers it (and its route)."""
    caps: set[str] = set()
    for area in get_scope(user).areas:
        if not area.covers(
            community_id=case.community_id, grid_id=case.grid_id, building_id=case.building_id
        ):
            continue
        route = CASE_ROUTES.get(area.post.role)
        if route is not None and case.route != route:
            continue
        caps |= area.caps
    return frozenset(caps)


def case_list(
    *,
    user: User,
    node: Node | None = None,
    state: str = "",
    kind: str = "",
    category: str = "",
    open_only: bool = False,
    overdue_only: bool = False,
    route: str = "",
    q: str = "",
) -> QuerySet[Case]:
    """Cases in scope, narrowed by the filters (which never widen it), soonest due first."""
    cond = case_q(user)
    if cond == _NOTHING:
        return Case.objects.none()
    qs = Case.objects.filter(cond)
    if node is not None:
        if node.kind == "grid_l2":
            qs = qs.filter(grid_id=node.pk)
        elif node.kind == "grid_l1":
            qs = qs.filter(grid__parent_id=node.pk)
        elif node.kind == "community":
            qs = qs.filter(community_id=node.pk)
        else:
            qs = qs.filter(grid__path__startswith=node.path)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category__code=category)
    if route:
        qs = qs.filter(route=route)
    if open_only or overdue_only:
        qs = qs.filter(state__in=OPEN_STATES)
    if overdue_only:
        qs = qs.exclude(state=State.SUSPENDED).filter(due_at__lt=timezone.now())
    readable = record_q(user)
    if q:
        # Only in what the user may read: a search is no way to probe a record.
        qs = qs.filter(
            readable
            & (Q(title__icontains=q) | Q(description__icontains=q) | Q(address__icontains=q))
        )
    qs = qs.annotate(
        readable=ExpressionWrapper(readable, output_field=BooleanField())
        if readable != _NOTHING
        else Value(False)
    )
    return qs.select_related("category", "grid", "building__compound", "assignee").order_by(
        "due_at", "id"
    )


def get_case_for_user(user: User, pk: int, cap: str = Cap.VIEW_CASES) -> Case:
    """One case the user may see (or act on, with `cap`), or Http404."""
    cond = case_q(user, cap)
    case = (
        Case.objects.filter(cond)
        .select_related(
            "category",
            "grid__parent",
            "community",
            "building__compound",
            "household",
            "assignee",
            "entered_by",
            "duplicate_of",
            "mediator",
            "reporter",
            "from_visit",
        )
        .filter(pk=pk)
        .first()
        if cond != _NOTHING
        else None
    )
    if case is None:
        raise Http404
    case.readable = can_read_record(user, case)  # type: ignore[attr-defined]
    return case


def find_case_by_tracking_code(code: str) -> Case | None:
    """The case a tracking code names, as typed (normalised first), or None. The code is
    the credential: callers count the misses (services.intake.tracking_miss)."""
    code = normalize_tracking_code(code)
    if not is_tracking_code(code):
        return None
    return (
        Case.objects.select_related("category", "building__compound")
        .filter(tracking_code=code)
        .first()
    )


def case_history(*, case: Case, public_only: bool = False) -> QuerySet[Event]:
    """The case's events, oldest first (the resident sees only public notes)."""
    qs = Event.objects.filter(subject_type="case", subject_id=case.pk).select_related("actor")
    if public_only:
        qs = qs.filter(data__public=True)
    return qs.order_by("recorded_at", "id")


def my_work(*, user: User, due_soon_hours: int = 48) -> dict[str, list[Case]]:
    """What the user should do next: assigned to them, then everything open in their
    scope; overdue first, then due soon, then the rest (CHT's task list)."""
    now = timezone.now()
    soon = now + dt.timedelta(hours=due_soon_hours)
    open_cases = list(case_list(user=user, open_only=True)[:500])
    mine = [c for c in open_cases if c.assignee_id == user.pk]
    to_accept = [c for c in open_cases if c.state == State.SUBMITTED]
    overdue = [c for c in open_cases if c.is_overdue(now)]
    due_soon = [
        c
        for c in open_cases
        if not c.is_overdue(now) and c.state != State.SUSPENDED and c.due_at <= soon
    ]
    return {
        "mine": mine,
        "to_accept": to_accept,
        "overdue": overdue,
        "due_soon": due_soon,
        "open": open_cases,
    }


def categories_for(*, community_id: int, public_only: bool = False) -> QuerySet[CaseCategory]:
    qs = CaseCategory.objects.for_community(community_id).filter(active=True)
    if public_only:
        qs = qs.filter(public=True)
    return qs.order_by("sort_order", "code")


def visit_list(
    *, user: User, household_id: int | None = None, node: Node | None = None
) -> QuerySet[Visit]:
    scope = get_scope(user)
    qs = scope.filter(Visit.objects.all(), Cap.VIEW_FULL_RECORD, building="household__building_id")
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    return qs.select_related("visitor", "household__building__compound").order_by(
        "-visited_on", "-id"
    )


def visits_with_photos(*, user: User, ids: Iterable[int]) -> QuerySet[Visit]:
    """Of the visits `ids`, those with a photo that the user may read."""
    return (
        visit_list(user=user)
        .filter(pk__in=list(ids))
        .exclude(image="")
        .select_related(None)
        .only("id", "household_id", "visited_on", "image", "medium", "thumb")
    )


def get_visit_for_user(user: User, pk: int) -> Visit:
    """One visit the user may read (the full record of its household), or Http404."""
    visit = (
        visit_list(user=user)
        .select_related("dispute_case", "household__grid", "household__community")
        .filter(pk=pk)
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def cases_from_visit(*, user: User, visit: Visit) -> QuerySet[Case]:
    """The needs recorded at a visit, of those the user sees."""
    return case_list(user=user).filter(from_visit_id=visit.pk)


def households_not_visited(*, user: User, node: Node, days: int | None = None):
    """Active households in the node's subtree with no visit in `days` (default from
    settings), never-visited first."""
    from django.db.models import Max

    from banyan.registry.selectors import household_list

    days = days if days is not None else settings.BANYAN_VISIT_GAP_DAYS
    since = timezone.localdate() - dt.timedelta(days=days)
    qs = household_list(user=user, node=node).annotate(last_visit=Max("visits__visited_on"))
    # Never-visited first on every database (PostgreSQL sorts NULL last by default).
    return qs.filter(Q(last_visit__isnull=True) | Q(last_visit__lt=since)).order_by(
        F("last_visit").asc(nulls_first=True), "id"
    )


def meeting_list(*, user: User) -> QuerySet[Meeting]:
    ids = get_scope(user).community_ids(Cap.CHAIR_MEETINGS)
    return Meeting.objects.filter(community_id__in=sorted(ids)).order_by("-held_on", "-id")


def get_meeting_for_user(user: User, pk: int) -> Meeting:
    meeting = meeting_list(user=user).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


def inbox(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    if user.pk is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(user_id=user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related("case")
