"""The district generator at tiny scale (two communities): deterministic for a seed,
each community planned from (seed, index) alone, ID numbers and phones unique across
communities, and the same people in the database whether one process wrote them with
executemany (SQLite) or two wrote them with COPY side by side (PostgreSQL).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from banyan.demo.builder import Context, build, plan_community, reset
from banyan.demo.builder.sink import sink_for, unsaved
from banyan.demo.builder.write import EVENT_LINK_COLUMNS
from banyan.places.models import Node, NodeKind
from banyan.registry.models import Person
from banyan.timeline.models import Event, EventLink

SEED = 2019
TODAY = dt.date(2026, 6, 1)
COMMUNITIES = 2


def people(plan) -> list[tuple[str, str, str, dt.date]]:
    return [
        (m.person.name, m.person.id_number_hash, m.person.phone, m.person.birth_date)
        for m in plan.persons()
    ]


@pytest.fixture(scope="module")
def plans():
    ctx = Context(seed=SEED, today=TODAY, total=COMMUNITIES)
    return [plan_community(ctx, i, None) for i in range(COMMUNITIES)]


def test_a_community_is_planned_from_the_seed_and_its_index_alone(plans):
    # Planned on its own, without the community before it: the same people.
    alone = plan_community(Context(seed=SEED, today=TODAY, total=COMMUNITIES), 1, None)
    assert people(alone) == people(plans[1])
    other_seed = plan_community(Context(seed=SEED + 1, today=TODAY, total=COMMUNITIES), 1, None)
    assert people(other_seed) != people(plans[1])


def test_id_numbers_and_phones_are_unique_across_communities(plans):
    hashes = [h for plan in plans for _n, h, _p, _b in people(plan) if h]
    phones = [p for plan in plans for _n, _h, p, _b in people(plan) if p]
    assert len(hashes) == len(set(hashes)) > 15_000
    assert len(phones) == len(set(phones)) > 10_000


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    lines: list[str] = []
    with django_db_blocker.unblock():
        reset()
        counts = build(
            seed=SEED, communities=COMMUNITIES, progress=lines.append, today=TODAY, workers=2
        )
    yield counts, lines
    with django_db_blocker.unblock():
        reset()


def test_the_database_holds_the_planned_people(built, plans, db):
    communities = list(Node.objects.filter(kind=NodeKind.COMMUNITY).order_by("sort_order"))
    assert [c.name for c in communities] == [p.community.name for p in plans]
    for community, plan in zip(communities, plans, strict=True):
        rows = list(
            Person.objects.filter(community=community)
            .order_by("id")
            .values_list("name", "id_number_hash", "phone", "birth_date")
        )
        assert rows == people(plan)


def test_progress_says_rows_rate_and_time_left(built, db):
    counts, lines = built
    last = [line for line in lines if f"[{COMMUNITIES}/{COMMUNITIES}]" in line][-1]
    assert "rows/s" in last and "left" in last
    assert f"{sum(v for k, v in counts.items() if k != 'seconds'):,} rows" in last
    processes = 2 if connection.vendor == "postgresql" else 1
    assert f"{processes} process(es)" in lines[0]


def test_rows_written_in_bulk_read_back_as_the_orm_writes_them(built, db):
    event = Event.objects.filter(verb="household_created").order_by("id").first()
    assert isinstance(event.data, dict) and event.data["label"]
    # Written as 09:00 in Asia/Shanghai, read back as the same instant.
    assert timezone.localtime(event.recorded_at).hour == 9
    assert timezone.localtime(event.recorded_at).date() == event.occurred_on
    community = Node.objects.filter(kind=NodeKind.COMMUNITY).first()
    assert community.geometry["type"] == "Polygon"
    assert community.community_id == community.pk
    assert community.path == f"{community.parent.path}{community.pk}/"


def test_keys_are_reserved_fresh_and_increasing(db):
    sink = sink_for(connection)
    first, second = sink.reserve(Event, 3), sink.reserve(Event, 2)
    assert first == sorted(first) and second == sorted(second)
    assert max(first) < min(second)
    assert sink.reserve(Event, 0) == []


def test_an_unsaved_instance_without_init_equals_one_made_by_the_orm():
    community = Node(kind=NodeKind.COMMUNITY, name="倒生根社区")
    values = {
        "community": community,
        "grid": community,
        "name": "张桂英",
        "gender": "F",
        "birth_date": dt.date(1950, 3, 14),
        "relation": "head",
        "residence_type": "registered",
    }
    made, fast = Person(**values), unsaved(Person, **values)
    names = [f.attname for f in Person._meta.concrete_fields if f.attname != "created_at"]
    assert [getattr(fast, n) for n in names] == [getattr(made, n) for n in names]
    assert fast.community is community and fast._state.adding
    assert fast.created_at is not None  # a callable default is called


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and bulk key checks")
def test_bulk_key_checks_catch_a_reference_to_nothing(db):
    sink = sink_for(connection)
    sink.begin()
    if not sink.checking_in_bulk:
        pytest.skip("this role may not switch the per-row key triggers off")
    (event_id,) = sink.reserve(Event, 1)
    (link_id,) = sink.reserve(EventLink, 1)
    sink.write(EventLink, EVENT_LINK_COLUMNS, [(link_id, event_id + 10**9, None, None)])
    with pytest.raises(IntegrityError, match="event points at nothing"):
        sink.verify()
