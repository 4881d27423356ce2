"""SECURITY.md 20 over the API: every edit names the `version` it was based on. A stale one
is 409 with the version now and the fields changed meanwhile, and writes nothing (no
event either); a PATCH without a version is 428; a fresh one is applied to the row as
it is under the lock and bumps the version by one.

"Them" is alice editing through the service while "we" held version 1; "we" are the
API client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from banyan.accounts.tokens import token_issue
from banyan.casework import services as casework
from banyan.casework.models import Case
from banyan.casework.tests.factories import open_case
from banyan.party import services as party
from banyan.party.models import Member
from banyan.party.tests.factories import party_objects
from banyan.places import services as places
from banyan.places.models import Building, Compound, Facility, FacilityKind
from banyan.registry import services as registry
from banyan.registry.models import Household, Person
from banyan.timeline.models import Event

from .conftest import ApiClient


@dataclass
class Kind:
    """One kind of edited object: how to make it, their edit, and ours."""

    path: str
    make: Callable[[SimpleNamespace], Any]
    theirs: Callable[[SimpleNamespace, Any], Any]  # an edit with version 1, by alice
    their_field: str
    their_value: Any
    ours: dict[str, Any]  # our PATCH body (without the version)
    who: str = "bob"


def _facility(w: SimpleNamespace) -> Facility:
    return places.facility_create(
        actor=w.alice,
        node=w.l2_2_1,
        kind=FacilityKind.objects.filter(community=None).first(),
        name="茶苑活动室",
    )


KINDS = {
    "household": Kind(
        "/households/{pk}",
        lambda w: w.household_1_1,
        lambda w, o: registry.household_update(actor=w.alice, household=o, version=1, room="102"),
        "room",
        "102",
        {"situation_note": "老两口，子女在外地"},
    ),
    "person": Kind(
        "/persons/{pk}",
        lambda w: w.person_1_1,
        lambda w, o: registry.person_update(
            actor=w.alice, person=o, version=1, registered_address="思茅区"
        ),
        "registered_address",
        "思茅区",
        {"relation": "spouse"},
    ),
    "compound": Kind(
        "/compounds/{pk}",
        lambda w: w.compound_1_1,
        lambda w, o: places.compound_update(
            actor=w.alice, compound=o, version=1, address="振兴大道1号"
        ),
        "address",
        "振兴大道1号",
        {"year_built": 1992},
    ),
    "building": Kind(
        "/buildings/{pk}",
        lambda w: w.building_1_1,
        lambda w, o: places.building_update(actor=w.alice, building=o, version=1, floors=7),
        "floors",
        7,
        {"era": "九十年代"},
    ),
    "facility": Kind(
        "/facilities/{pk}",
        _facility,
        lambda w, o: places.facility_update(actor=w.alice, facility=o, version=1, note="树下"),
        "note",
        "树下",
        {"name": "茶苑老年活动室"},
        who="charlie",
    ),
    "member": Kind(
        "/party/members/{pk}",
        lambda w: party_objects(w)["party_member"],
        lambda w, o: party.member_update(actor=w.alice, member=o, version=1, skills="理发"),
        "skills",
        "理发",
        {"address": "倒生根社区3栋"},
        who="alice",
    ),
}

MODELS = {
    "household": Household,
    "person": Person,
    "compound": Compound,
    "building": Building,
    "facility": Facility,
    "member": Member,
}


def _client(world: SimpleNamespace, who: str) -> ApiClient:
    return ApiClient(token_issue(user=getattr(world, who)))


def _fresh(name: str, obj: Any) -> Any:
    return MODELS[name].objects.get(pk=obj.pk)


def _events(name: str, obj: Any) -> int:
    return Event.objects.filter(subject_type=name, subject_id=obj.pk).count()


@pytest.mark.parametrize("name", KINDS)
def test_a_stale_patch_is_409_naming_what_changed_and_writes_nothing(world, name):
    kind = KINDS[name]
    obj = kind.make(world)
    assert _fresh(name, obj).version == 1
    kind.theirs(world, obj)
    events = _events(name, obj)
    r = _client(world, kind.who).patch(kind.path.format(pk=obj.pk), {"version": 1, **kind.ours})
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["field"] == "version" and body["version"] == 2
    assert body["changed"] == [kind.their_field]
    assert body["detail"]
    now = _fresh(name, obj)
    assert now.version == 2 and getattr(now, kind.their_field) == kind.their_value
    for field, value in kind.ours.items():
        assert getattr(now, field) != value
    assert _events(name, obj) == events


@pytest.mark.parametrize("name", KINDS)
def test_a_patch_without_a_version_is_428_and_writes_nothing(world, name):
    kind = KINDS[name]
    obj = kind.make(world)
    events = _events(name, obj)
    r = _client(world, kind.who).patch(kind.path.format(pk=obj.pk), kind.ours)
    assert r.status_code == 428 and r.json()["field"] == "version"
    assert _fresh(name, obj).version == 1 and _events(name, obj) == events


@pytest.mark.parametrize("name", KINDS)
def test_a_patch_at_the_version_now_keeps_their_change_and_bumps_the_version(world, name):
    kind = KINDS[name]
    obj = kind.make(world)
    kind.theirs(world, obj)
    client = _client(world, kind.who)
    path = kind.path.format(pk=obj.pk)
    assert client.get(path).json()["version"] == 2
    events = _events(name, obj)
    r = client.patch(path, {"version": 2, **kind.ours})
    assert r.status_code == 200, r.content
    assert r.json()["version"] == 3
    now = _fresh(name, obj)
    assert now.version == 3 and getattr(now, kind.their_field) == kind.their_value
    for field, value in kind.ours.items():
        assert getattr(now, field) == value
    assert _events(name, obj) == events + 1
    # The event says which version it made and what it changed.
    last = Event.objects.filter(subject_type=name, subject_id=obj.pk).order_by("-id").first()
    assert last.data["version"] == 3 and last.data["changed"] == sorted(kind.ours)


@pytest.mark.parametrize("bad", [0, -1, 2**31, "1e90", "x", None])
def test_a_version_that_is_no_version_is_refused_before_anything_is_read(world, bad):
    r = _client(world, "bob").patch(
        f"/households/{world.household_1_1.pk}", {"version": bad, "room": "909"}
    )
    assert r.status_code == (428 if bad is None else 422)
    assert _fresh("household", world.household_1_1).room == "101"


def test_an_outsider_gets_404_whatever_the_version(world):
    path = f"/households/{world.household_1_1.pk}"
    for body in ({"room": "909"}, {"version": 1, "room": "909"}, {"version": 7, "room": "909"}):
        assert _client(world, "charlie").patch(path, body).status_code == 404


# --- the patch is applied to the locked row, not to a copy read before the lock -----------


def test_a_household_patch_never_writes_back_values_read_before_the_lock(world, monkeypatch):
    """The router used to merge the body into the household it had loaded, then hand the
    whole row to the service: a change committed in between was overwritten with the
    old values. Reproduced by handing the router a copy read before alice's change."""
    from banyan.api.routers import registry as router

    before = Household.objects.get(pk=world.household_1_1.pk)
    registry.household_update(actor=world.alice, household=before, version=1, room="102")
    monkeypatch.setattr(router.selectors, "get_household_for_user", lambda user, pk: before)
    r = _client(world, "bob").patch(
        f"/households/{before.pk}", {"version": 2, "situation_note": "已走访"}
    )
    assert r.status_code == 200, r.content
    now = Household.objects.get(pk=before.pk)
    assert (now.room, now.situation_note, now.version) == ("102", "已走访", 3)


def test_a_compound_patch_never_writes_back_values_read_before_the_lock(world, monkeypatch):
    from banyan.api.routers import places as router

    before = Compound.objects.get(pk=world.compound_1_1.pk)
    places.compound_update(actor=world.alice, compound=before, version=1, address="振兴大道1号")
    monkeypatch.setattr(router.selectors, "get_compound_for_user", lambda user, pk: before)
    r = _client(world, "bob").patch(f"/compounds/{before.pk}", {"version": 2, "year_built": 1992})
    assert r.status_code == 200, r.content
    now = Compound.objects.get(pk=before.pk)
    assert (now.address, now.year_built, now.version) == ("振兴大道1号", 1992, 3)


# --- cases: a move that sends a version is conditional ------------------------------------


@pytest.fixture
def case(world) -> Case:
    return open_case(world)


def test_a_stale_case_move_is_409_naming_what_changed_and_writes_nothing(world, case):
    casework.case_assign(actor=world.alice, case=case, route="grid", assignee=world.bob)
    moved = Case.objects.get(pk=case.pk)
    events = _events("case", case)
    r = _client(world, "bob").post(
        f"/cases/{case.pk}/transitions", {"action": "assign", "route": "window", "version": 1}
    )
    assert r.status_code == 409, r.content
    body = r.json()
    assert body["version"] == moved.version == 2
    assert {"route", "assignee", "state"} <= set(body["changed"])
    now = Case.objects.get(pk=case.pk)
    assert (now.route, now.assignee_id, now.version) == ("grid", world.bob.pk, 2)
    assert _events("case", case) == events


def test_a_case_move_at_the_version_now_goes_through_and_bumps_it(world, case):
    client = _client(world, "bob")
    assert client.get(f"/cases/{case.pk}").json()["version"] == 1
    r = client.post(
        f"/cases/{case.pk}/transitions",
        {"action": "assign", "route": "grid", "assignee": world.bob.pk, "version": 1},
    )
    assert r.status_code == 200, r.content
    assert r.json()["version"] == 2 and r.json()["state"] == "assigned"
    # A note adds to the history and changes nothing that an edit could overwrite.
    r = client.post(f"/cases/{case.pk}/transitions", {"action": "note", "note": "明天上门"})
    assert r.status_code == 200 and r.json()["version"] == 2


def test_a_case_move_without_a_version_is_checked_against_the_state_table_only(world, case):
    r = _client(world, "bob").post(f"/cases/{case.pk}/transitions", {"action": "start"})
    assert r.status_code == 409 and "version" not in r.json()  # accepted cases are not started
    r = _client(world, "bob").post(
        f"/cases/{case.pk}/transitions", {"action": "reject", "reason": "重复"}
    )
    assert r.status_code == 200 and r.json()["state"] == "rejected"


def test_the_schema_documents_the_version_and_the_409_and_428_answers(world):
    schema = ApiClient().get("/openapi.json").json()
    for path in (
        "/households/{id}",
        "/persons/{id}",
        "/compounds/{id}",
        "/buildings/{id}",
        "/facilities/{id}",
        "/party/members/{id}",
    ):
        patch = schema["paths"][f"/api/v1{path}"]["patch"]
        assert {"409", "428"} <= set(patch["responses"]), path
        body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        props = schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]
        assert "version" in props, path
    move = schema["paths"]["/api/v1/cases/{id}/transitions"]["post"]
    assert "409" in move["responses"]
    conflict = schema["components"]["schemas"]["ConflictOut"]["properties"]
    assert {"detail", "field", "version", "changed"} <= set(conflict)
    for name in (
        "HouseholdOut",
        "PersonOut",
        "CompoundOut",
        "BuildingOut",
        "FacilityOut",
        "CaseOut",
        "MemberOut",
    ):
        assert "version" in schema["components"]["schemas"][name]["properties"], name
