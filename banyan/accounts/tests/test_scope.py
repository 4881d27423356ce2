"""Resolving a scope: what each post covers, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from banyan.accounts.roles import Role
from banyan.accounts.scope import Scope

from .factories import make_post

pytestmark = pytest.mark.django_db


def _fresh(user):
    return Scope(get_user_model().objects.get(pk=user.pk))


def test_three_posts_resolve_in_two_queries(world, django_assert_num_queries):
    # A community post, a grid post in another community and a building post.
    make_post(world.alice, Role.GRID_MANAGER, world.other_l2)
    make_post(world.alice, Role.BUILDING_HEAD, world.l2_2_1, building=world.building_2_1)
    scope = _fresh(world.alice)

    with django_assert_num_queries(2):  # the posts, then the nodes under all of them
        areas = scope.areas

    community, grid, building = areas
    assert community.community_ids == {world.community.pk}
    assert community.node_ids == {
        world.community.pk,
        world.l1_1.pk,
        world.l1_2.pk,
        world.l2_1_1.pk,
        world.l2_2_1.pk,
    }
    assert not community.grid_ids
    assert grid.grid_ids == {world.other_l2.pk}
    assert grid.node_ids == {world.other_l2.pk}
    assert not grid.community_ids
    assert building.building_id == world.building_2_1.pk
    assert not building.node_ids


def test_a_district_post_covers_every_community_below(world):
    make_post(world.eve, Role.COMMUNITY_ADMIN, world.district)
    (area,) = _fresh(world.eve).areas
    assert area.community_ids == {world.community.pk, world.other_community.pk}


def test_a_building_post_alone_reads_no_nodes(world, django_assert_num_queries):
    scope = _fresh(world.dave)
    with django_assert_num_queries(1):
        (area,) = scope.areas
    assert area.building_id == world.building_1_1.pk
