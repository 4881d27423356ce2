"""Reads of the tree of places, through the user's scope.

Places are not personal data, but the tree still ends at the scope: a grid
manager of grid 1-1 cannot browse grid 2-1 by changing the id in the URL.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.http import Http404

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope

from .models import Building, Compound, Facility, Node

User = AbstractBaseUser | AnonymousUser

# Either capability lets a post see the places in its subtree.
PLACE_CAPS = (Cap.VIEW_AGGREGATES, Cap.VIEW_REGISTRY)


def _place_q(user: User, **fields: str | None) -> Q:
    scope = get_scope(user)
    q = Q(pk__in=[])
    for cap in PLACE_CAPS:
        q |= scope.q(cap, **fields)  # type: ignore[arg-type]
    return q


def node_list(
    *, user: User, parent: Node | None = None, kind: str = "", q: str = ""
) -> QuerySet[Node]:
    """Nodes inside the user's subtrees (their own post nodes and everything below)."""
    scope = get_scope(user)
    paths = sorted({p for a in scope.areas if set(PLACE_CAPS) & a.caps for p in a.paths})
    cond = Q(pk__in=[])
    for path in paths:
        cond |= Q(path__startswith=path)
    qs = Node.objects.filter(cond)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("sort_key", "id")


def get_node_for_user(user: User, pk: int) -> Node:
    """One node inside the user's subtrees, or Http404."""
    node = node_list(user=user).select_related("parent").filter(pk=pk).first()
    if node is None:
        raise Http404
    return node


def node_chain(node: Node, *, user: User, include_self: bool = True) -> list[Node]:
    """Breadcrumbs in one query: the node's ancestors (and itself) that the user may open."""
    ids = [*node.ancestor_ids, node.pk] if include_self else node.ancestor_ids
    return sorted(node_list(user=user).filter(pk__in=ids), key=lambda n: n.depth)


def node_children(*, user: User, node: Node) -> list[Node]:
    return list(node_list(user=user, parent=node))


def compound_list(*, user: User, node: Node | None = None, q: str = "") -> QuerySet[Compound]:
    """Compounds in scope; building-bound posts see their building's compound."""
    cond = _place_q(user, building=None)
    scope = get_scope(user)
    building_ids = [a.building_id for a in scope.areas if a.building_id is not None]
    if building_ids:
        cond |= Q(buildings__id__in=building_ids)
    qs = Compound.objects.filter(cond).distinct()
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    return qs.select_related("grid").order_by("grid__sort_key", "name", "id")


def compounds_with_counts(*, user: User, grid: Node) -> list[Compound]:
    return list(
        compound_list(user=user, node=grid).annotate(n_buildings=Count("buildings", distinct=True))
    )


def get_compound_for_user(user: User, pk: int) -> Compound:
    compound = compound_list(user=user).filter(pk=pk).first()
    if compound is None:
        raise Http404
    return compound


def building_list(
    *, user: User, compound: Compound | None = None, node: Node | None = None
) -> QuerySet[Building]:
    """Buildings in scope, each with `shown_head_id` and `shown_head_name`: the building
    head (a resident) only where the post sees residents (Cap.VIEW_REGISTRY); a post that
    sees aggregates only gets None and "" (never `building.head`, which is not loaded)."""
    qs = Building.objects.filter(_place_q(user, building="id"))
    if compound is not None:
        qs = qs.filter(compound=compound)
    if node is not None:
        qs = qs.filter(grid__path__startswith=node.path)
    sees_residents = get_scope(user).q(Cap.VIEW_REGISTRY, building="id")
    return (
        qs.select_related("compound")
        .annotate(
            shown_head_id=Case(When(sees_residents, then=F("head_id")), default=None),
            shown_head_name=Case(
                When(sees_residents, then=F("head__name")),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .order_by("compound__name", "sort_key", "id")
    )


def get_building_for_user(user: User, pk: int) -> Building:
    building = building_list(user=user).filter(pk=pk).first()
    if building is None:
        raise Http404
    return building


def facility_list(
    *, user: User, node: Node | None = None, q: str = "", subtree: bool = True
) -> QuerySet[Facility]:
    """Facilities in scope; under `node` (its whole subtree, or only those at the node)."""
    qs = Facility.objects.filter(_place_q(user, grid=None, building=None, node="node_id"))
    if node is not None:
        qs = qs.filter(node__path__startswith=node.path) if subtree else qs.filter(node=node)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.select_related("kind", "node", "compound").order_by("node__sort_key", "name", "id")


def get_facility_for_user(user: User, pk: int) -> Facility:
    facility = facility_list(user=user).filter(pk=pk).first()
    if facility is None:
        raise Http404
    return facility
