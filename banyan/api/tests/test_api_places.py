"""Nodes, compounds, buildings and facilities over the API: scope, filters, writes."""

from __future__ import annotations

import pytest

from banyan.accounts.roles import Role
from banyan.accounts.tokens import token_issue
from banyan.places.models import Building, Compound, Facility
from banyan.timeline.models import Event, EventLink

from .conftest import NOT_FOUND, ApiClient, call_endpoint, make_post, make_user

# Every places endpoint that names one of grid 1-1's objects, as (method, path, body).
ENDPOINTS_1_1 = [
    ("get", "/nodes/{grid}", None),
    ("get", "/nodes?node={grid}", None),
    ("get", "/nodes?parent={grid}", None),
    ("get", "/compounds?node={grid}", None),
    ("get", "/compounds/{compound}", None),
    ("patch", "/compounds/{compound}", {"version": 1, "name": "改名"}),
    ("post", "/compounds", {"grid": "{grid}", "name": "新", "property_management": "none"}),
    ("get", "/buildings?node={grid}", None),
    ("get", "/buildings?compound={compound}", None),
    ("get", "/buildings/{building}", None),
    ("patch", "/buildings/{building}", {"version": 1, "floors": 7}),
    ("put", "/buildings/{building}/head", {"person": "{person}"}),
    ("post", "/buildings", {"compound": "{compound}", "number": "9栋"}),
    ("get", "/facilities?node={grid}", None),
    ("get", "/facilities?compound={compound}", None),
    ("get", "/facilities/{facility}", None),
    ("patch", "/facilities/{facility}", {"version": 1, "name": "改名"}),
    ("post", "/facilities", {"node": "{grid}", "kind": "venue", "name": "新"}),
]


def _ids(home, grid) -> dict[str, int]:
    return {
        "grid": grid.pk,
        "compound": home.compound.pk,
        "building": home.building.pk,
        "facility": home.facility.pk,
        "person": home.person.pk,
    }


def _nothing_written(before: tuple[int, int, int, int]) -> bool:
    counts = (
        Compound.objects.count(),
        Building.objects.count(),
        Facility.objects.count(),
        Event.objects.count(),
    )
    return counts == before


def _counts() -> tuple[int, int, int, int]:
    return (
        Compound.objects.count(),
        Building.objects.count(),
        Facility.objects.count(),
        Event.objects.count(),
    )


# --- scope --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_charlie_gets_404_for_bobs_places(tree, as_user, method, path, body):
    before = _counts()
    r = call_endpoint(as_user("charlie"), method, path, body, _ids(tree.home_1_1, tree.l2_1_1))
    assert r.status_code == 404, r.content
    assert r.json() == NOT_FOUND
    assert _nothing_written(before)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_mallory_gets_404_for_alices_places(tree, as_user, method, path, body):
    before = _counts()
    r = call_endpoint(as_user("mallory"), method, path, body, _ids(tree.home_1_1, tree.l2_1_1))
    assert r.status_code == 404, r.content
    assert _nothing_written(before)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_alice_gets_404_for_mallorys_places(tree, as_user, method, path, body):
    r = call_endpoint(as_user("alice"), method, path, body, _ids(tree.home_other, tree.other_l2))
    assert r.status_code == 404, r.content


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_eve_without_a_post_gets_404(tree, as_user, method, path, body):
    r = call_endpoint(as_user("eve"), method, path, body, _ids(tree.home_1_1, tree.l2_1_1))
    assert r.status_code == 404, r.content


@pytest.mark.parametrize("resource", ["nodes", "compounds", "buildings", "facilities"])
def test_eve_without_a_post_sees_empty_lists(tree, as_user, resource):
    r = as_user("eve").get(f"/{resource}")
    assert r.status_code == 200
    assert r.json() == {"items": [], "count": 0}


def test_bob_cannot_open_the_parent_grid(tree, as_user):
    bob = as_user("bob")
    assert bob.get(f"/nodes/{tree.l1_1.pk}").status_code == 404
    assert bob.get(f"/nodes/{tree.community.pk}").status_code == 404
    assert bob.get("/compounds", {"node": tree.l1_1.pk}).status_code == 404


# --- nodes --------------------------------------------------------------------------


def test_nodes_carry_name_parent_and_kind(tree, as_user):
    r = as_user("alice").get("/nodes")
    assert r.status_code == 200
    items = {n["id"]: n for n in r.json()["items"]}
    assert set(items) == {
        tree.community.pk,
        tree.l1_1.pk,
        tree.l1_2.pk,
        tree.l2_1_1.pk,
        tree.l2_2_1.pk,
    }
    assert r.json()["count"] == 5
    grid = items[tree.l2_1_1.pk]
    assert grid["name"] == "网格1-1"
    assert grid["parent"] == tree.l1_1.pk
    assert grid["kind"] == "grid_l2"
    assert items[tree.community.pk]["kind"] == "community"


def test_node_filters_narrow_to_a_subtree_or_children(tree, as_user):
    alice = as_user("alice")
    subtree = alice.get("/nodes", {"node": tree.l1_1.pk}).json()
    assert {n["id"] for n in subtree["items"]} == {tree.l1_1.pk, tree.l2_1_1.pk}
    children = alice.get("/nodes", {"parent": tree.community.pk}).json()
    assert {n["id"] for n in children["items"]} == {tree.l1_1.pk, tree.l1_2.pk}
    grids = alice.get("/nodes", {"kind": "grid_l2"}).json()
    assert {n["id"] for n in grids["items"]} == {tree.l2_1_1.pk, tree.l2_2_1.pk}
    named = alice.get("/nodes", {"q": "2-1"}).json()
    assert [n["id"] for n in named["items"]] == [tree.l2_2_1.pk]


def test_a_grid_leader_sees_the_l1_subtree(tree, as_user):
    r = as_user("frank").get("/nodes")
    assert {n["id"] for n in r.json()["items"]} == {tree.l1_1.pk, tree.l2_1_1.pk}


def test_lists_page_with_limit_and_offset(tree, as_user):
    alice = as_user("alice")
    first = alice.get("/nodes", {"limit": 2}).json()
    rest = alice.get("/nodes", {"limit": 2, "offset": 2}).json()
    beyond = alice.get("/nodes", {"offset": 99}).json()
    assert first["count"] == rest["count"] == beyond["count"] == 5
    assert len(first["items"]) == len(rest["items"]) == 2
    assert not {n["id"] for n in first["items"]} & {n["id"] for n in rest["items"]}
    assert beyond["items"] == []


# --- compounds ----------------------------------------------------------------------


def test_compound_lists_follow_the_scope(tree, as_user):
    bob = as_user("bob").get("/compounds").json()
    assert [c["id"] for c in bob["items"]] == [tree.home_1_1.compound.pk]
    alice = as_user("alice").get("/compounds").json()
    assert {c["id"] for c in alice["items"]} == {
        tree.home_1_1.compound.pk,
        tree.home_2_1.compound.pk,
    }
    narrowed = as_user("alice").get("/compounds", {"node": tree.l2_2_1.pk}).json()
    assert [c["id"] for c in narrowed["items"]] == [tree.home_2_1.compound.pk]
    # A building head sees the compound of their building.
    dave = as_user("dave").get("/compounds").json()
    assert [c["id"] for c in dave["items"]] == [tree.home_1_1.compound.pk]


def test_compound_detail(tree, as_user):
    r = as_user("bob").get(f"/compounds/{tree.home_1_1.compound.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "皮鞋厂小区"
    assert body["grid"] == tree.l2_1_1.pk
    assert body["community"] == tree.community.pk


def test_bob_creates_a_compound_with_one_event(tree, as_user):
    before = Event.objects.count()
    r = as_user("bob").post(
        "/compounds",
        {
            "grid": tree.l2_1_1.pk,
            "name": "玉屏小区",
            "property_management": "company",
            "management_company": "思茅物业",
            "year_built": 1998,
        },
    )
    assert r.status_code == 201, r.content
    compound = Compound.objects.get(pk=r.json()["id"])
    assert compound.community == tree.community
    assert compound.management_company == "思茅物业"
    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert event.verb == "compound_created"
    assert event.actor == tree.bob


def test_creating_a_compound_needs_manage_places(tree, as_user):
    before = _counts()
    body = {"grid": tree.l2_1_1.pk, "name": "新小区", "property_management": "none"}
    r = as_user("frank").post("/compounds", body)  # branch secretary: sees, may not manage
    assert r.status_code == 403
    assert _nothing_written(before)


def test_a_compound_belongs_to_an_l2_grid(tree, as_user):
    before = _counts()
    body = {"grid": tree.l1_1.pk, "name": "新小区", "property_management": "none"}
    r = as_user("alice").post("/compounds", body)
    assert r.status_code == 400
    assert r.json()["field"] == "grid"
    assert _nothing_written(before)


def test_compound_names_are_unique_in_a_community(tree, as_user):
    body = {"grid": tree.l2_2_1.pk, "name": "皮鞋厂小区", "property_management": "none"}
    r = as_user("alice").post("/compounds", body)
    assert r.status_code == 400
    assert r.json()["field"] == "name"
    assert r.json()["detail"]


def test_bob_patches_a_compound(tree, as_user):
    compound = tree.home_1_1.compound
    r = as_user("bob").patch(f"/compounds/{compound.pk}", {"version": 1, "address": "振兴大道1号"})
    assert r.status_code == 200, r.content
    compound.refresh_from_db()
    assert compound.address == "振兴大道1号"
    assert compound.name == "皮鞋厂小区"
    assert Event.objects.filter(verb="compound_updated", subject_id=compound.pk).count() == 1


def test_a_patch_that_changes_nothing_writes_no_event(tree, as_user):
    before = Event.objects.count()
    r = as_user("bob").patch(
        f"/compounds/{tree.home_1_1.compound.pk}", {"version": 1, "name": "皮鞋厂小区"}
    )
    assert r.status_code == 200
    assert Event.objects.count() == before


def test_frank_may_not_patch_a_compound(tree, as_user):
    r = as_user("frank").patch(
        f"/compounds/{tree.home_1_1.compound.pk}", {"version": 1, "name": "x"}
    )
    assert r.status_code == 403


# --- buildings ----------------------------------------------------------------------


def test_building_lists_follow_the_scope(tree, as_user):
    bob = as_user("bob").get("/buildings").json()
    assert [b["id"] for b in bob["items"]] == [tree.home_1_1.building.pk]
    dave = as_user("dave").get("/buildings").json()
    assert [b["id"] for b in dave["items"]] == [tree.home_1_1.building.pk]
    by_compound = as_user("alice").get("/buildings", {"compound": tree.home_2_1.compound.pk})
    assert [b["id"] for b in by_compound.json()["items"]] == [tree.home_2_1.building.pk]
    by_text = as_user("alice").get("/buildings", {"q": "茶苑"})
    assert [b["id"] for b in by_text.json()["items"]] == [tree.home_2_1.building.pk]


def test_building_detail(tree, as_user):
    r = as_user("dave").get(f"/buildings/{tree.home_1_1.building.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["number"] == "1栋"
    assert body["compound"] == tree.home_1_1.compound.pk
    assert body["name"] == "皮鞋厂小区 1栋"


def test_bob_creates_and_patches_a_building(tree, as_user):
    bob = as_user("bob")
    r = bob.post(
        "/buildings",
        {"compound": tree.home_1_1.compound.pk, "number": "2栋", "floors": 7, "era": "1990s"},
    )
    assert r.status_code == 201, r.content
    building = Building.objects.get(pk=r.json()["id"])
    assert building.grid == tree.l2_1_1
    assert Event.objects.filter(verb="building_created", subject_id=building.pk).count() == 1

    r = bob.patch(f"/buildings/{building.pk}", {"version": 1, "floors": 8, "year_built": None})
    assert r.status_code == 200
    building.refresh_from_db()
    assert building.floors == 8


def test_building_numbers_and_floors_are_checked(tree, as_user):
    bob = as_user("bob")
    compound = tree.home_1_1.compound.pk
    before = _counts()
    duplicate = bob.post("/buildings", {"compound": compound, "number": "1栋"})
    assert (duplicate.status_code, duplicate.json()["field"]) == (400, "number")
    no_floors = bob.post("/buildings", {"compound": compound, "number": "3栋", "floors": 0})
    assert (no_floors.status_code, no_floors.json()["field"]) == (400, "floors")
    assert _nothing_written(before)


def test_a_building_head_may_not_edit_the_building(tree, as_user):
    r = as_user("dave").patch(
        f"/buildings/{tree.home_1_1.building.pk}", {"version": 1, "floors": 9}
    )
    assert r.status_code == 403


def test_bob_sets_the_building_head(tree, as_user):
    building = tree.home_1_1.building
    person = tree.home_1_1.person
    r = as_user("bob").put(f"/buildings/{building.pk}/head", {"person": person.pk})
    assert r.status_code == 200, r.content
    assert r.json()["head"] == person.pk
    event = Event.objects.get(verb="building_head_set")
    # The event is on the person's (and so the household's) timeline.
    assert EventLink.objects.filter(event=event, person=person).exists()


def test_the_building_head_must_live_in_the_building(tree, as_user):
    building = tree.home_1_1.building
    r = as_user("alice").put(f"/buildings/{building.pk}/head", {"person": tree.home_2_1.person.pk})
    assert r.status_code == 400
    assert r.json()["field"] == "person"
    building.refresh_from_db()
    assert building.head is None


# --- facilities ---------------------------------------------------------------------


def test_facility_lists_follow_the_scope(tree, as_user):
    bob = as_user("bob").get("/facilities").json()
    assert [f["id"] for f in bob["items"]] == [tree.home_1_1.facility.pk]
    assert bob["items"][0]["kind"] == "venue"
    alice = as_user("alice").get("/facilities").json()
    assert alice["count"] == 2
    by_compound = as_user("alice").get("/facilities", {"compound": tree.home_2_1.compound.pk})
    assert [f["id"] for f in by_compound.json()["items"]] == [tree.home_2_1.facility.pk]
    assert as_user("dave").get("/facilities").json()["count"] == 0


def test_bob_creates_and_patches_a_facility(tree, as_user):
    bob = as_user("bob")
    r = bob.post(
        "/facilities",
        {
            "node": tree.l2_1_1.pk,
            "kind": "venue",
            "name": "热心凉亭",
            "lat": "22.78",
            "lng": "100.97",
        },
    )
    assert r.status_code == 201, r.content
    facility = Facility.objects.get(pk=r.json()["id"])
    assert facility.community == tree.community
    assert Event.objects.filter(verb="facility_created", subject_id=facility.pk).count() == 1

    r = bob.patch(f"/facilities/{facility.pk}", {"version": 1, "note": "树下", "compound": None})
    assert r.status_code == 200, r.content
    assert r.json()["note"] == "树下"
    assert Event.objects.filter(verb="facility_updated", subject_id=facility.pk).count() == 1


def test_alice_maps_a_facility_at_the_community(tree, as_user):
    r = as_user("alice").post(
        "/facilities", {"node": tree.community.pk, "kind": "venue", "name": "服务驿站"}
    )
    assert r.status_code == 201, r.content
    assert r.json()["node"] == tree.community.pk


def test_facility_input_is_checked(tree, as_user):
    bob = as_user("bob")
    before = _counts()
    unknown = bob.post("/facilities", {"node": tree.l2_1_1.pk, "kind": "nope", "name": "x"})
    assert (unknown.status_code, unknown.json()["field"]) == (400, "kind")
    far = bob.post("/facilities", {"node": tree.l2_1_1.pk, "kind": "venue", "name": "x", "lat": 91})
    assert (far.status_code, far.json()["field"]) == (400, "lat")
    assert _nothing_written(before)


def test_bob_cannot_map_a_facility_at_the_parent_grid(tree, as_user):
    r = as_user("bob").post("/facilities", {"node": tree.l1_1.pk, "kind": "venue", "name": "x"})
    assert r.status_code == 404


# --- query counts -------------------------------------------------------------------


def _more_places(tree, n: int) -> None:
    for i in range(n):
        compound = Compound.objects.create(
            community=tree.community,
            grid=tree.l2_1_1,
            name=f"小区{i}",
            property_management="none",
        )
        Building.objects.create(
            community=tree.community, grid=tree.l2_1_1, compound=compound, number="1栋"
        )
        Facility.objects.create(
            community=tree.community,
            node=tree.l2_1_1,
            compound=compound,
            kind=tree.venue,
            name=f"设施{i}",
        )


@pytest.mark.parametrize("resource", ["nodes", "compounds", "buildings", "facilities"])
def test_place_lists_take_a_fixed_number_of_queries(
    tree, as_user, django_assert_max_num_queries, resource
):
    _more_places(tree, 20)
    alice = as_user("alice")
    with django_assert_max_num_queries(8):
        r = alice.get(f"/{resource}", {"node": tree.l2_1_1.pk})
    assert r.status_code == 200
    if resource != "nodes":
        assert r.json()["count"] >= 20


def test_the_district_never_sees_a_building_heads_person_id(tree, as_user):
    building = tree.home_1_1.building
    building.head = tree.home_1_1.person
    building.save(update_fields=["head"])
    district = make_user("districtviewer")
    make_post(district, Role.DISTRICT_VIEWER, tree.district)
    viewer = ApiClient(token_issue(user=district))
    listed = viewer.get("/buildings", {"compound": tree.home_1_1.compound.pk}).json()["items"]
    assert [b["head"] for b in listed] == [None]
    assert viewer.get(f"/buildings/{building.pk}").json()["head"] is None
    bob = as_user("bob")
    assert bob.get(f"/buildings/{building.pk}").json()["head"] == tree.home_1_1.person.pk
    listed = bob.get("/buildings").json()["items"]
    assert [b["head"] for b in listed] == [tree.home_1_1.person.pk]


def test_buildings_and_grids_come_in_natural_order(tree, as_user):
    from banyan.accounts.tests.factories import make_node
    from banyan.places import services

    for number in ["10栋", "2栋", "11栋"]:
        services.building_create(actor=tree.alice, compound=tree.home_1_1.compound, number=number)
    for n in (10, 3):
        make_node("grid_l1", f"第{n}号网格", tree.community, code=str(n))
    alice = as_user("alice")
    listed = alice.get("/buildings", {"compound": tree.home_1_1.compound.pk}).json()["items"]
    assert [b["number"] for b in listed] == ["1栋", "2栋", "10栋", "11栋"]
    grids = alice.get("/nodes", {"parent": tree.community.pk}).json()["items"]
    names = [g["name"] for g in grids]
    assert names.index("第3号网格") < names.index("第10号网格")


# --- coordinates (banyan.common.coordinates) ---------------------------------------------

# JSON values a client could send that are no coordinate. NaN and infinity go out as the
# non-standard literals NaN and Infinity, which Python's parser (the API's) reads as floats.
BAD_COORDINATES = [
    1000,
    1e22,
    1e90,
    -1e308,
    float("nan"),
    float("inf"),
    "NaN",
    "abc",
    True,
    [22.7],
    {"deg": 22},
    "9" * 5000,
]


def _write_places(tree, field: str, value: object) -> tuple[list[tuple[str, str, dict]], dict]:
    ids = _ids(tree.home_1_1, tree.l2_1_1)
    point = {"lat": 22.78, "lng": 100.97, field: value}
    return [
        ("post", "/compounds", {"grid": ids["grid"], "name": "新", "property_management": "none"}),
        ("patch", f"/compounds/{ids['compound']}", {}),
        ("post", "/buildings", {"compound": ids["compound"], "number": "9栋"}),
        ("patch", f"/buildings/{ids['building']}", {}),
        ("post", "/facilities", {"node": ids["grid"], "kind": "venue", "name": "新"}),
        ("patch", f"/facilities/{ids['facility']}", {}),
    ], point


@pytest.mark.parametrize("field", ["lat", "lng"])
@pytest.mark.parametrize("value", BAD_COORDINATES, ids=lambda v: repr(v)[:16])
def test_a_bad_coordinate_is_a_400_naming_it_and_writes_nothing(tree, as_user, field, value):
    alice = as_user("alice")
    writes, point = _write_places(tree, field, value)
    before = _counts()
    answers = {}
    for method, path, body in writes:
        r = getattr(alice, method)(path, {**body, **point})
        answers[f"{method} {path}"] = (r.status_code, r.json().get("field"))
    assert set(answers.values()) == {(400, field)}, answers
    assert _nothing_written(before)
    for model in (Compound, Building, Facility):
        assert not model.objects.exclude(lat=None).exists()


def test_coordinates_are_rounded_to_six_places_and_come_in_pairs(tree, as_user):
    alice = as_user("alice")
    url = f"/buildings/{tree.home_1_1.building.pk}"
    r = alice.patch(url, {"lat": "22.78012345", "lng": 100.9773, "version": 1})
    assert r.status_code == 200, r.content
    assert (r.json()["lat"], r.json()["lng"]) == ("22.780123", "100.977300")
    r = alice.patch(url, {"lat": None, "version": 2})
    assert (r.status_code, r.json()["field"]) == (400, "lat")
    r = alice.patch(url, {"lat": None, "lng": None, "version": 2})
    assert (r.status_code, r.json()["lat"]) == (200, None)
