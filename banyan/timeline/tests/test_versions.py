"""Versions of edited rows (common.versioning) and what the event stream says changed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from banyan.casework.tests.factories import open_case
from banyan.common.errors import StaleEdit
from banyan.registry import services
from banyan.registry.models import Household, Person
from banyan.timeline.versions import changed_since, check_version


def test_a_new_row_is_at_version_one_and_every_change_saved_bumps_it(world):
    household = Household.objects.get(pk=world.household_1_1.pk)
    assert household.version == 1
    household.room = "102"
    household.save(update_fields=["room"])
    assert Household.objects.get(pk=household.pk).version == 2
    household.situation_note = "独居"
    household.save()  # a save without update_fields counts too
    assert Household.objects.get(pk=household.pk).version == 3
    assert household.take_changes() == ["room", "situation_note"]


def test_saving_the_values_the_row_already_has_is_no_change(world):
    household = Household.objects.get(pk=world.household_1_1.pk)
    household.room = "101"
    household.save(update_fields=["room", "unit"])
    household.save()
    assert Household.objects.get(pk=household.pk).version == 1
    assert household.take_changes() == []


def test_a_save_of_bookkeeping_columns_alone_is_no_change(world):
    case = open_case(world)
    case.updated_at = timezone.now()
    case.save(update_fields=["updated_at"])
    assert type(case).objects.get(pk=case.pk).version == 1


def test_an_id_number_is_named_once_whatever_columns_hold_it(world):
    import datetime as dt

    from banyan.common.idnumber import make_id_number

    person = world.person_1_1
    services.person_update(
        actor=world.alice,
        person=person,
        version=1,
        id_number=make_id_number("530802", dt.date(1950, 3, 14), 248),
        phone="13987654321",
    )
    assert changed_since(Person.objects.get(pk=person.pk), 1) == ["id_number", "phone"]


def test_changed_since_names_the_fields_of_every_later_version_only(world):
    household = world.household_1_1
    services.household_update(actor=world.alice, household=household, version=1, room="102")
    services.household_verify(actor=world.alice, household=household)
    services.household_update(
        actor=world.alice, household=household, version=3, situation_note="独居"
    )
    now = Household.objects.get(pk=household.pk)
    assert now.version == 4
    assert changed_since(now, 1) == ["room", "situation_note", "verified_on"]
    assert changed_since(now, 3) == ["situation_note"]
    assert changed_since(now, 4) == []


def test_check_version_passes_the_version_now_and_none(world):
    household = Household.objects.get(pk=world.household_1_1.pk)
    check_version(household, 1)
    check_version(household, None)
    with pytest.raises(StaleEdit) as err:
        check_version(household, 7)  # a version from the future is as stale as an old one
    assert (err.value.current, err.value.changed, err.value.field) == (1, [], "version")
