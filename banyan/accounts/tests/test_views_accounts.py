"""Posts pages, account creation and the access log, seen by alice, bob and outsiders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from banyan.accounts.models import AccessLog, Post
from banyan.accounts.roles import Role
from banyan.timeline.models import Event

from .factories import make_post, make_user

POSTS = "accounts:posts"
GRANT = "accounts:post-grant"
CREATE = "accounts:user-create"
ACCESS_LOG = "accounts:access-log"


def _revoke_url(post: Post) -> str:
    return reverse("accounts:post-revoke", args=[post.pk])


def _counts() -> tuple[int, int, int]:
    return Post.objects.count(), Event.objects.count(), get_user_model().objects.count()


def _grant_data(world, **overrides) -> dict:
    data = {
        "username": "eve",
        "role": Role.GRID_MANAGER.value,
        "node": world.l2_2_1.pk,
        "building": "",
        "title": "",
    }
    data.update(overrides)
    return data


# --- the posts page ---------------------------------------------------------------


def test_it_sends_anonymous_users_to_login(client, world):
    for url in (
        reverse(POSTS),
        reverse(GRANT),
        reverse(CREATE),
        reverse(ACCESS_LOG),
        _revoke_url(world.posts.bob),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_alice_sees_every_post_of_her_community(client, world):
    client.force_login(world.alice)
    response = client.get(reverse(POSTS))
    assert response.status_code == 200
    shown = {p.pk for p in response.context["page_obj"]}
    assert shown == {
        world.posts.alice.pk,
        world.posts.bob.pk,
        world.posts.charlie.pk,
        world.posts.dave.pk,
    }
    text = response.content.decode()
    assert reverse(GRANT) in text
    assert world.mallory.get_full_name() not in text


def test_it_lists_active_posts_first(client, world):
    revoked = make_post(world.eve, Role.VOLUNTEER, world.community)
    revoked.active = False
    revoked.save()
    client.force_login(world.alice)
    posts = list(client.get(reverse(POSTS)).context["page_obj"])
    assert posts[-1].pk == revoked.pk
    assert all(p.active for p in posts[:-1])


def test_the_posts_page_runs_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.alice)
    client.get(reverse(POSTS))  # warm the session
    with django_assert_max_num_queries(14):
        small = client.get(reverse(POSTS))
    for i in range(60):
        make_post(make_user(f"worker{i}"), Role.VOLUNTEER, world.community)
    with django_assert_max_num_queries(14):
        big = client.get(reverse(POSTS))
    assert len(big.context["page_obj"]) == 50
    assert big.context["page_obj"].paginator.num_pages == 2
    assert len(small.context["page_obj"]) == 4


def test_bob_sees_only_his_own_posts(client, world):
    client.force_login(world.bob)
    response = client.get(reverse(POSTS))
    assert response.status_code == 200
    assert response.context["page_obj"] is None
    assert [p.pk for p in response.context["own_posts"]] == [world.posts.bob.pk]
    text = response.content.decode()
    assert reverse(GRANT) not in text
    assert world.charlie.get_full_name() not in text


def test_eve_without_a_post_sees_an_empty_list(client, world):
    client.force_login(world.eve)
    response = client.get(reverse(POSTS))
    assert response.status_code == 200
    assert response.context["own_posts"] == []


# --- granting ---------------------------------------------------------------------


def test_alice_can_grant_a_post(client, world):
    client.force_login(world.alice)
    assert client.get(reverse(GRANT)).status_code == 200
    response = client.post(reverse(GRANT), _grant_data(world, title="网格员"))
    assert response.status_code == 302
    post = Post.objects.get(user=world.eve)
    assert (post.role, post.node_id, post.title) == (Role.GRID_MANAGER, world.l2_2_1.pk, "网格员")
    assert Event.objects.filter(verb="post_granted", subject_id=post.pk).count() == 1


def test_alice_can_grant_a_building_head_post(client, world):
    client.force_login(world.alice)
    data = _grant_data(
        world, role=Role.BUILDING_HEAD.value, node=world.l2_1_1.pk, building=world.building_1_1.pk
    )
    assert client.post(reverse(GRANT), data).status_code == 302
    assert Post.objects.get(user=world.eve).building_id == world.building_1_1.pk


def test_the_grant_form_offers_only_nodes_and_buildings_in_scope(client, world):
    client.force_login(world.alice)
    form = client.get(reverse(GRANT)).context["form"]
    nodes = set(form.fields["node"].queryset.values_list("pk", flat=True))
    assert nodes == {
        world.community.pk,
        world.l1_1.pk,
        world.l1_2.pk,
        world.l2_1_1.pk,
        world.l2_2_1.pk,
    }
    buildings = set(form.fields["building"].queryset.values_list("pk", flat=True))
    assert buildings == {world.building_1_1.pk, world.building_2_1.pk}
    roles = {value for value, _label in form.fields["role"].choices}
    assert Role.DISTRICT_VIEWER not in roles


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "nobody"}, "username"),
        ({"role": ""}, "role"),
        ({"role": "king"}, "role"),
        ({"role": Role.DISTRICT_VIEWER.value, "node": "district"}, "role"),
        ({"node": ""}, "node"),
        ({"node": "abc"}, "node"),
        ({"node": "district"}, "node"),
        ({"node": "other_l2"}, "node"),
        ({"node": "community"}, "node"),  # a grid manager sits at an L2 grid
        ({"role": Role.BUILDING_HEAD.value}, "building"),  # building missing
        ({"role": Role.BUILDING_HEAD.value, "building": "building_1_1"}, "building"),  # elsewhere
        ({"building": "building_2_1"}, "building"),  # grid managers have no building
        ({"building": "99999"}, "building"),
        ({"title": "x" * 101}, "title"),
    ],
)
def test_it_rejects_bad_grant_input_naming_the_field(client, world, overrides, field):
    # Names of world objects stand for their ids (the ids differ from test to test).
    overrides = {
        key: getattr(world, value).pk if hasattr(world, value) else value
        for key, value in overrides.items()
    }
    client.force_login(world.alice)
    before = _counts()
    response = client.post(reverse(GRANT), _grant_data(world, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert all(str(message) for message in errors[field])
    assert _counts() == before


def test_it_rejects_a_duplicate_post_with_a_form_error(client, world):
    client.force_login(world.alice)
    before = _counts()
    response = client.post(reverse(GRANT), _grant_data(world, username="bob", node=world.l2_1_1.pk))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _counts() == before


def test_mallory_cannot_grant_at_alices_nodes(client, world):
    client.force_login(world.mallory)
    before = _counts()
    for node in (world.l2_1_1, world.l1_1, world.community):
        role = {"grid_l2": Role.GRID_MANAGER, "grid_l1": Role.GRID_LEADER}.get(
            node.kind, Role.COMMUNITY_ADMIN
        )
        response = client.post(reverse(GRANT), _grant_data(world, role=role.value, node=node.pk))
        # The node is not among her choices: rejected on the field, never widened.
        assert response.status_code == 200
        assert "node" in response.context["form"].errors
    assert _counts() == before


@pytest.mark.parametrize("who", ["bob", "charlie", "dave", "eve"])
def test_non_admins_get_404_on_every_management_page(client, world, who):
    client.force_login(getattr(world, who))
    before = _counts()
    assert client.get(reverse(GRANT)).status_code == 404
    assert client.post(reverse(GRANT), _grant_data(world)).status_code == 404
    assert client.get(reverse(CREATE)).status_code == 404
    create = {
        "username": "grace",
        "full_name": "周",
        "password": "a-long-passphrase",
        "password2": "a-long-passphrase",
    }
    assert client.post(reverse(CREATE), create).status_code == 404
    assert client.get(reverse(ACCESS_LOG)).status_code == 404
    for post in (world.posts.bob, world.posts.alice, world.posts.mallory):
        assert client.post(_revoke_url(post)).status_code == 404
        assert client.get(_revoke_url(post)).status_code == 404
    assert _counts() == before


# --- revoking ---------------------------------------------------------------------


def test_alice_can_revoke_a_post(client, world):
    client.force_login(world.alice)
    response = client.post(_revoke_url(world.posts.bob))
    assert response.status_code == 302
    post = Post.objects.get(pk=world.posts.bob.pk)
    assert not post.active
    assert post.revoked_at is not None
    assert Event.objects.filter(verb="post_revoked", subject_id=post.pk).count() == 1


def test_revoking_needs_a_post_request(client, world):
    client.force_login(world.alice)
    assert client.get(_revoke_url(world.posts.bob)).status_code == 405
    assert Post.objects.get(pk=world.posts.bob.pk).active


def test_mallory_gets_404_revoking_alices_posts(client, world):
    client.force_login(world.mallory)
    for post in (world.posts.alice, world.posts.bob, world.posts.dave):
        assert client.post(_revoke_url(post)).status_code == 404
        assert Post.objects.get(pk=post.pk).active


def test_alice_gets_404_revoking_a_post_of_another_community(client, world):
    client.force_login(world.alice)
    assert client.post(_revoke_url(world.posts.mallory)).status_code == 404
    assert client.post(reverse("accounts:post-revoke", args=[999999])).status_code == 404


def test_revoking_twice_shows_a_message_and_writes_nothing(client, world):
    client.force_login(world.alice)
    client.post(_revoke_url(world.posts.bob))
    before = _counts()
    response = client.post(_revoke_url(world.posts.bob), follow=True)
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert _counts() == before


# --- accounts ---------------------------------------------------------------------


def test_alice_can_create_an_account_then_grant_it_a_post(client, world):
    client.force_login(world.alice)
    data = {
        "username": "grace",
        "full_name": "周桂花",
        "password": "a-long-passphrase",
        "password2": "a-long-passphrase",
    }
    response = client.post(reverse(CREATE), data)
    assert response.status_code == 302
    assert response["Location"] == reverse(GRANT)
    assert "grace" not in response["Location"]
    grace = get_user_model().objects.get(username="grace")
    assert grace.check_password("a-long-passphrase")
    form = client.get(reverse(GRANT)).context["form"]
    assert form.initial["username"] == "grace"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "alice"}, "username"),
        ({"username": "ALICE"}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"username": "13812345678"}, "username"),
        ({"full_name": ""}, "full_name"),
        ({"full_name": "x" * 151}, "full_name"),
        ({"password": "", "password2": ""}, "password"),
        ({"password": "short", "password2": "short"}, "password"),
        ({"password2": "something-else"}, "password2"),
    ],
)
def test_it_rejects_bad_account_input_naming_the_field(client, world, overrides, field):
    client.force_login(world.alice)
    data = {
        "username": "grace",
        "full_name": "周桂花",
        "password": "a-long-passphrase",
        "password2": "a-long-passphrase",
    }
    data.update(overrides)
    before = _counts()
    response = client.post(reverse(CREATE), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert _counts() == before


# --- the access log ---------------------------------------------------------------


def _log(user, community, *, person=None, ip="10.1.1.1", at=None):
    return AccessLog.objects.create(
        user=user,
        community=community,
        person=person,
        action=AccessLog.Action.VIEW_PERSON,
        ip=ip,
        at=at or dt.datetime(2025, 1, 1, 0, 30, tzinfo=dt.UTC),
    )


def test_the_access_log_lists_only_alices_community(client, world):
    ours = _log(world.bob, world.community, person=world.person_1_1, ip="10.1.1.1")
    theirs = _log(world.mallory, world.other_community, ip="10.9.9.9")
    stray = _log(world.bob, None, ip="10.1.1.2")  # an ID-number search that found no one
    client.force_login(world.alice)
    response = client.get(reverse(ACCESS_LOG))
    assert response.status_code == 200
    assert {r.pk for r in response.context["page_obj"]} == {ours.pk, stray.pk}
    text = response.content.decode()
    assert world.person_1_1.name in text
    assert "10.1.1.1" in text
    assert "10.9.9.9" not in text
    assert world.mallory.get_full_name() not in text
    # Stored in UTC, shown in Asia/Shanghai.
    assert "2025-01-01 08:30" in text

    client.force_login(world.mallory)
    rows = {r.pk for r in client.get(reverse(ACCESS_LOG)).context["page_obj"]}
    assert rows == {theirs.pk}


def test_the_access_log_is_paginated_with_bounded_queries(
    client, world, django_assert_max_num_queries
):
    for _ in range(120):
        _log(world.bob, world.community, person=world.person_1_1)
    client.force_login(world.alice)
    client.get(reverse(ACCESS_LOG))
    with django_assert_max_num_queries(14):
        response = client.get(reverse(ACCESS_LOG), {"page": 2})
    assert len(response.context["page_obj"]) == 50
    assert response.context["page_obj"].paginator.num_pages == 3
