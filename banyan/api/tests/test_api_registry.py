"""Households and persons over the API: scope, masking, sensitive data, the logged reveal,
writes through the services, timelines and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from banyan.accounts.models import AccessLog
from banyan.common.idnumber import make_id_number
from banyan.registry import services
from banyan.registry.models import Household, Person, PersonCategory, PersonStatus
from banyan.timeline.models import Event

from .conftest import NOT_FOUND, add_households, call_endpoint, make_person

NEW_ID = make_id_number("530802", dt.date(1980, 5, 6), 123)  # a man born 1980-05-06

# Every registry endpoint that names one of grid 1-1's objects, as (method, path, body).
ENDPOINTS_1_1 = [
    ("get", "/households/{household}", None),
    ("patch", "/households/{household}", {"version": 1, "situation_note": "x"}),
    ("get", "/households/{household}/timeline", None),
    ("get", "/households?node={grid}", None),
    ("get", "/households?compound={compound}", None),
    ("get", "/households?building={building}", None),
    ("post", "/households", {"grid": "{grid}", "building": "{building}", "room": "102"}),
    ("get", "/persons/{person}", None),
    ("patch", "/persons/{person}", {"version": 1, "name": "改名"}),
    ("post", "/persons/{person}/reveal", {"field": "id_number"}),
    ("post", "/persons/{person}/reveal", {"field": "phone"}),
    ("get", "/persons/{person}/timeline", None),
    ("get", "/persons?node={grid}", None),
    ("get", "/persons?compound={compound}", None),
    ("get", "/persons?building={building}", None),
    ("get", "/persons?household={household}", None),
    (
        "post",
        "/persons",
        {
            "household": "{household}",
            "name": "新人",
            "gender": "M",
            "birth_date": "1980-05-06",
            "relation": "child",
            "residence_type": "registered",
            "id_number": NEW_ID,
        },
    ),
]


def _ids(home, grid) -> dict[str, int]:
    return {
        "grid": grid.pk,
        "compound": home.compound.pk,
        "building": home.building.pk,
        "household": home.household.pk,
        "person": home.person.pk,
    }


def _counts() -> tuple[int, int, int, int]:
    return (
        Household.objects.count(),
        Person.objects.count(),
        Event.objects.count(),
        AccessLog.objects.count(),
    )


def _new_person(household: Household, **overrides) -> dict:
    body = {
        "household": household.pk,
        "name": "王建国",
        "gender": "M",
        "birth_date": "1980-05-06",
        "relation": "child",
        "residence_type": "registered",
        "id_number": NEW_ID,
        "phone": "+86 139-1111-2222",
    }
    return body | overrides


# --- scope --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_charlie_gets_404_for_bobs_registry(tree, as_user, method, path, body):
    before = _counts()
    r = call_endpoint(as_user("charlie"), method, path, body, _ids(tree.home_1_1, tree.l2_1_1))
    assert r.status_code == 404, r.content
    assert r.json() == NOT_FOUND
    assert _counts() == before  # nothing written, not even an access-log row


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_mallory_gets_404_for_alices_registry(tree, as_user, method, path, body):
    before = _counts()
    r = call_endpoint(as_user("mallory"), method, path, body, _ids(tree.home_1_1, tree.l2_1_1))
    assert r.status_code == 404, r.content
    assert _counts() == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_alice_gets_404_for_mallorys_registry(tree, as_user, method, path, body):
    r = call_endpoint(as_user("alice"), method, path, body, _ids(tree.home_other, tree.other_l2))
    assert r.status_code == 404, r.content


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS_1_1)
def test_eve_without_a_post_gets_404_for_registry(tree, as_user, method, path, body):
    before = _counts()
    r = call_endpoint(as_user("eve"), method, path, body, _ids(tree.home_1_1, tree.l2_1_1))
    assert r.status_code == 404, r.content
    assert _counts() == before


@pytest.mark.parametrize("resource", ["households", "persons"])
def test_eve_sees_empty_registry_lists(tree, as_user, resource):
    r = as_user("eve").get(f"/{resource}")
    assert r.status_code == 200
    assert r.json() == {"items": [], "count": 0}


def test_a_building_head_cannot_filter_by_grid(tree, as_user):
    # The post is bound to a building, not to the grid's subtree.
    assert as_user("dave").get("/persons", {"node": tree.l2_1_1.pk}).status_code == 404


# --- households ---------------------------------------------------------------------


def test_household_lists_follow_the_scope(tree, as_user):
    bob = as_user("bob").get("/households").json()
    assert [h["id"] for h in bob["items"]] == [tree.home_1_1.household.pk]
    assert bob["items"][0]["member_count"] == 1
    assert bob["items"][0]["compound"] == tree.home_1_1.compound.pk
    alice = as_user("alice").get("/households").json()
    assert {h["id"] for h in alice["items"]} == {
        tree.home_1_1.household.pk,
        tree.home_2_1.household.pk,
    }
    by_building = as_user("alice").get("/households", {"building": tree.home_2_1.building.pk})
    assert [h["id"] for h in by_building.json()["items"]] == [tree.home_2_1.household.pk]
    by_name = as_user("alice").get("/households", {"q": "李秀兰"})
    assert [h["id"] for h in by_name.json()["items"]] == [tree.home_2_1.household.pk]


def test_a_building_head_sees_households_without_the_situation_note(tree, as_user):
    household = tree.home_1_1.household
    household.situation_note = "老人独居，儿子在外地"
    household.save()
    dave = as_user("dave").get(f"/households/{household.pk}")
    assert dave.status_code == 200
    assert dave.json()["situation_note"] is None
    assert "独居" not in dave.content.decode()
    bob = as_user("bob").get(f"/households/{household.pk}")
    assert bob.json()["situation_note"] == "老人独居，儿子在外地"


def test_bob_creates_a_household_with_one_event(tree, as_user):
    before = Event.objects.count()
    r = as_user("bob").post(
        "/households",
        {"grid": tree.l2_1_1.pk, "building": tree.home_1_1.building.pk, "unit": "1", "room": "102"},
    )
    assert r.status_code == 201, r.content
    household = Household.objects.get(pk=r.json()["id"])
    assert household.building == tree.home_1_1.building
    assert Event.objects.count() == before + 1
    assert Event.objects.latest("id").verb == "household_created"


def test_a_taken_room_is_a_400_naming_the_room(tree, as_user):
    before = _counts()
    r = as_user("bob").post(
        "/households",
        {"grid": tree.l2_1_1.pk, "building": tree.home_1_1.building.pk, "unit": "1", "room": "101"},
    )
    assert r.status_code == 400
    assert r.json()["field"] == "room"
    assert _counts() == before


def test_a_building_head_may_not_edit_a_household(tree, as_user):
    r = as_user("dave").patch(
        f"/households/{tree.home_1_1.household.pk}", {"version": 1, "room": "909"}
    )
    assert r.status_code == 403
    assert r.json()["detail"]


def test_bob_patches_a_household(tree, as_user):
    household = tree.home_1_1.household
    r = as_user("bob").patch(
        f"/households/{household.pk}", {"version": 1, "situation_note": "已走访"}
    )
    assert r.status_code == 200, r.content
    household.refresh_from_db()
    assert household.situation_note == "已走访"
    assert household.room == "101"
    assert Event.objects.filter(verb="household_updated").count() == 1


# --- persons: masking and what each post sees -----------------------------------------


def test_no_full_id_number_or_phone_in_any_response(tree, as_user):
    home = tree.home_1_1
    alice = as_user("alice")
    responses = [
        alice.get("/persons"),
        alice.get(f"/persons/{home.person.pk}"),
        alice.get("/households"),
        alice.get(f"/households/{home.household.pk}/timeline"),
    ]
    for r in responses:
        assert r.status_code == 200
        for secret in (home.id_number, home.phone, tree.home_2_1.id_number, tree.home_2_1.phone):
            assert secret.encode() not in r.content
    person = responses[1].json()
    assert person["id_number"] == home.id_number[:4] + "*" * 12 + home.id_number[-2:]
    assert person["phone"] == "138****5678"


def test_sensitive_categories_are_shown_to_alice_and_bob(tree, as_user):
    for username in ("alice", "bob"):
        r = as_user(username).get(f"/persons/{tree.home_1_1.person.pk}")
        codes = {c["code"] for c in r.json()["categories"]}
        assert codes == {"dibao", "retired"}, username


def test_sensitive_categories_are_hidden_without_view_sensitive(tree, as_user):
    # frank (branch secretary) sees the full record, but not 低保.
    frank = as_user("frank")
    for r in (frank.get(f"/persons/{tree.home_1_1.person.pk}"), frank.get("/persons")):
        assert r.status_code == 200
        assert b"dibao" not in r.content
        assert "低保".encode() not in r.content
    one = frank.get(f"/persons/{tree.home_1_1.person.pk}").json()
    assert [c["code"] for c in one["categories"]] == ["retired"]


def test_a_building_head_gets_the_reduced_person_schema(tree, as_user):
    dave = as_user("dave")
    listed = dave.get("/persons")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["items"]] == [tree.home_1_1.person.pk]
    one = dave.get(f"/persons/{tree.home_1_1.person.pk}")
    for r in (listed, one):
        assert b"dibao" not in r.content
        assert b"retired" not in r.content
        assert tree.home_1_1.id_number[:4].encode() + b"*" not in r.content
        assert b"5678" not in r.content
        assert b"birth_date" not in r.content
    assert set(one.json()) == {"id", "name", "household", "relation", "status"}


def test_person_filters(tree, as_user):
    alice = as_user("alice")
    by_household = alice.get("/persons", {"household": tree.home_2_1.household.pk}).json()
    assert [p["id"] for p in by_household["items"]] == [tree.home_2_1.person.pk]
    by_compound = alice.get("/persons", {"compound": tree.home_1_1.compound.pk}).json()
    assert [p["id"] for p in by_compound["items"]] == [tree.home_1_1.person.pk]
    by_name = alice.get("/persons", {"q": "秀兰"}).json()
    assert [p["id"] for p in by_name["items"]] == [tree.home_2_1.person.pk]


def test_moved_out_persons_are_listed_only_on_request(tree, as_user):
    gone = make_person(tree.home_1_1.household, "离开的人", birth=dt.date(1970, 1, 1), sequence=301)
    gone.status = PersonStatus.MOVED_OUT
    gone.save()
    bob = as_user("bob")
    assert gone.pk not in {p["id"] for p in bob.get("/persons").json()["items"]}
    everyone = bob.get("/persons", {"status": "all"}).json()["items"]
    assert gone.pk in {p["id"] for p in everyone}


def test_viewing_a_person_is_logged(tree, as_user):
    person = tree.home_1_1.person
    r = as_user("bob").get(f"/persons/{person.pk}")
    assert r.status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.person, log.action) == (tree.bob, person, "view_person")
    assert log.via == "api"
    assert log.ip == "127.0.0.1"


# --- reveal -------------------------------------------------------------------------


def test_bob_reveals_and_it_is_logged(tree, as_user):
    person = tree.home_1_1.person
    bob = as_user("bob")
    r = bob.post(f"/persons/{person.pk}/reveal", {"field": "id_number"})
    assert r.status_code == 200
    assert r.json() == {"value": tree.home_1_1.id_number}
    assert r["Cache-Control"] == "no-store"
    r = bob.post(f"/persons/{person.pk}/reveal", {"field": "phone"})
    assert r.json() == {"value": "13812345678"}
    actions = list(AccessLog.objects.order_by("id").values_list("action", "via", "user"))
    assert actions == [
        ("reveal_id_number", "api", tree.bob.pk),
        ("reveal_phone", "api", tree.bob.pk),
    ]


@pytest.mark.parametrize("username", ["dave", "frank"])
def test_posts_without_reveal_get_403_and_nothing_is_logged(tree, as_user, username):
    r = as_user(username).post(f"/persons/{tree.home_1_1.person.pk}/reveal", {"field": "phone"})
    assert r.status_code == 403
    assert tree.home_1_1.phone.encode() not in r.content
    assert not AccessLog.objects.exists()


def test_reveal_takes_only_known_fields(tree, as_user):
    r = as_user("bob").post(f"/persons/{tree.home_1_1.person.pk}/reveal", {"field": "name"})
    assert r.status_code == 422
    assert not AccessLog.objects.exists()


# --- person writes ------------------------------------------------------------------


def test_bob_adds_a_person_with_one_event(tree, as_user):
    before = Event.objects.count()
    r = as_user("bob").post("/persons", _new_person(tree.home_1_1.household))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id_number"] == NEW_ID[:4] + "*" * 12 + NEW_ID[-2:]
    assert body["phone"] == "139****2222"
    assert NEW_ID.encode() not in r.content
    assert b"13911112222" not in r.content
    person = Person.objects.get(pk=body["id"])
    assert person.phone == "13911112222"
    assert Event.objects.count() == before + 1
    assert Event.objects.latest("id").verb == "person_registered"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")}, "id_number"),
        ({"id_number": "12345"}, "id_number"),
        ({"gender": "F"}, "gender"),
        ({"birth_date": "1981-05-06"}, "birth_date"),
        ({"phone": "12345"}, "phone"),
        ({"relation": "boss"}, "relation"),
    ],
)
def test_bad_person_input_is_a_400_naming_the_field_and_writes_nothing(
    tree, as_user, overrides, field
):
    before = _counts()
    r = as_user("bob").post("/persons", _new_person(tree.home_1_1.household, **overrides))
    assert r.status_code == 400, r.content
    assert r.json()["field"] == field
    assert r.json()["detail"]
    assert NEW_ID[:17].encode() not in r.content
    assert _counts() == before


def test_a_duplicate_id_number_is_rejected(tree, as_user):
    body = _new_person(
        tree.home_1_1.household,
        id_number=tree.home_2_1.id_number,
        gender="F",
        birth_date="1950-03-14",
    )
    before = _counts()
    r = as_user("alice").post("/persons", body)
    assert (r.status_code, r.json()["field"]) == (400, "id_number")
    # Nothing written but the lookup guard's row: the check confirmed a number.
    assert _counts()[:3] == before[:3]
    row = AccessLog.objects.get(action="enter_id_number")
    assert (row.detail, row.via) == ("already registered", "api")


def test_missing_person_fields_are_422(tree, as_user):
    r = as_user("bob").post("/persons", {"household": tree.home_1_1.household.pk})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"name", "gender", "birth_date"} <= fields


def test_a_building_head_may_not_add_a_person(tree, as_user):
    before = _counts()
    r = as_user("dave").post("/persons", _new_person(tree.home_1_1.household))
    assert r.status_code == 403
    assert _counts() == before


def test_bob_patches_a_person(tree, as_user):
    person = tree.home_1_1.person
    r = as_user("bob").patch(f"/persons/{person.pk}", {"version": 1, "phone": "13655556666"})
    assert r.status_code == 200, r.content
    assert r.json()["phone"] == "136****6666"
    assert b"13655556666" not in r.content
    person.refresh_from_db()
    assert person.phone == "13655556666"
    assert person.id_number_masked  # the stored ID number is kept
    assert Event.objects.filter(verb="person_updated").count() == 1


# --- timelines ----------------------------------------------------------------------


def _end_dibao(tree) -> None:
    """A sensitive event on the 1-1 person's timeline, written by the service."""
    pc = PersonCategory.objects.get(person=tree.home_1_1.person, category=tree.dibao)
    services.category_end(actor=tree.alice, person_category=pc, valid_to=timezone.localdate())


def test_timelines_show_events_newest_first(tree, as_user):
    bob = as_user("bob")
    bob.patch(
        f"/households/{tree.home_1_1.household.pk}", {"version": 1, "situation_note": "已走访"}
    )
    bob.patch(f"/persons/{tree.home_1_1.person.pk}", {"version": 1, "registered_address": "思茅区"})
    household = bob.get(f"/households/{tree.home_1_1.household.pk}/timeline").json()
    assert [e["verb"] for e in household["items"]] == ["person_updated", "household_updated"]
    assert household["count"] == 2
    assert household["items"][0]["actor"] == "bob"
    person = bob.get(f"/persons/{tree.home_1_1.person.pk}/timeline").json()
    assert [e["verb"] for e in person["items"]] == ["person_updated"]


def test_sensitive_events_only_for_posts_that_see_sensitive_data(tree, as_user):
    _end_dibao(tree)
    path = f"/persons/{tree.home_1_1.person.pk}/timeline"
    assert [e["verb"] for e in as_user("bob").get(path).json()["items"]] == ["category_ended"]
    frank = as_user("frank").get(path)
    assert frank.status_code == 200
    assert frank.json() == {"items": [], "count": 0}
    household = as_user("frank").get(f"/households/{tree.home_1_1.household.pk}/timeline")
    assert household.json()["count"] == 0


def test_a_building_head_gets_403_for_timelines(tree, as_user):
    dave = as_user("dave")
    assert dave.get(f"/households/{tree.home_1_1.household.pk}/timeline").status_code == 403
    assert dave.get(f"/persons/{tree.home_1_1.person.pk}/timeline").status_code == 403


# --- query counts -------------------------------------------------------------------


@pytest.mark.parametrize("username", ["alice", "frank", "dave"])
@pytest.mark.parametrize("resource", ["households", "persons"])
def test_registry_lists_take_a_fixed_number_of_queries(
    tree, as_user, django_assert_max_num_queries, username, resource
):
    add_households(tree.home_1_1.building, 25, categories=[tree.dibao, tree.retired])
    client = as_user(username)
    client.get("/nodes")  # the token's first use writes last_used_at; keep it out of the count
    # Households: the token, the posts, the nodes under them, the count and the page
    # with its member counts.
    with django_assert_max_num_queries(5 if resource == "households" else 9):
        r = client.get(f"/{resource}", {"limit": 100})
    assert r.status_code == 200
    assert r.json()["count"] > 25


# --- search by body, never by URL (items 2, 10, 18) -----------------------------------


def test_a_whole_number_in_a_list_url_is_refused_naming_q(tree, as_user):
    bob = as_user("bob")
    for path in ("/persons", "/households", "/compounds", "/nodes"):
        for q in (tree.home_1_1.id_number, tree.home_1_1.phone, "+86 138 1234 5678"):
            r = bob.get(path, {"q": q})
            assert (r.status_code, r.json()["field"]) == (400, "q"), (path, q)
    assert bob.get("/persons", {"q": "张桂"}).json()["count"] == 1


def test_persons_are_searched_by_a_number_in_the_body(tree, as_user):
    bob = as_user("bob")
    for q in (tree.home_1_1.id_number, tree.home_1_1.phone, "5678", "138****5678"):
        r = bob.post("/persons/search", {"q": q})
        assert r.status_code == 200, (q, r.content)
        assert ([p["id"] for p in r.json()["items"]], r.json()["count"]) == (
            [tree.home_1_1.person.pk],
            1,
        ), q
    # Scoped: charlie finds nothing of bob's grid, by number or by name.
    charlie = as_user("charlie")
    for q in (tree.home_1_1.id_number, "张桂英"):
        assert charlie.post("/persons/search", {"q": q}).json()["count"] == 0
    # Filters and paging like GET /persons.
    r = bob.post("/persons/search", {"q": "张", "limit": 1, "offset": 5})
    assert r.json() == {"items": [], "count": 1}
    assert (
        AccessLog.objects.filter(user=tree.bob, action="lookup_id_number", via="api").count() == 1
    )


def test_a_post_that_may_not_reveal_cannot_search_the_api_by_number(tree, as_user):
    frank = as_user("frank")
    r = frank.post("/persons/search", {"q": tree.home_1_1.id_number})
    assert (r.status_code, r.json()["field"]) == (400, "q")
    r = frank.post("/persons/search", {"q": "5678"})
    assert r.json()["count"] == 1  # the tail the masked phone shows


def test_a_search_body_is_checked(tree, as_user):
    bob = as_user("bob")
    assert bob.post("/persons/search", {"q": "a\u0000b"}).json()["field"] == "q"
    assert bob.post("/persons/search", {"q": "x" * 101}).status_code in (400, 422)
    assert bob.post("/persons/search", {"q": "530802195003142481"}).json()["field"] == "q"
