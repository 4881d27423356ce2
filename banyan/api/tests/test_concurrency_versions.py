"""SECURITY.md 20 under real concurrency (PostgreSQL, threads): edits based on the same
version, sent at once, make exactly one change and one event; the others get 409 and
nothing of theirs is written. Before versions, twenty simultaneous PATCHes of one
household all answered 200 and every change but the last was lost."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from banyan.accounts.tokens import token_issue
from banyan.casework import services as casework
from banyan.casework.models import Case
from banyan.casework.tests.factories import open_case
from banyan.common.errors import StaleEdit
from banyan.party import selectors as party_selectors
from banyan.party import services as party
from banyan.party.models import Member, Rule
from banyan.party.tests.factories import party_objects
from banyan.places import services as places
from banyan.places.models import Building, Compound
from banyan.registry import services as registry
from banyan.registry.models import Household, Person
from banyan.timeline.models import Event

from .conftest import ApiClient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises all writers)")


def race(n: int, action: Callable[[int], Any]) -> list[Any]:
    """Run action(i) in n threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = action(i)
        except Exception as err:  # collected and asserted on by the caller
            results[i] = err
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_simultaneous_patches_of_one_household_make_one_change(postgres_only, world):
    household = world.household_1_1
    clients = [ApiClient(token_issue(user=u)) for u in (world.bob, world.alice) * 10]

    def patch(i: int) -> Any:
        return clients[i].patch(
            f"/households/{household.pk}", {"version": 1, "situation_note": f"第{i}次走访"}
        )

    answers = race(20, patch)
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [409] * 19, codes
    winner = next(a for a in answers if a.status_code == 200).json()
    now = Household.objects.get(pk=household.pk)
    assert now.situation_note == winner["situation_note"] and now.version == 2
    assert Event.objects.filter(verb="household_updated", subject_id=household.pk).count() == 1
    assert all(a.json()["version"] == 2 for a in answers if a.status_code == 409)


def test_two_staff_changing_two_fields_at_once_lose_neither(postgres_only, world):
    """The issue's case: both used to get 200 and the first change was overwritten. Now
    one gets 409, reads the household again and sends its change at the version now."""
    path = f"/households/{world.household_1_1.pk}"
    bodies = [{"room": "102"}, {"situation_note": "独居老人"}]
    clients = [ApiClient(token_issue(user=u)) for u in (world.bob, world.alice)]
    answers = race(2, lambda i: clients[i].patch(path, {"version": 1, **bodies[i]}))
    assert sorted(a.status_code for a in answers) == [200, 409]
    loser = next(i for i, a in enumerate(answers) if a.status_code == 409)
    version = clients[loser].get(path).json()["version"]
    assert clients[loser].patch(path, {"version": version, **bodies[loser]}).status_code == 200
    now = Household.objects.get(pk=world.household_1_1.pk)
    assert (now.room, now.situation_note, now.version) == ("102", "独居老人", 3)


def _facility(world):
    from banyan.places.models import FacilityKind

    return places.facility_create(
        actor=world.alice,
        node=world.l2_1_1,
        kind=FacilityKind.objects.filter(community=None).first(),
        name="活动室",
    )


# kind: (make the object, edit it at version 1 with value i, the verb of its event)
EDITS: dict[str, tuple[Callable, Callable, str]] = {
    "person": (
        lambda w: w.person_1_1,
        lambda w, o, i: registry.person_update(
            actor=w.alice, person=Person.objects.get(pk=o.pk), version=1, registered_address=f"{i}"
        ),
        "person_updated",
    ),
    "compound": (
        lambda w: w.compound_1_1,
        lambda w, o, i: places.compound_update(
            actor=w.alice, compound=Compound.objects.get(pk=o.pk), version=1, address=f"{i}号"
        ),
        "compound_updated",
    ),
    "building": (
        lambda w: w.building_1_1,
        lambda w, o, i: places.building_update(
            actor=w.alice, building=Building.objects.get(pk=o.pk), version=1, floors=i + 2
        ),
        "building_updated",
    ),
    "facility": (
        _facility,
        lambda w, o, i: places.facility_update(
            actor=w.alice, facility=type(o).objects.get(pk=o.pk), version=1, note=f"{i}"
        ),
        "facility_updated",
    ),
    "case": (
        lambda w: open_case(w),
        lambda w, o, i: casework.case_assign(
            actor=w.alice,
            case=Case.objects.get(pk=o.pk),
            route="grid",
            assignee=w.bob,
            note=f"{i}",
            version=1,
        ),
        "case_assigned",
    ),
    "member": (
        lambda w: party_objects(w)["party_member"],
        lambda w, o, i: party.member_update(
            actor=w.alice, member=Member.objects.get(pk=o.pk), version=1, skills=f"{i}"
        ),
        "party_member_updated",
    ),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_four_simultaneous_edits_at_one_version_make_one_change(postgres_only, world, kind):
    make, edit, verb = EDITS[kind]
    obj = make(world)
    results = race(4, lambda i: edit(world, obj, i))
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1, results
    assert all(isinstance(r, StaleEdit) for r in results if isinstance(r, Exception)), results
    assert type(obj).objects.get(pk=obj.pk).version == 2
    assert Event.objects.filter(verb=verb, subject_id=obj.pk).count() == 1


def test_two_admins_changing_one_rule_at_once_make_one_change(postgres_only, world):
    party_objects(world)
    shared = Rule.objects.get(code="mobile_call", community=None)
    chain = party_selectors.rule_chain_version(community_id=world.community.pk, code="mobile_call")

    def change(i: int) -> Rule:
        return party.rule_change(
            actor=world.alice,
            community=world.community,
            rule=shared,
            version=chain,
            name=f"每{i + 2}月通话",
            subject="member",
            who={"mobile": True},
            contact_kind="call",
            cadence="every_n_months",
            count=i + 2,
            responsible_role="branch_secretary",
            responsible_at="branch",
        )

    results = race(4, change)
    made = [r for r in results if isinstance(r, Rule)]
    assert len(made) == 1, results
    assert all(isinstance(r, StaleEdit) for r in results if not isinstance(r, Rule)), results
    own = Rule.objects.filter(code="mobile_call", community=world.community)
    assert [r.count for r in own] == [made[0].count]
    assert Event.objects.filter(verb="party_rule_changed").count() == 1
    assert own.get().valid_from > dt.date(2000, 1, 1)
