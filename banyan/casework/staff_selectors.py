"""Reads for the staff pages of the service loop, on top of `selectors` (which decides the
scope): what a case page, the inbox, a household page and a grid page show besides the
case itself. Every function either takes an object the caller already loaded through a
scoped `get_<thing>_for_user`, or narrows through the scope itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from banyan.accounts.models import Post
from banyan.accounts.roles import CAPABILITIES, CASE_ROUTES, Cap
from banyan.accounts.scope import get_scope
from banyan.places.models import Node, NodeKind
from banyan.registry.models import Household, Person, PersonStatus

from .models import (
    Case,
    CaseCategory,
    CasePerson,
    CasePhoto,
    MediationSession,
    Notification,
    Route,
    Visit,
)
from .selectors import (
    can_read_record,
    case_list,
    categories_for,
    get_case_for_user,
    inbox,
    visit_list,
)
from .workflow import State

User = AbstractBaseUser | AnonymousUser


# --- cases ----------------------------------------------------------------------------------


def can_see_cases(user: User) -> bool:
    return get_scope(user).can(Cap.VIEW_CASES)


def overdue_count(*, user: User) -> int:
    """How many cases in the user's scope are overdue (the header's red number)."""
    if not can_see_cases(user):
        return 0
    return case_list(user=user, overdue_only=True).order_by().count()


def category_choices(*, user: User) -> list[CaseCategory]:
    """Categories the case-list filter offers: the shared ones and the user's communities'."""
    ids = sorted(get_scope(user).community_ids(Cap.VIEW_CASES))
    if not ids:
        return []
    if len(ids) == 1:
        return list(categories_for(community_id=ids[0]))
    qs = CaseCategory.objects.for_communities(ids)
    return list(qs.filter(active=True).order_by("sort_order", "code"))


def case_people(*, case: Case) -> list[CasePerson]:
    """The residents a case concerns (and, for a dispute, its parties), parties first."""
    return list(
        case.people.select_related("person__household__building__compound").order_by(
            "-role", "person__name", "id"
        )
    )


def _photos(user: User, case: Case) -> QuerySet[CasePhoto]:
    """A case's photos as the user may see them: all of them with the case's record, else
    only those staff made public (the resident's report photo may show a person)."""
    qs = case.photos.all()
    if not can_read_record(user, case):
        qs = qs.filter(public=True)
    return qs


def case_photos(*, user: User, case: Case) -> list[CasePhoto]:
    return list(_photos(user, case).order_by("uploaded_at", "id"))


def get_case_photo_for_user(user: User, case_pk: int, photo_pk: int) -> CasePhoto:
    """A photo of a case the user may see, or Http404: photos are served only this way,
    never from a public media URL."""
    case = get_case_for_user(user, case_pk)
    photo = _photos(user, case).filter(pk=photo_pk).first()
    if photo is None:
        raise Http404
    return photo


def handoff_grids(*, case: Case) -> QuerySet[Node]:
    """The second-level grids of the case's community it can be handed off to (流转): the
    grid names of one's own community are not personal data."""
    return (
        Node.objects.filter(community_id=case.community_id, kind=NodeKind.GRID_L2)
        .exclude(pk=case.grid_id)
        .order_by("sort_key", "id")
    )


def assignee_choices(*, case: Case) -> dict[str, list[AbstractBaseUser]]:
    """Who can take the case, by route: the choices of the assign and mediator forms.

    The same rule as `services.can_take` (which stays the judge when the form is posted),
    read from the community's posts in one query instead of one scope per user: a post
    covers the case when it is bound to the case's building or when the case's grid lies
    in the post node's subtree; the window and the repair centre take their own route,
    grid posts every other route.
    """
    posts = (
        Post.objects.filter(active=True, community_id=case.community_id, user__is_active=True)
        .select_related("user", "node")
        .order_by("user__username", "id")
    )
    grid_path = case.grid.path
    special = set(CASE_ROUTES.values())
    out: dict[str, dict[int, AbstractBaseUser]] = {r: {} for r in Route.values}
    for post in posts:
        if Cap.HANDLE_CASES not in CAPABILITIES.get(post.role, frozenset()):
            continue
        if post.building_id is not None:
            covers = post.building_id == case.building_id
        else:
            covers = grid_path.startswith(post.node.path)
        if not covers:
            continue
        own = CASE_ROUTES.get(post.role)
        for route in Route.values:
            if own == route or (own is None and route not in special):
                out[route].setdefault(post.user_id, post.user)
    return {route: list(users.values()) for route, users in out.items()}


def party_choices(*, user: User, case: Case, limit: int = 300) -> list[Person]:
    """Residents the user may name as a party: those living in the case's building (or
    household, or grid), as far as the user's scope reaches."""
    from banyan.registry.selectors import person_list

    if case.building_id:
        qs = person_list(user=user, building_id=case.building_id, status=PersonStatus.LIVING_HERE)
    elif case.household_id:
        qs = person_list(user=user, household_id=case.household_id, status=PersonStatus.LIVING_HERE)
    else:
        qs = person_list(user=user, node=case.grid, status=PersonStatus.LIVING_HERE)
    return list(
        qs.select_related("household__building__compound").order_by(
            "household__unit", "household__room", "name", "id"
        )[:limit]
    )


@dataclass
class DisputePanel:
    parties: list[CasePerson] = field(default_factory=list)
    sessions: list[MediationSession] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    # Households a follow-up visit can go to: the case's and the parties'.
    homes: list[Household] = field(default_factory=list)


def dispute_panel(*, case: Case, people: list[CasePerson]) -> DisputePanel:
    parties = [p for p in people if p.role == CasePerson.Role.PARTY]
    homes: dict[int, Household] = {}
    if case.household_id:
        homes[case.household_id] = case.household
    for p in parties:
        homes.setdefault(p.person.household_id, p.person.household)
    return DisputePanel(
        parties=parties,
        sessions=list(case.mediation_sessions.select_related("recorded_by")),
        visits=list(
            case.follow_up_visits.select_related("visitor", "household__building__compound")
        ),
        homes=list(homes.values()),
    )


# --- visits ---------------------------------------------------------------------------------


@dataclass
class HouseholdPanel:
    last_visit: Visit | None
    visits: list[Visit]
    cases: list[Case]
    open_cases: int
    can_visit: bool
    can_report: bool
    can_see_visits: bool
    can_see_cases: bool
    gap_days: int = 90


def household_panel(*, user: User, household: Household, limit: int = 5) -> HouseholdPanel:
    """What the household page shows of the service loop: when it was last visited, the
    last few visits, its cases (open ones first) and what the user may start there."""
    caps = get_scope(user).caps_at(
        community_id=household.community_id,
        grid_id=household.grid_id,
        building_id=household.building_id,
    )
    see_visits = Cap.VIEW_FULL_RECORD in caps
    see_cases = Cap.VIEW_CASES in caps
    visits = (
        list(visit_list(user=user, household_id=household.pk)[: limit + 1]) if see_visits else []
    )
    cases: list[Case] = []
    if see_cases:
        cases = list(
            case_list(user=user)
            .filter(household_id=household.pk)
            .order_by(F("closed_at").desc(nulls_first=True), "-created_at", "-id")[:limit]
        )
    return HouseholdPanel(
        last_visit=visits[0] if visits else None,
        visits=visits[:limit],
        cases=cases,
        open_cases=sum(1 for c in cases if c.is_open),
        can_visit=Cap.VIEW_FULL_RECORD in caps and Cap.HANDLE_CASES in caps,
        can_report=Cap.REPORT_CASES in caps,
        can_see_visits=see_visits,
        can_see_cases=see_cases,
        gap_days=settings.BANYAN_VISIT_GAP_DAYS,
    )


def visit_due_since(days: int | None = None) -> dt.date:
    days = days if days is not None else settings.BANYAN_VISIT_GAP_DAYS
    return timezone.localdate() - dt.timedelta(days=days)


# --- grids ----------------------------------------------------------------------------------


@dataclass
class GridPanel:
    node: Node
    open_cases: int
    overdue: int
    to_accept: int
    can_visit: bool
    can_report: bool


def grid_panel(*, user: User, node: Node) -> GridPanel | None:
    """The service loop's figures for a node the user already opened: open, overdue and
    waiting cases under it. None when the user sees no cases there."""
    caps = get_scope(user).caps_at_node(node)
    if Cap.VIEW_CASES not in caps:
        return None
    now = timezone.now()
    figures = (
        case_list(user=user, node=node, open_only=True)
        .order_by()
        .aggregate(
            open_cases=Count("id"),
            overdue=Count("id", filter=Q(due_at__lt=now) & ~Q(state=State.SUSPENDED)),
            to_accept=Count("id", filter=Q(state=State.SUBMITTED)),
        )
    )
    return GridPanel(
        node=node,
        open_cases=figures["open_cases"],
        overdue=figures["overdue"],
        to_accept=figures["to_accept"],
        can_visit=Cap.VIEW_FULL_RECORD in caps and Cap.HANDLE_CASES in caps,
        can_report=Cap.REPORT_CASES in caps and node.kind == NodeKind.GRID_L2,
    )


def report_grids(*, user: User) -> list[Node]:
    """Second-level grids where the user may record a case (the "where?" step)."""
    from banyan.places.selectors import node_list

    scope = get_scope(user)
    grids = node_list(user=user, kind=NodeKind.GRID_L2)
    return [
        g
        for g in grids
        if Cap.REPORT_CASES in scope.caps_at(community_id=g.community_id or 0, grid_id=g.pk)
    ]


# --- the inbox ------------------------------------------------------------------------------


def inbox_page(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, unread first, newest first within each."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return inbox(user=user).annotate(unread=unread).order_by("-unread", "-created_at", "-id")


def unread_count(*, user: User) -> int:
    return inbox(user=user, unread_only=True).order_by().count()


def email_opt_in(*, user: User) -> bool:
    from .models import NotificationSetting

    return NotificationSetting.objects.filter(user_id=user.pk, email=True).exists()
