"""Reads of posts and the access log, through the user's scope.

Managing posts is community-wide: a user manages the posts of the communities
where one of their posts grants Cap.MANAGE_POSTS over the whole community.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from banyan.places.models import Building, Node, NodeKind
from banyan.places.selectors import building_list, node_list

from .models import AccessLog, Post
from .roles import ROLE_NODE_KINDS, Cap, Role
from .scope import get_scope

User = AbstractBaseUser | AnonymousUser

# Roles a community administrator can hand out: those whose post sits at the
# community or below (a district viewer's sits above it).
_COMMUNITY_KINDS = frozenset({NodeKind.COMMUNITY, NodeKind.GRID_L1, NodeKind.GRID_L2})
GRANTABLE_ROLES = tuple(r for r in Role if ROLE_NODE_KINDS[r] <= _COMMUNITY_KINDS)


def managed_community_ids(*, user: User) -> frozenset[int]:
    """Communities in which `user` manages posts (empty for everyone else)."""
    scope = get_scope(user)
    return frozenset(
        c
        for c in scope.community_ids(Cap.MANAGE_POSTS)
        if Cap.MANAGE_POSTS in scope.caps_at(community_id=c)
    )


def post_list(*, user: User) -> QuerySet[Post]:
    """Every post, active first, in the communities the user manages."""
    ids = managed_community_ids(user=user)
    if not ids:
        return Post.objects.none()
    return (
        Post.objects.filter(community_id__in=sorted(ids))
        .select_related("user", "node", "building__compound")
        .order_by("-active", "node__path", "role", "user__username", "id")
    )


def own_post_list(*, user: User) -> QuerySet[Post]:
    """The user's own posts, active first, revoked ones kept for the record."""
    if not user.is_authenticated:
        return Post.objects.none()
    return (
        Post.objects.filter(user_id=user.pk)
        .select_related("node", "building__compound")
        .order_by("-active", "-granted_at", "id")
    )


def get_post_for_user(user: User, pk: int) -> Post:
    """One post in a community the user manages, or Http404."""
    post = post_list(user=user).filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


def grantable_node_list(*, user: User) -> QuerySet[Node]:
    """Nodes at which the user may grant posts: inside their scope and their communities."""
    ids = managed_community_ids(user=user)
    if not ids:
        return Node.objects.none()
    return node_list(user=user).filter(community_id__in=sorted(ids), kind__in=_COMMUNITY_KINDS)


def grantable_building_list(*, user: User) -> QuerySet[Building]:
    """Buildings a building head's post may be bound to (the user's communities)."""
    ids = managed_community_ids(user=user)
    if not ids:
        return Building.objects.none()
    return (
        building_list(user=user)
        .filter(community_id__in=sorted(ids))
        .select_related("grid")
        .order_by("grid__sort_key", "compound__name", "sort_key", "id")
    )


def active_user_by_username(username: str) -> AbstractBaseUser | None:
    """The active account with exactly this username, if any."""
    return (
        get_user_model().objects.filter(username=(username or "").strip(), is_active=True).first()
    )


def access_log_list(*, user: User) -> QuerySet[AccessLog]:
    """Access-log rows of the communities the user manages, newest first.

    Rows without a community (an exact ID-number or phone search that found no
    one) are shown to the administrators of every community where their author
    holds or held a post.
    """
    ids = sorted(managed_community_ids(user=user))
    if not ids:
        return AccessLog.objects.none()
    authors = Post.objects.filter(community_id__in=ids).values("user_id")
    return (
        AccessLog.objects.filter(
            Q(community_id__in=ids) | Q(community__isnull=True, user_id__in=authors)
        )
        .select_related("user", "person")
        .order_by("-at", "-id")
    )
