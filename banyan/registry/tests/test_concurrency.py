"""SECURITY.md 13: the same state change made twice at once happens once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from banyan.common.errors import DomainError
from banyan.registry import services
from banyan.registry.models import Person
from banyan.timeline.models import Event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def race(n: int, action) -> list[object]:
    """Run `action` in n threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = action()
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


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises all writers)")


def test_two_grid_workers_recording_the_same_death_make_one_event(postgres_only, world):
    person = world.person_1_1
    day = dt.date.today() - dt.timedelta(days=1)

    def die():
        return services.person_record_death(
            actor=world.alice, person=Person.objects.get(pk=person.pk), occurred_on=day
        )

    results = race(4, die)
    assert sum(isinstance(r, Person) for r in results) == 1
    assert all(isinstance(r, Person | DomainError) for r in results), results
    assert Event.objects.filter(verb="person_died").count() == 1


def test_two_registrations_of_one_id_number_make_one_person(postgres_only, world):
    from banyan.common.idnumber import make_id_number

    id_number = make_id_number("530802", dt.date(1990, 2, 3), 17)

    def add():
        return services.person_add(
            actor=world.alice,
            household=world.household_1_1,
            name="唐明",
            gender="M",
            birth_date=dt.date(1990, 2, 3),
            id_number=id_number,
            relation="child",
            residence_type="registered",
        )

    results = race(4, add)
    assert sum(isinstance(r, Person) for r in results) == 1, results
    assert Person.objects.filter(name="唐明").count() == 1
    assert Event.objects.filter(verb="person_registered").count() == 1
