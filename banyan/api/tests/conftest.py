"""The API tests' world, built with plain ORM so that it depends on nothing but models.

district → street → community → L1 grids 1 and 2 → L2 grids 1-1 and 2-1, and another
community (月光) with one L1 and one L2 grid. Grids 1-1, 2-1 and the other community's
grid each hold a compound, a building, a household with one person (ID number and
phone set) and a facility. The 1-1 person holds a sensitive category (低保) and a
plain one (退休).

alice   community admin of the community        (everything in it)
bob     grid manager of 1-1                     (full record, sensitive, reveal)
charlie grid manager of 2-1                     (bob's sibling: must see nothing of 1-1)
dave    building head of the 1-1 building       (reduced person schema only)
eve     no post                                 (sees nothing)
frank   branch secretary of L1 grid 1           (full record, no sensitive, no reveal)
mallory community admin of the other community  (must see nothing of alice's)
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from banyan.accounts.models import Post
from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_node
from banyan.accounts.tokens import token_issue
from banyan.common import crypto
from banyan.common.idnumber import make_id_number
from banyan.common.masking import mask_id_number
from banyan.places.models import (
    Building,
    Compound,
    Facility,
    FacilityKind,
    Node,
    NodeKind,
    PropertyManagement,
)
from banyan.registry.models import (
    Category,
    Gender,
    Household,
    Person,
    PersonCategory,
    Relation,
    ResidenceType,
)

PASSWORD = "correct-horse-battery"
API = "/api/v1"
# The one answer outside the scope, whatever was asked: it never confirms that a row exists.
NOT_FOUND = {"detail": "未找到。", "field": None}


def make_person(
    household: Household,
    name: str,
    *,
    birth: dt.date,
    sequence: int,
    phone: str = "",
    relation: str = Relation.HEAD,
) -> Person:
    """A person whose ID number is stored the way the services store it."""
    id_number = make_id_number("530802", birth, sequence)
    return Person.objects.create(
        community_id=household.community_id,
        grid_id=household.grid_id,
        household=household,
        name=name,
        gender=Gender.MALE if sequence % 2 else Gender.FEMALE,
        birth_date=birth,
        id_number_encrypted=crypto.encrypt(id_number),
        id_number_hash=crypto.lookup_hash(id_number),
        id_number_masked=mask_id_number(id_number),
        phone=phone,
        relation=relation,
        residence_type=ResidenceType.REGISTERED,
    )


def make_home(
    grid: Node,
    *,
    compound_name: str,
    person_name: str,
    sequence: int,
    phone: str,
    kind: FacilityKind,
) -> SimpleNamespace:
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
    person = make_person(
        household, person_name, birth=dt.date(1950, 3, 14), sequence=sequence, phone=phone
    )
    facility = Facility.objects.create(
        community=community, node=grid, compound=compound, kind=kind, name=f"{compound_name}活动室"
    )
    return SimpleNamespace(
        compound=compound,
        building=building,
        household=household,
        person=person,
        facility=facility,
        id_number=crypto.decrypt(person.id_number_encrypted),
        phone=phone,
    )


def add_households(building: Building, n: int, *, categories: list[Category]) -> None:
    """More rows for query-count tests: each household with two members and categories."""
    for i in range(n):
        household = Household.objects.create(
            community_id=building.community_id,
            grid_id=building.grid_id,
            building=building,
            unit="2",
            room=f"{201 + i}",
        )
        for j in range(2):
            person = make_person(
                household,
                f"住户{i}-{j}",
                birth=dt.date(1960, 1, 1 + i),
                sequence=200 + 2 * i + j,
                phone=f"1391234{i:02d}{j:02d}",
                relation=Relation.HEAD if j == 0 else Relation.SPOUSE,
            )
            for category in categories:
                PersonCategory.objects.create(
                    community_id=building.community_id,
                    person=person,
                    category=category,
                    valid_from=dt.date(2020, 1, 1),
                )


def make_user(username: str) -> Any:
    return get_user_model().objects.create_user(username=username, password=PASSWORD)


def make_post(user: Any, role: str, node: Node, *, building: Building | None = None) -> Post:
    return Post.objects.create(
        user=user, role=role, node=node, building=building, community=node.community
    )


@pytest.fixture
def tree(db: None) -> SimpleNamespace:
    """The tree, places, residents and users described in the module docstring."""
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

    # Reference data may already be seeded by a data migration: reuse it, pin what we rely on.
    venue, _ = FacilityKind.objects.update_or_create(
        code="venue", defaults={"name": "活动场所", "name_en": "Activity venue"}
    )
    dibao, _ = Category.objects.update_or_create(
        code="dibao", community=None, defaults={"name": "低保", "sensitive": True}
    )
    retired, _ = Category.objects.update_or_create(
        code="retired", community=None, defaults={"name": "退休", "sensitive": False}
    )

    home_1_1 = make_home(
        l2_1_1,
        compound_name="皮鞋厂小区",
        person_name="张桂英",
        sequence=122,
        phone="13812345678",
        kind=venue,
    )
    home_2_1 = make_home(
        l2_2_1,
        compound_name="茶苑小区",
        person_name="李秀兰",
        sequence=144,
        phone="13987654321",
        kind=venue,
    )
    home_other = make_home(
        other_l2,
        compound_name="月光小区",
        person_name="孙玉珍",
        sequence=166,
        phone="13700001111",
        kind=venue,
    )
    for category in (dibao, retired):
        PersonCategory.objects.create(
            community=community,
            person=home_1_1.person,
            category=category,
            valid_from=dt.date(2020, 1, 1),
        )

    users = {name: make_user(name) for name in ("alice", "bob", "charlie", "dave", "eve")}
    users |= {name: make_user(name) for name in ("frank", "mallory")}
    make_post(users["alice"], Role.COMMUNITY_ADMIN, community)
    make_post(users["bob"], Role.GRID_MANAGER, l2_1_1)
    make_post(users["charlie"], Role.GRID_MANAGER, l2_2_1)
    make_post(users["dave"], Role.BUILDING_HEAD, l2_1_1, building=home_1_1.building)
    make_post(users["frank"], Role.BRANCH_SECRETARY, l1_1)
    make_post(users["mallory"], Role.COMMUNITY_ADMIN, other_community)

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
        venue=venue,
        dibao=dibao,
        retired=retired,
        home_1_1=home_1_1,
        home_2_1=home_2_1,
        home_other=home_other,
        **users,
    )


class ApiClient:
    """A test client that speaks JSON to /api/v1 with a bearer token (or none)."""

    def __init__(self, token: str | None = None, **client_kwargs: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers, **client_kwargs)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(API + path, params or {})

    def _send(self, method: str, path: str, body: Any) -> Any:
        return getattr(self.client, method)(
            API + path, json.dumps(body), content_type="application/json"
        )

    def post(self, path: str, body: Any = None) -> Any:
        return self._send("post", path, body if body is not None else {})

    def patch(self, path: str, body: Any) -> Any:
        return self._send("patch", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self._send("put", path, body)

    def delete(self, path: str) -> Any:
        return self.client.delete(API + path)


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def call_endpoint(client: ApiClient, method: str, path: str, body: Any, ids: dict[str, int]) -> Any:
    """Call one (method, path, body) of an ENDPOINTS list with "{name}" placeholders filled."""
    path = path.format(**ids)
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, _fill(body, ids))


@pytest.fixture
def as_user(tree: SimpleNamespace) -> Any:
    """as_user("bob") → an ApiClient with a fresh token for bob."""

    def make(username: str) -> ApiClient:
        return ApiClient(token_issue(user=getattr(tree, username)))

    return make


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient()
