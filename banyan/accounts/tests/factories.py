"""A small tree with users at known posts, shared by every app's tests.

district → street → community → L1 grids 1 and 2 → L2 grids 1-1 and 2-1, plus
another community with its own L1 and L2 grid. Each of 1-1 and 2-1 holds a
compound, a building, a household and a person.

alice (community admin), bob (grid manager of 1-1), charlie (grid manager of 2-1),
dave (building head of the 1-1 building), eve (no post), mallory (community admin
of the other community).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from banyan.accounts.models import Post
from banyan.accounts.roles import Role
from banyan.places.models import (
    Building,
    Compound,
    Node,
    NodeKind,
    PropertyManagement,
    tree_sort_key,
)
from banyan.registry.models import Gender, Household, Person, Relation, ResidenceType

PASSWORD = "correct-horse-battery"


def make_node(
    kind: str, name: str, parent: Node | None = None, *, code: str = "", sort_order: int = 0
) -> Node:
    """Save a node, then set its materialised path ("1/4/9/"), sort key, depth and community."""
    node = Node.objects.create(
        kind=kind,
        name=name,
        code=code,
        sort_order=sort_order,
        parent=parent,
        path="",
        depth=parent.depth + 1 if parent is not None else 0,
        community=parent.community if parent is not None else None,
    )
    node.path = (parent.path if parent is not None else "") + f"{node.pk}/"
    node.sort_key = tree_sort_key(node)
    if kind == NodeKind.COMMUNITY:
        node.community = node
    node.save(update_fields=["path", "sort_key", "community"])
    return node


def make_user(username: str, full_name: str = "", *, password: str = PASSWORD) -> AbstractUser:
    return get_user_model().objects.create_user(
        username=username, password=password, first_name=full_name or username.title()
    )


def make_post(
    user: AbstractUser, role: str, node: Node, *, building: Building | None = None
) -> Post:
    return Post.objects.create(
        user=user, role=role, node=node, building=building, community=node.community
    )


def make_home(grid: Node, *, compound_name: str, person_name: str) -> SimpleNamespace:
    """A compound with one building, one household and its head, in an L2 grid."""
    community = grid.community
    assert community is not None
    compound = Compound.objects.create(
        community=community,
        grid=grid,
        name=compound_name,
        property_management=PropertyManagement.NONE,
    )
    building = Building.objects.create(
        community=community, grid=grid, compound=compound, number="1栋", floors=6
    )
    household = Household.objects.create(
        community=community, grid=grid, building=building, unit="1", room="101"
    )
    person = Person.objects.create(
        community=community,
        grid=grid,
        household=household,
        name=person_name,
        gender=Gender.FEMALE,
        birth_date=dt.date(1950, 3, 14),
        relation=Relation.HEAD,
        residence_type=ResidenceType.REGISTERED,
    )
    return SimpleNamespace(compound=compound, building=building, household=household, person=person)


def make_world() -> SimpleNamespace:
    """The shared test tree and its users (see the module docstring)."""
    district = make_node(NodeKind.DISTRICT, "思茅区")
    street = make_node(NodeKind.STREET, "思茅街道", district)
    community = make_node(NodeKind.COMMUNITY, "倒生根社区", street)
    l1_1 = make_node(NodeKind.GRID_L1, "第一网格", community)
    l1_2 = make_node(NodeKind.GRID_L1, "第二网格", community)
    l2_1_1 = make_node(NodeKind.GRID_L2, "网格1-1", l1_1)
    l2_2_1 = make_node(NodeKind.GRID_L2, "网格2-1", l1_2)
    other_community = make_node(NodeKind.COMMUNITY, "月光社区", street)
    other_l1 = make_node(NodeKind.GRID_L1, "月光第一网格", other_community)
    other_l2 = make_node(NodeKind.GRID_L2, "月光网格1-1", other_l1)

    home_1_1 = make_home(l2_1_1, compound_name="皮鞋厂小区", person_name="张桂英")
    home_2_1 = make_home(l2_2_1, compound_name="茶苑小区", person_name="李秀兰")

    alice = make_user("alice", "王丽")
    bob = make_user("bob", "赵波")
    charlie = make_user("charlie", "陈杰")
    dave = make_user("dave", "刘大伟")
    eve = make_user("eve", "杨芳")
    mallory = make_user("mallory", "孙明")

    posts = SimpleNamespace(
        alice=make_post(alice, Role.COMMUNITY_ADMIN, community),
        bob=make_post(bob, Role.GRID_MANAGER, l2_1_1),
        charlie=make_post(charlie, Role.GRID_MANAGER, l2_2_1),
        dave=make_post(dave, Role.BUILDING_HEAD, l2_1_1, building=home_1_1.building),
        mallory=make_post(mallory, Role.COMMUNITY_ADMIN, other_community),
    )

    return SimpleNamespace(
        district=district,
        street=street,
        community=community,
        l1_1=l1_1,
        l1_2=l1_2,
        l2_1_1=l2_1_1,
        l2_2_1=l2_2_1,
        other_community=other_community,
        other_l1=other_l1,
        other_l2=other_l2,
        compound_1_1=home_1_1.compound,
        building_1_1=home_1_1.building,
        household_1_1=home_1_1.household,
        person_1_1=home_1_1.person,
        compound_2_1=home_2_1.compound,
        building_2_1=home_2_1.building,
        household_2_1=home_2_1.household,
        person_2_1=home_2_1.person,
        alice=alice,
        bob=bob,
        charlie=charlie,
        dave=dave,
        eve=eve,
        mallory=mallory,
        posts=posts,
        password=PASSWORD,
    )
