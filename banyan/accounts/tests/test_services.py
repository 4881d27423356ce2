"""post_grant, post_revoke and user_create: scope, validation and one event each."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import Http404

from banyan.accounts import services
from banyan.accounts.models import Post
from banyan.accounts.roles import Cap, Role
from banyan.accounts.scope import get_scope
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.timeline.models import Event

from .factories import make_user


def _counts() -> tuple[int, int, int]:
    return Post.objects.count(), Event.objects.count(), get_user_model().objects.count()


# --- post_grant -------------------------------------------------------------------


def test_it_grants_a_post_and_writes_one_event(world):
    before = Event.objects.count()
    post = services.post_grant(
        actor=world.alice, user=world.eve, role=Role.GRID_MANAGER, node=world.l2_2_1
    )
    assert post.active
    assert post.community_id == world.community.pk
    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert event.verb == "post_granted"
    assert event.community_id == world.community.pk
    assert event.actor_id == world.alice.pk
    assert {"role", "node", "user"} <= set(event.data)
    assert event.data["node"] == world.l2_2_1.name
    assert event.subject_type == "post"
    assert event.subject_id == post.pk
    # The new post is scope at once.
    assert Cap.VIEW_REGISTRY in get_scope(world.eve).caps_at(
        community_id=world.community.pk, grid_id=world.l2_2_1.pk
    )


def test_it_grants_a_building_head_post_bound_to_a_building(world):
    post = services.post_grant(
        actor=world.alice,
        user=world.eve,
        role=Role.BUILDING_HEAD,
        node=world.l2_2_1,
        building=world.building_2_1,
    )
    assert post.building_id == world.building_2_1.pk
    assert Event.objects.latest("id").data["building_id"] == world.building_2_1.pk


@pytest.mark.parametrize("who", ["mallory", "bob", "dave", "eve"])
def test_it_rejects_granting_outside_scope(world, who):
    before = _counts()
    with pytest.raises(Http404):
        services.post_grant(
            actor=getattr(world, who), user=world.eve, role=Role.GRID_MANAGER, node=world.l2_1_1
        )
    assert _counts() == before


@pytest.mark.parametrize("node", ["district", "street", "other_community", "other_l2"])
def test_it_rejects_granting_above_or_beside_the_community(world, node):
    before = _counts()
    role = Role.DISTRICT_VIEWER if node in ("district", "street") else Role.COMMUNITY_ADMIN
    if node == "other_l2":
        role = Role.GRID_MANAGER
    with pytest.raises(Http404):
        services.post_grant(actor=world.alice, user=world.eve, role=role, node=getattr(world, node))
    assert _counts() == before


def test_it_rejects_an_unknown_role(world):
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        services.post_grant(actor=world.alice, user=world.eve, role="king", node=world.community)
    assert exc.value.field == "role"
    assert _counts() == before


@pytest.mark.parametrize(
    ("role", "node"),
    [
        (Role.GRID_MANAGER, "community"),
        (Role.GRID_MANAGER, "l1_1"),
        (Role.GRID_LEADER, "l2_1_1"),
        (Role.COMMUNITY_ADMIN, "l1_1"),
        (Role.DISTRICT_VIEWER, "community"),
    ],
)
def test_it_rejects_a_node_kind_the_role_cannot_hold(world, role, node):
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        services.post_grant(actor=world.alice, user=world.eve, role=role, node=getattr(world, node))
    assert exc.value.field == "node"
    assert exc.value.message
    assert _counts() == before


def test_it_requires_a_building_for_a_building_head(world):
    with pytest.raises(ValidationFailed) as exc:
        services.post_grant(
            actor=world.alice, user=world.eve, role=Role.BUILDING_HEAD, node=world.l2_1_1
        )
    assert exc.value.field == "building"


def test_it_rejects_a_building_outside_the_node(world):
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        services.post_grant(
            actor=world.alice,
            user=world.eve,
            role=Role.BUILDING_HEAD,
            node=world.l2_1_1,
            building=world.building_2_1,
        )
    assert exc.value.field == "building"
    assert _counts() == before


def test_it_rejects_a_building_for_a_role_without_one(world):
    with pytest.raises(ValidationFailed) as exc:
        services.post_grant(
            actor=world.alice,
            user=world.eve,
            role=Role.GRID_MANAGER,
            node=world.l2_1_1,
            building=world.building_1_1,
        )
    assert exc.value.field == "building"


def test_it_rejects_a_too_long_title(world):
    with pytest.raises(ValidationFailed) as exc:
        services.post_grant(
            actor=world.alice,
            user=world.eve,
            role=Role.VOLUNTEER,
            node=world.community,
            title="x" * 101,
        )
    assert exc.value.field == "title"


def test_it_rejects_an_inactive_user(world):
    world.eve.is_active = False
    world.eve.save()
    with pytest.raises(ValidationFailed) as exc:
        services.post_grant(
            actor=world.alice, user=world.eve, role=Role.VOLUNTEER, node=world.community
        )
    assert exc.value.field == "user"


def test_it_refuses_a_duplicate_active_post(world):
    before = _counts()
    with pytest.raises(ValidationFailed):
        services.post_grant(
            actor=world.alice, user=world.bob, role=Role.GRID_MANAGER, node=world.l2_1_1
        )
    assert _counts() == before


def test_it_allows_granting_again_after_a_revoke(world):
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    post = services.post_grant(
        actor=world.alice, user=world.bob, role=Role.GRID_MANAGER, node=world.l2_1_1
    )
    assert post.pk != world.posts.bob.pk
    assert Post.objects.filter(user=world.bob, node=world.l2_1_1).count() == 2


# --- post_revoke ------------------------------------------------------------------


def test_it_revokes_a_post_keeps_it_and_writes_one_event(world):
    before = Event.objects.count()
    post = services.post_revoke(actor=world.alice, post=world.posts.bob)
    assert not post.active
    assert post.revoked_at is not None
    assert Post.objects.filter(pk=post.pk, active=False).exists()
    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert event.verb == "post_revoked"
    assert event.community_id == world.community.pk
    assert event.data["user"] == world.bob.get_full_name()
    # Scope follows the post: bob sees nothing any more.
    assert get_scope(get_user_model().objects.get(pk=world.bob.pk)).posts == []


@pytest.mark.parametrize("who", ["mallory", "bob", "charlie", "eve"])
def test_it_rejects_revoking_outside_scope(world, who):
    before = _counts()
    with pytest.raises(Http404):
        services.post_revoke(actor=getattr(world, who), post=world.posts.dave)
    assert _counts() == before
    assert Post.objects.get(pk=world.posts.dave.pk).active


def test_it_rejects_revoking_twice(world):
    services.post_revoke(actor=world.alice, post=world.posts.bob)
    before = _counts()
    with pytest.raises(InvalidTransition):
        services.post_revoke(actor=world.alice, post=world.posts.bob)
    assert _counts() == before


def test_it_refuses_revoking_ones_own_admin_post(world):
    with pytest.raises(InvalidTransition):
        services.post_revoke(actor=world.alice, post=world.posts.alice)
    assert Post.objects.get(pk=world.posts.alice.pk).active


def test_another_admin_can_revoke_an_admin_post(world):
    second = make_user("secretary2")
    services.post_grant(
        actor=world.alice, user=second, role=Role.COMMUNITY_ADMIN, node=world.community
    )
    second = get_user_model().objects.get(pk=second.pk)
    post = services.post_revoke(actor=second, post=world.posts.alice)
    assert not post.active


# --- user_create ------------------------------------------------------------------


def test_it_creates_an_account_with_one_event(world):
    before = Event.objects.count()
    user = services.user_create(
        actor=world.alice, username="grace", full_name="周桂花", password="a-long-passphrase"
    )
    assert user.check_password("a-long-passphrase")
    assert user.get_full_name() == "周桂花"
    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert event.verb == "user_created"
    assert event.community_id == world.community.pk
    assert "a-long-passphrase" not in str(event.data) + event.summary


@pytest.mark.parametrize(
    ("username", "full_name", "password", "field"),
    [
        ("", "周桂花", "a-long-passphrase", "username"),
        ("Alice", "周桂花", "a-long-passphrase", "username"),
        ("has space", "周桂花", "a-long-passphrase", "username"),
        ("13812345678", "周桂花", "a-long-passphrase", "username"),
        ("grace", "", "a-long-passphrase", "full_name"),
        ("grace", "周桂花", "short", "password"),
        ("grace", "周桂花", "password123", "password"),
    ],
)
def test_it_rejects_bad_account_input(world, username, full_name, password, field):
    before = _counts()
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(
            actor=world.alice, username=username, full_name=full_name, password=password
        )
    assert exc.value.field == field
    assert _counts() == before


@pytest.mark.parametrize("who", ["bob", "dave", "eve"])
def test_it_rejects_creating_accounts_without_managing_posts(world, who):
    before = _counts()
    with pytest.raises(Http404):
        services.user_create(
            actor=getattr(world, who), username="grace", full_name="周", password="a-long-pass"
        )
    assert _counts() == before
