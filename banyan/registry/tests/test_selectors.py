"""Search's household half and the lists' member counts, read through the scope."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.places.models import Building, Compound
from banyan.registry import selectors, services
from banyan.registry.models import Household

pytestmark = pytest.mark.django_db


def _households(user, q: str) -> list[int]:
    query = selectors.parse_search(q)
    return [h.pk for h in selectors.search_households(user=user, query=query)]


def test_search_finds_households_by_compound_member_and_address(world):
    assert _households(world.alice, "皮鞋厂") == [world.household_1_1.pk]
    assert _households(world.alice, "秀兰") == [world.household_2_1.pk]
    # Both compounds end in 小区: listed in compound order (茶苑 sorts before 皮鞋厂
    # by code point), the same either way.
    both = sorted(
        [world.household_1_1, world.household_2_1], key=lambda h: h.building.compound.name
    )
    assert _households(world.alice, "小区") == [h.pk for h in both]
    # Scope first: bob sees only his grid's household, mallory none of them.
    assert _households(world.bob, "小区") == [world.household_1_1.pk]
    assert _households(world.mallory, "小区") == []


def test_a_compound_of_another_community_with_the_same_name_matches_nothing(world):
    # A compound named like one of ours in mallory's community, with a household.
    compound = Compound.objects.create(
        community=world.other_community, grid=world.other_l2, name="皮鞋厂小区"
    )
    building = Building.objects.create(
        community=world.other_community, grid=world.other_l2, compound=compound, number="1栋"
    )
    theirs = services.household_create(
        actor=world.mallory, grid=world.other_l2, building=building, room="101"
    )
    assert _households(world.alice, "皮鞋厂") == [world.household_1_1.pk]
    assert _households(world.mallory, "皮鞋厂") == [theirs.pk]


def test_member_counts_count_only_those_living_here(world):
    services.person_add(
        actor=world.alice,
        household=world.household_1_1,
        name="张小英",
        gender="F",
        birth_date=dt.date(2001, 2, 3),
        relation="child",
        residence_type="permanent",
    )
    moved = services.person_add(
        actor=world.alice,
        household=world.household_1_1,
        name="张大山",
        gender="M",
        birth_date=dt.date(1999, 2, 3),
        relation="child",
        residence_type="permanent",
    )
    services.person_move_out(actor=world.alice, person=moved)
    rows = selectors.with_member_counts(selectors.household_list(user=world.alice))
    counts = {h.pk: h.member_count for h in rows}
    assert counts == {world.household_1_1.pk: 2, world.household_2_1.pk: 1}
    assert isinstance(rows[0], Household)


def test_household_rows_match_the_list_in_order_and_label(world):
    services.household_create(actor=world.alice, grid=world.l2_1_1, address="茶厂路 8 号")
    listed = list(selectors.with_member_counts(selectors.household_list(user=world.alice)))
    rows = list(
        selectors.household_rows(user=world.alice, qs=selectors.household_list(user=world.alice))
    )
    assert [r["id"] for r in rows] == [h.pk for h in listed]
    for row, h in zip(rows, listed, strict=True):
        assert selectors.row_label(row) == h.label
        assert row["member_count"] == h.member_count
        assert row["compound_id"] == (h.building.compound_id if h.building else None)
