"""An ID number entered for a person is checked against the whole community's register,
so the answer "already registered" confirms a guess, even of a number registered outside
the editor's grid (SECURITY.md 18). The answer names nobody and nowhere, and every number
entered counts in the lookup guard: slowed, stopped and reported like searches by number."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from banyan.accounts.lookups import LookupRefused, NumberTaken
from banyan.accounts.models import AccessLog
from banyan.casework.models import Notification
from banyan.common import crypto
from banyan.common.errors import ValidationFailed
from banyan.common.idnumber import make_id_number
from banyan.registry import services
from banyan.registry.models import Person

# The number of the person in charlie's grid 2-1 (李秀兰, female, born 1950-03-14).
THEIRS = make_id_number("530802", dt.date(1950, 3, 14), 248)
DAY = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def _candidate(sequence: int) -> str:
    return make_id_number("530802", dt.date(1950, 3, 14), sequence)


def _values(id_number: str, **over) -> dict:
    return {
        "name": "王试",
        "gender": "F",
        "birth_date": dt.date(1950, 3, 14),
        "id_number": id_number,
        "phone": "",
        "relation": "other",
        "residence_type": "permanent",
        "registered_address": "",
        "lives_at_registered_address": True,
        **over,
    }


@pytest.fixture
def registered(world):
    """charlie's resident holds THEIRS; bob (grid 1-1) cannot see her."""
    services.person_update(
        actor=world.alice, person=world.person_2_1, version=None, id_number=THEIRS
    )
    AccessLog.objects.all().delete()  # alice's entry is not what the tests count
    return world


@pytest.fixture
def tight(settings):
    settings.BANYAN_LOOKUP_SLOW_AFTER = 3
    settings.BANYAN_LOOKUP_SLOW_SECONDS = 30
    settings.BANYAN_LOOKUP_STOP_AFTER = 6
    return settings


def _add(world, id_number: str, **over) -> Person:
    return services.person_add(
        actor=world.bob, household=world.household_1_1, ip="10.0.0.7", **_values(id_number, **over)
    )


def _entries(user) -> list[str]:
    return list(
        AccessLog.objects.filter(user=user, action="enter_id_number")
        .order_by("at", "pk")
        .values_list("detail", flat=True)
    )


# --- the answer says no more than that the number is taken ---------------------------------


def _secrets(world) -> list[str]:
    """What the answer must not say about whoever holds the number (her room, 101, is
    also bob's household's, so it proves nothing here)."""
    return [
        world.person_2_1.name,
        world.household_2_1.building.compound.name,
        world.l2_2_1.name,
        THEIRS,
        THEIRS[-4:],
    ]


def test_a_number_registered_outside_the_grid_is_refused_naming_no_one(registered):
    with pytest.raises(NumberTaken) as err:
        _add(registered, THEIRS)
    assert err.value.field == "id_number"
    message = str(err.value.message)
    assert all(secret not in message for secret in _secrets(registered))
    assert not Person.objects.filter(name="王试").exists()


def test_the_page_says_the_number_is_taken_and_no_more(client, registered):
    client.force_login(registered.bob)
    url = reverse("registry:person-add", args=[registered.household_1_1.pk])
    form = {**_values(THEIRS), "reason": "moved_in", "birth_date": "1950-03-14"}
    r = client.post(url, form)
    assert r.status_code == 200
    assert r.context["form"].errors["id_number"] == [
        "本社区已登记过该身份证号的居民。如果找不到此人，请联系社区管理员。"
    ]
    html = r.content.decode()
    # (The form keeps what the user typed, the number too, in its input.)
    assert [secret for secret in _secrets(registered)[:3] if secret in html] == []
    assert _entries(registered.bob) == ["already registered"]


def test_the_api_says_the_number_is_taken_and_no_more(registered):
    from banyan.accounts.tokens import token_issue
    from banyan.api.tests.conftest import ApiClient

    api = ApiClient(token_issue(user=registered.bob))
    body = {**_values(THEIRS), "household": registered.household_1_1.pk, "birth_date": "1950-03-14"}
    r = api.post("/persons", body)
    assert r.status_code == 400
    assert r.json()["field"] == "id_number"
    assert [secret for secret in _secrets(registered) if secret in r.content.decode()] == []
    row = AccessLog.objects.get(user=registered.bob, action="enter_id_number")
    assert (row.detail, row.via) == ("already registered", "api")


# --- every number entered counts ---------------------------------------------------------------


def test_every_number_entered_counts_whether_taken_or_not(registered):
    _add(registered, _candidate(200))
    with pytest.raises(NumberTaken):
        _add(registered, THEIRS)
    person = _add(registered, _candidate(202), name="王二")
    services.person_update(
        actor=registered.bob, person=person, version=person.version, id_number=_candidate(204)
    )
    assert _entries(registered.bob) == ["", "already registered", "", ""]
    row = AccessLog.objects.filter(action="enter_id_number").order_by("at", "pk").first()
    assert row is not None and row.ip == "10.0.0.7" and row.person_id is None
    # The rows hold no number.
    assert not AccessLog.objects.filter(detail__contains="5308").exists()


def test_no_number_a_malformed_one_or_the_persons_own_is_not_a_check(registered):
    _add(registered, "", name="无证")
    with pytest.raises(ValidationFailed):
        _add(registered, "53080219500314000")  # 17 characters
    with pytest.raises(ValidationFailed) as err:  # refused before the register is asked
        _add(registered, THEIRS, birth_date=dt.date(1950, 3, 15))
    assert err.value.field == "birth_date"
    person = _add(registered, _candidate(206), name="王三")
    for change in ({"id_number": _candidate(206)}, {"phone": "13912345678"}):
        version = Person.objects.get(pk=person.pk).version
        services.person_update(actor=registered.bob, person=person, version=version, **change)
    assert _entries(registered.bob) == [""]


def test_guessing_by_entering_numbers_is_slowed_then_stopped_and_reported(
    registered, tight, django_capture_on_commit_callbacks
):
    """The guesses a branch secretary's view leaves (about 900): each costs the same."""
    guesses = [_candidate(s) for s in range(200, 260, 2) if _candidate(s) != THEIRS]
    person = _add(registered, "", name="试探")
    AccessLog.objects.all().delete()

    def guess(number: str) -> None:
        services.person_update(
            actor=registered.bob,
            person=person,
            version=Person.objects.get(pk=person.pk).version,
            id_number=number,
        )

    with (
        time_machine.travel(DAY, tick=False) as clock,
        django_capture_on_commit_callbacks(execute=True),
    ):
        for number in guesses[:3]:
            guess(number)
        with pytest.raises(LookupRefused) as slowed:
            guess(guesses[3])
        assert slowed.value.field == "id_number" and "30" in str(slowed.value.message)
        # The refusal comes before any check: the right guess is refused the same way.
        with pytest.raises(LookupRefused) as slowed_right:
            guess(THEIRS)
        assert str(slowed_right.value.message) == str(slowed.value.message)
        clock.shift(dt.timedelta(seconds=31))
        guess(guesses[4])  # six rows in the day now, refusals included
        clock.shift(dt.timedelta(seconds=31))
        with pytest.raises(LookupRefused) as stopped:
            guess(THEIRS)
        assert "停用一天" in str(stopped.value.message)
        clock.shift(dt.timedelta(hours=2))
        with pytest.raises(LookupRefused):
            guess(THEIRS)
    # Nothing the refused guesses carried was written.
    assert Person.objects.get(pk=person.pk).id_number_hash == crypto.lookup_hash(guesses[4])
    alerts = Notification.objects.filter(kind="security")
    assert [n.user_id for n in alerts] == [registered.alice.pk]
    assert "bob" in alerts[0].text


def test_searches_and_numbers_entered_share_one_count(client, registered, tight):
    from banyan.accounts.lookups import identifier_lookup

    with time_machine.travel(DAY, tick=False):
        for _ in range(3):
            identifier_lookup(actor=registered.bob, kind="id_number", allowed=True, ip=None)
        with pytest.raises(LookupRefused):
            _add(registered, _candidate(210))
    assert not Person.objects.filter(name="王试").exists()


def test_the_count_stays_when_the_refused_service_rolls_back(registered):
    with pytest.raises(NumberTaken):
        _add(registered, THEIRS)
    # The service's transaction rolled back; the guard's row did not.
    assert _entries(registered.bob) == ["already registered"]
