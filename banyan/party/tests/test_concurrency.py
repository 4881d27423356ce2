"""SECURITY.md 13 for party moves: the same change made twice at once happens once
(PostgreSQL; SQLite serialises all writers)."""

from __future__ import annotations

import datetime as dt

import pytest

from banyan.common.errors import DomainError
from banyan.party import services
from banyan.party.models import Member, Registration, TracingCase
from banyan.registry.tests.test_concurrency import postgres_only, race  # noqa: F401
from banyan.timeline.models import Event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_secretaries_marking_one_member_lost_open_one_case(postgres_only, party):  # noqa: F811
    def lose():
        return services.member_mark_lost(
            actor=party.frank,
            member=Member.objects.get(pk=party.wang.pk),
            since=dt.date(2024, 1, 1),
        )

    results = race(4, lose)
    assert sum(isinstance(r, TracingCase) for r in results) == 1
    assert all(isinstance(r, TracingCase | DomainError) for r in results), results
    assert TracingCase.objects.count() == 1
    assert Event.objects.filter(verb="party_member_lost").count() == 1


def test_two_admins_approving_one_registration_make_one_member(postgres_only, party):  # noqa: F811
    reg = services.registration_submit(
        community=party.community,
        name="钱在职",
        phone="13655556666",
        unit="普洱市民政局",
        unit_level="city",
    )

    def approve(i: int):
        return lambda: services.registration_approve(
            actor=party.alice,
            registration=Registration.objects.get(pk=reg.pk),
            branch=party.b1,
            username=f"qian-{i}",
            password="long-enough-secret",
        )

    actions = [approve(i) for i in range(4)]
    counter = iter(range(4))
    results = race(4, lambda: actions[next(counter)]())
    assert sum(isinstance(r, Member) for r in results) == 1, results
    assert Member.objects.filter(in_service=True).count() == 1
    assert Event.objects.filter(verb="party_registration_approved").count() == 1
