"""The tree browser: community → grid → compound → building, and each person's home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from banyan.accounts.roles import CASE_ROUTES, Cap
from banyan.accounts.scope import Scope, get_scope
from banyan.common.home import cards as home_cards
from banyan.places.models import Node, NodeKind
from banyan.registry import selectors as registry_selectors

from . import selectors

HOUSEHOLDS_PER_PAGE = 50


def crumbs(user, node: Node) -> list[dict]:
    """Links to the node and its ancestors, as far up as the user may go."""
    return [
        {"name": n.name, "url": reverse("places:node-detail", args=[n.pk])}
        for n in selectors.node_chain(node, user=user)
    ]


def _landing(scope: Scope, roots: list[Node]) -> str | None:
    """Where a post's work is: the window and the repair centre at the cases routed to
    them, a building head at their building, one area's post at that area."""
    if scope.areas and all(a.post.role in CASE_ROUTES for a in scope.areas):
        return reverse("casework:my-work")
    for area in scope.areas:
        if area.building_id is not None:
            return reverse("places:building-detail", args=[area.building_id])
    if len(roots) == 1:
        return reverse("places:node-detail", args=[roots[0].pk])
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each post lands where its work is: a grid manager on their grid, a building head
    on their building, the secretary on the community, the district on the district —
    unless an app has cards for the user (a branch secretary's obligations; the apps
    above places register them, banyan.common.home): then the cards and the way to
    the area."""
    scope = get_scope(request.user)
    roots = scope.root_nodes(Cap.VIEW_AGGREGATES) or scope.root_nodes(Cap.VIEW_REGISTRY)
    cards = home_cards(request)
    if not cards and (landing := _landing(scope, roots)) is not None:
        return redirect(landing)
    return render(request, "places/home.html", {"roots": roots, "cards": cards})


@login_required
def node_detail(request: HttpRequest, pk: int) -> HttpResponse:
    node = selectors.get_node_for_user(request.user, pk)
    children = selectors.node_children(user=request.user, node=node)
    counts = registry_selectors.node_counts(user=request.user, nodes=children)
    context: dict = {
        "node": node,
        "children": [(c, counts.get(c.pk, {})) for c in children],
        "breadcrumbs": crumbs(request.user, node)[:-1],
        "categories": registry_selectors.category_counts(user=request.user, node=node),
        "totals": registry_selectors.node_counts(user=request.user, nodes=[node]).get(node.pk, {}),
        "can_list_people": get_scope(request.user).can(Cap.VIEW_FULL_RECORD),
    }
    if node.kind == NodeKind.GRID_L2:
        context["can_edit"] = Cap.EDIT_REGISTRY in get_scope(request.user).caps_at(
            community_id=node.community_id or 0, grid_id=node.pk
        )
        context["compounds"] = selectors.compounds_with_counts(user=request.user, grid=node)
        households = registry_selectors.household_list(user=request.user, node=node).filter(
            building__isnull=True
        )
        context["free_households"] = households[:HOUSEHOLDS_PER_PAGE]
    # Above the L2 grid, only what stands at this level: each grid page lists its own.
    context["facilities"] = selectors.facility_list(
        user=request.user, node=node, subtree=node.kind == NodeKind.GRID_L2
    )[:50]
    return render(request, "places/node_detail.html", context)


@login_required
def compound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    compound = selectors.get_compound_for_user(request.user, pk)
    buildings = list(selectors.building_list(user=request.user, compound=compound))
    return render(
        request,
        "places/compound_detail.html",
        {
            "compound": compound,
            "buildings": buildings,
            "breadcrumbs": crumbs(request.user, compound.grid),
        },
    )


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.get_building_for_user(request.user, pk)
    caps = get_scope(request.user).caps_at(
        community_id=building.community_id, grid_id=building.grid_id, building_id=building.pk
    )
    # Who lives here is a resident's record: an aggregates-only post (the district) sees
    # how many, never which households (and not an empty list that says there are none).
    sees_residents = Cap.VIEW_REGISTRY in caps
    households = registry_selectors.with_member_counts(
        registry_selectors.household_list(user=request.user, building_id=building.pk)
    )
    page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    counts = (
        None
        if sees_residents
        else registry_selectors.building_counts(user=request.user, building_id=building.pk)
    )
    trail = crumbs(request.user, building.grid)
    trail.append(
        {
            "name": building.compound.name,
            "url": reverse("places:compound-detail", args=[building.compound_id]),
        }
    )
    return render(
        request,
        "places/building_detail.html",
        {
            "building": building,
            "page": page,
            "rows": [(h, h.member_count) for h in page.object_list] if sees_residents else [],
            "counts": counts,
            "breadcrumbs": trail,
            "can_edit": Cap.EDIT_REGISTRY in caps,
            # Who the building head is is a resident's name: not for aggregates-only posts.
            "sees_residents": sees_residents,
            "title": _("Building"),
        },
    )
