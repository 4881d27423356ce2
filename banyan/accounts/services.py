"""Granting and revoking posts, and creating accounts: one function per action.

Each runs in a transaction, checks that the actor manages posts in the community
concerned (Http404 otherwise: outside your scope a post does not exist), checks
its input and writes one event.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.places.models import Building, Node, NodeKind
from banyan.timeline.services import record

from .models import Post
from .roles import BUILDING_ROLES, CAPABILITIES, ROLE_NODE_KINDS, Cap, Role
from .scope import get_scope
from .selectors import managed_community_ids
from .sessions import sign_ins_end_without_post

User = AbstractBaseUser | AnonymousUser

# Usernames land in logs and on screens: refuse the phone and ID numbers people are
# tempted to use as one (SECURITY.md 10).
_LOOKS_PERSONAL = re.compile(r"\d{7,}")


# --- guards -----------------------------------------------------------------------


def _require_manage_posts(actor: User, community_id: int | None) -> int:
    """Http404 unless the actor manages posts in this community; returns its id.

    District and street nodes have no community: their posts are granted in the
    Django admin, since no role that manages posts sits above a community.
    """
    if community_id is None:
        raise Http404
    if Cap.MANAGE_POSTS not in get_scope(actor).caps_at(community_id=community_id):
        raise Http404
    return community_id


def _user_label(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()  # type: ignore[attr-defined]


def _post_data(post: Post, user: AbstractBaseUser, node: Node) -> dict[str, object]:
    data: dict[str, object] = {
        "role": post.role,  # the code: the sentence shows its label (AccountsConfig.ready)
        "node": node.name,
        "node_id": node.pk,
        "user": _user_label(user),
        "user_id": user.pk,
        "post_id": post.pk,
    }
    if post.building is not None:
        data["building"] = str(post.building)
        data["building_id"] = post.building.pk
    return data


def _clean_building(role: str, node: Node, building: Building | None) -> Building | None:
    if role in BUILDING_ROLES:
        if building is None:
            raise ValidationFailed(_("A building head's post needs a building."), field="building")
        grid = Node.objects.filter(pk=building.grid_id).only("path").first()
        if (
            building.community_id != node.community_id
            or grid is None
            or not grid.path.startswith(node.path)
        ):
            raise ValidationFailed(
                _("This building is not inside %(node)s.") % {"node": node.name},
                field="building",
            )
        return building
    if building is not None:
        raise ValidationFailed(
            _("Only a building head's post is bound to a building."), field="building"
        )
    return None


# --- posts ------------------------------------------------------------------------


@transaction.atomic
def post_grant(
    *,
    actor: User,
    user: AbstractBaseUser,
    role: str,
    node: Node,
    building: Building | None = None,
    title: str = "",
) -> Post:
    """Give `user` the post `role` at `node` (and `building` for a building head).

    Http404 when the node lies outside the communities where the actor manages
    posts; ValidationFailed (naming the field) for a role the node's kind cannot
    hold, a missing or misplaced building, an inactive user, or a post the user
    already holds.
    """
    community_id = _require_manage_posts(actor, node.community_id)
    if role not in Role.values:
        raise ValidationFailed(_("Not a valid role."), field="role")
    kinds = ROLE_NODE_KINDS.get(role, frozenset())
    if node.kind not in kinds:
        raise ValidationFailed(
            _("A post of %(role)s sits at: %(kinds)s.")
            % {
                "role": Role(role).label,
                "kinds": ", ".join(str(NodeKind(k).label) for k in sorted(kinds)),
            },
            field="node",
        )
    building = _clean_building(role, node, building)
    title = (title or "").strip()
    if len(title) > 100:
        raise ValidationFailed(_("At most %(n)s characters.") % {"n": 100}, field="title")

    # Lock the user so two admins granting the same post at once make one post.
    locked = get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if locked is None or not locked.is_active:
        raise ValidationFailed(_("This account is not active."), field="user")
    duplicate = Post.objects.filter(
        user_id=locked.pk, role=role, node_id=node.pk, building=building, active=True
    ).exists()
    if duplicate:
        raise ValidationFailed(_("This person already holds this post."))

    post = Post.objects.create(
        user=locked,
        role=role,
        node=node,
        building=building,
        community_id=community_id,
        title=title,
    )
    community = Node.objects.get(pk=community_id)
    data = _post_data(post, locked, node)
    record(
        actor=actor,
        community=community,
        verb="post_granted",
        summary=f"{Role(post.role).label} @ {node.name}: {data['user']}",
        subject=post,
        data=data,
    )
    return post


@transaction.atomic
def post_revoke(*, actor: User, post: Post) -> Post:
    """End a post: it stays in the history with `revoked_at`, it no longer grants scope.

    When it was the user's last active post, their API tokens and browser sessions are
    deleted (SECURITY.md 22).

    Http404 outside the actor's communities; InvalidTransition when the post was
    already revoked, or when an administrator would revoke their own admin post
    (another administrator must do it, so a community is never left without one by
    a slip of the finger).
    """
    locked = (
        Post.objects.select_for_update(of=("self",))
        .select_related("node", "user", "building__compound")
        .filter(pk=post.pk)
        .first()
    )
    if locked is None:
        raise Http404
    community_id = _require_manage_posts(actor, locked.community_id)
    if not locked.active:
        raise InvalidTransition(_("This post has already been revoked."))
    if locked.user_id == actor.pk and Cap.MANAGE_POSTS in CAPABILITIES.get(locked.role, ()):
        raise InvalidTransition(
            _("You cannot revoke your own administrator post; ask another administrator.")
        )
    locked.active = False
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["active", "revoked_at"])
    community = Node.objects.get(pk=community_id)
    data = _post_data(locked, locked.user, locked.node)
    # The last post: the account's API tokens and browser sessions end now, for good (a
    # post granted later does not bring them back), and it signs in no more.
    ended = sign_ins_end_without_post(user_id=locked.user_id)
    if ended is not None:
        data.update(ended)
    record(
        actor=actor,
        community=community,
        verb="post_revoked",
        summary=f"{Role(locked.role).label} @ {locked.node.name}: {data['user']}",
        subject=locked,
        data=data,
    )
    return locked


# --- accounts ---------------------------------------------------------------------


@transaction.atomic
def user_create(*, actor: User, username: str, full_name: str, password: str) -> AbstractBaseUser:
    """Create an account with an initial password, so that a post can be granted to it.

    Only someone who manages posts may do it (Http404 otherwise). Accounts are not
    tied to a community; the event is written in the lowest-numbered community the
    actor manages.
    """
    communities = managed_community_ids(user=actor)
    if not communities:
        raise Http404
    UserModel = get_user_model()

    username = (username or "").strip()
    if not username:
        raise ValidationFailed(_("This field is required."), field="username")
    if len(username) > 150:
        raise ValidationFailed(_("At most %(n)s characters.") % {"n": 150}, field="username")
    try:
        UserModel.username_validator(username)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="username") from exc
    if _LOOKS_PERSONAL.search(username):
        raise ValidationFailed(
            _("Do not use a phone or ID number as a username."), field="username"
        )
    if UserModel.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("This username is taken."), field="username")

    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationFailed(_("This field is required."), field="full_name")
    if len(full_name) > 150:
        raise ValidationFailed(_("At most %(n)s characters.") % {"n": 150}, field="full_name")

    try:
        validate_password(password or "", user=UserModel(username=username, first_name=full_name))
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from exc

    try:
        with transaction.atomic():
            user = UserModel.objects.create_user(  # type: ignore[attr-defined]
                username=username, password=password, first_name=full_name
            )
    except IntegrityError as exc:  # someone took the name a moment ago
        raise ValidationFailed(_("This username is taken."), field="username") from exc

    record(
        actor=actor,
        community=Node.objects.get(pk=min(communities)),
        verb="user_created",
        summary=_("Account %(username)s created for %(name)s")
        % {"username": username, "name": full_name},
        subject=user,
        data={"user": full_name, "user_id": user.pk, "username": username},
    )
    return user
