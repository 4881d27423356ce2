"""The one access mechanism: what a user may see is the union of the subtrees of
their active posts, and what they may do there is their role's capabilities.

Every selector filters through `Scope.q`/`Scope.filter`; every single-object load
goes through an access helper that raises Http404 outside the scope (never 403,
which would confirm that the object exists). A user with no post sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from banyan.places.models import Node, NodeKind

from .models import Post
from .roles import CAPABILITIES, Cap

M = TypeVar("M", bound=Model)

_NOTHING = Q(pk__in=[])


@dataclass
class Area:
    """What one post covers, resolved to indexed ids (communities, L2 grids, nodes)."""

    post: Post
    caps: frozenset[str]
    community_ids: frozenset[int] = frozenset()  # whole communities
    grid_ids: frozenset[int] = frozenset()  # L2 grids, when less than a community
    node_ids: frozenset[int] = frozenset()  # every node in the subtree
    building_id: int | None = None  # a building-bound post covers only this
    paths: tuple[str, ...] = field(default_factory=tuple)

    def covers(self, *, community_id: int, grid_id: int | None, building_id: int | None) -> bool:
        if self.building_id is not None:
            return building_id == self.building_id
        if community_id in self.community_ids:
            return True
        return grid_id is not None and grid_id in self.grid_ids


def area_q(
    area: Area,
    *,
    community: str = "community_id",
    grid: str | None = "grid_id",
    building: str | None = "building_id",
    node: str | None = None,
) -> Q:
    """The rows one post covers, as a filter on the row's own columns."""
    if area.building_id is not None:
        return Q(**{building: area.building_id}) if building is not None else _NOTHING
    if area.community_ids:
        return Q(**{f"{community}__in": sorted(area.community_ids)})
    if node is not None:
        return Q(**{f"{node}__in": sorted(area.node_ids)})
    if grid is not None:
        # Tenant first, then the grid: matches the (community, grid) indexes.
        return Q(**{community: area.post.community_id, f"{grid}__in": sorted(area.grid_ids)})
    return _NOTHING


class Scope:
    def __init__(self, user: AbstractBaseUser | AnonymousUser) -> None:
        self.user = user

    @cached_property
    def posts(self) -> list[Post]:
        if not self.user.is_authenticated or not self.user.is_active:
            return []
        return list(
            Post.objects.filter(user_id=self.user.pk, active=True)
            .select_related("node", "building", "community")
            .order_by("id")
        )

    @cached_property
    def areas(self) -> list[Area]:
        """Every post's area, from one query for the nodes under all the posts."""
        tree_posts = [p for p in self.posts if p.building_id is None]
        nodes: list[tuple[int, str, str]] = []
        if tree_posts:
            under = Q()
            for path in {p.node.path for p in tree_posts}:
                under |= Q(path__startswith=path)
            nodes = list(Node.objects.filter(under).values_list("id", "kind", "path"))
        return [self._resolve(post, nodes) for post in self.posts]

    @staticmethod
    def _resolve(post: Post, nodes: list[tuple[int, str, str]]) -> Area:
        caps = CAPABILITIES.get(post.role, frozenset())
        if post.building_id is not None:
            return Area(post=post, caps=caps, building_id=post.building_id, paths=())
        node = post.node
        subtree = [(pk, kind) for pk, kind, path in nodes if path.startswith(node.path)]
        node_ids = frozenset(pk for pk, _ in subtree)
        if node.kind in (NodeKind.DISTRICT, NodeKind.STREET, NodeKind.COMMUNITY):
            communities = frozenset(pk for pk, kind in subtree if kind == NodeKind.COMMUNITY)
            return Area(
                post, caps, community_ids=communities, node_ids=node_ids, paths=(node.path,)
            )
        grids = frozenset(pk for pk, kind in subtree if kind == NodeKind.GRID_L2)
        return Area(post, caps, grid_ids=grids, node_ids=node_ids, paths=(node.path,))

    @cached_property
    def all_caps(self) -> frozenset[str]:
        """Every capability held somewhere (what menus may offer; never an access check)."""
        return frozenset().union(*(a.caps for a in self.areas))

    # --- questions -------------------------------------------------------------

    def can(self, cap: str) -> bool:
        """True when any post grants `cap` somewhere."""
        return any(cap in a.caps for a in self.areas)

    def caps_at(
        self, *, community_id: int, grid_id: int | None = None, building_id: int | None = None
    ) -> frozenset[str]:
        """The capabilities the user has on one object, from every post that covers it."""
        caps: set[str] = set()
        for area in self.areas:
            if area.covers(community_id=community_id, grid_id=grid_id, building_id=building_id):
                caps |= area.caps
        return frozenset(caps)

    def caps_at_node(self, node: Node) -> frozenset[str]:
        """Capabilities on an object hung at a node (a facility): from posts whose subtree
        holds the node; building-bound posts cover no node."""
        caps: set[str] = set()
        for area in self.areas:
            if area.building_id is None and node.pk in area.node_ids:
                caps |= area.caps
        return frozenset(caps)

    def community_ids(self, cap: str) -> frozenset[int]:
        """Communities in which the user holds `cap` anywhere (for tenant-first filters)."""
        ids: set[int] = set()
        for area in self.areas:
            if cap in area.caps:
                if area.community_ids:
                    ids |= area.community_ids
                elif area.post.community_id is not None:
                    ids.add(area.post.community_id)
        return frozenset(ids)

    # --- filters ---------------------------------------------------------------

    def q(
        self,
        cap: str,
        *,
        community: str = "community_id",
        grid: str | None = "grid_id",
        building: str | None = "building_id",
        node: str | None = None,
    ) -> Q:
        """A filter for rows carrying community / L2 grid / building (or node) columns."""
        result = _NOTHING
        for area in self.areas:
            if cap in area.caps:
                result |= area_q(area, community=community, grid=grid, building=building, node=node)
        return result

    def filter(self, qs: QuerySet[M], cap: str, **fields: str | None) -> QuerySet[M]:
        q = self.q(cap, **fields)  # type: ignore[arg-type]
        if q == _NOTHING:
            return qs.none()
        return qs.filter(q)

    def node_q(self, cap: str) -> Q:
        """Tree nodes inside the subtrees where the user holds `cap`."""
        result = _NOTHING
        for area in self.areas:
            if cap in area.caps:
                for path in area.paths:
                    result |= Q(path__startswith=path)
        return result

    def nodes(self, cap: str) -> QuerySet[Node]:
        q = self.node_q(cap)
        if q == _NOTHING:
            return Node.objects.none()
        return Node.objects.filter(q)

    def root_nodes(self, cap: str) -> list[Node]:
        """The top node of each post granting `cap`, without nested duplicates."""
        nodes = sorted(
            {a.post.node for a in self.areas if cap in a.caps and a.building_id is None},
            key=lambda n: n.path,
        )
        roots: list[Node] = []
        for n in nodes:
            if not any(n.path.startswith(r.path) for r in roots):
                roots.append(n)
        return roots


# Either capability makes an object visible; without both, it does not exist for the user.
SEEING = frozenset({Cap.VIEW_AGGREGATES, Cap.VIEW_REGISTRY})


def require(caps: frozenset[str], cap: str, *, seeing: frozenset[str] = SEEING) -> None:
    """The services' guard: Http404 when the user cannot see the object at all (never
    confirm it exists), PermissionDenied when they see it but may not do this.

    `seeing` names the capabilities that make the object visible (party rows are seen
    with Cap.VIEW_PARTY, not with the registry's)."""
    if not caps & seeing:
        raise Http404
    if cap not in caps:
        raise PermissionDenied


def get_scope(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    scope = getattr(user, "_banyan_scope", None)
    if scope is None:
        scope = Scope(user)
        user._banyan_scope = scope  # type: ignore[union-attr]
    return scope
