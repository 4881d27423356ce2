"""Registry services: each change checks its state, writes one event, or writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from banyan.accounts.models import AccessLog
from banyan.common import crypto
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.common.idnumber import make_id_number
from banyan.registry import services
from banyan.registry.models import Category, Household, Person, PersonCategory
from banyan.timeline.models import Event

GOOD_ID = make_id_number("530802", dt.date(1988, 6, 1), 123)  # odd sequence: male


def person_values(**over):
    values = {
        "name": "周强",
        "gender": "M",
        "birth_date": dt.date(1988, 6, 1),
        "id_number": GOOD_ID,
        "phone": "+86 139-0887-1234",
        "relation": "spouse",
        "residence_type": "permanent",
        "registered_address": "",
        "lives_at_registered_address": True,
    }
    values.update(over)
    return values


def test_person_add_stores_the_id_number_encrypted_and_masked(world):
    person = services.person_add(actor=world.bob, household=world.household_1_1, **person_values())
    assert GOOD_ID not in person.id_number_encrypted
    assert crypto.decrypt(person.id_number_encrypted) == GOOD_ID
    assert person.id_number_hash == crypto.lookup_hash(GOOD_ID)
    assert person.id_number_masked == GOOD_ID[:4] + "*" * 12 + GOOD_ID[-2:]
    assert person.phone == "13908871234"
    assert person.community_id == world.community.pk and person.grid_id == world.l2_1_1.pk


def test_person_add_writes_one_event_on_person_and_household_timelines(world):
    before = Event.objects.count()
    person = services.person_add(actor=world.bob, household=world.household_1_1, **person_values())
    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert event.verb == "person_registered" and event.actor == world.bob
    assert event.links.filter(person=person, household=world.household_1_1).exists()
    assert GOOD_ID not in str(event.data) and "13908871234" not in str(event.data)


def test_a_lower_case_x_is_normalised(world):
    first17 = "11010519491231002"
    services.person_add(
        actor=world.bob,
        household=world.household_1_1,
        **person_values(id_number=first17 + "x", birth_date=dt.date(1949, 12, 31), gender="F"),
    )
    assert Person.objects.filter(id_number_hash=crypto.lookup_hash(first17 + "X")).exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"name": "  "}, "name"),
        ({"id_number": GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")}, "id_number"),
        ({"birth_date": dt.date(1988, 6, 2)}, "birth_date"),
        ({"gender": "F"}, "gender"),
        ({"phone": "12345"}, "phone"),
        ({"relation": "cousin"}, "relation"),
        ({"residence_type": "tourist"}, "residence_type"),
        ({"birth_date": dt.date.today() + dt.timedelta(days=2), "id_number": ""}, "birth_date"),
    ],
)
def test_bad_person_input_names_the_field_and_writes_nothing(world, over, field):
    persons, events = Person.objects.count(), Event.objects.count()
    with pytest.raises(ValidationFailed) as err:
        services.person_add(actor=world.bob, household=world.household_1_1, **person_values(**over))
    assert err.value.field == field
    assert (Person.objects.count(), Event.objects.count()) == (persons, events)


def test_the_same_id_number_cannot_be_registered_twice_in_a_community(world):
    services.person_add(actor=world.bob, household=world.household_1_1, **person_values())
    with pytest.raises(ValidationFailed) as err:
        services.person_add(
            actor=world.alice, household=world.household_2_1, **person_values(name="周强二")
        )
    assert err.value.field == "id_number"


def test_it_rejects_other_grid_worker(world):
    with pytest.raises(Http404):
        services.person_add(actor=world.charlie, household=world.household_1_1, **person_values())


def test_a_building_head_may_not_edit(world):
    with pytest.raises(PermissionDenied):
        services.person_add(actor=world.dave, household=world.household_1_1, **person_values())


def test_a_birth_is_dated_on_the_birth_date(world):
    born = dt.date.today() - dt.timedelta(days=3)
    baby = services.person_add(
        actor=world.bob,
        household=world.household_1_1,
        reason="born",
        **person_values(name="周小宝", id_number="", phone="", birth_date=born, relation="child"),
    )
    event = Event.objects.get(links__person=baby)
    assert event.verb == "person_born" and event.occurred_on == born
    assert "周小宝" in event.text


def test_moving_a_person_keeps_the_old_household_timeline(world):
    person = world.person_1_1
    services.person_move(
        actor=world.alice,
        person=person,
        to_household=world.household_2_1,
        occurred_on=dt.date.today(),
    )
    person.refresh_from_db()
    assert person.household == world.household_2_1 and person.grid == world.l2_2_1
    event = Event.objects.get(verb="person_moved")
    linked = set(event.links.values_list("household_id", flat=True))
    assert linked == {world.household_1_1.pk, world.household_2_1.pk}


def test_a_move_across_grids_needs_both_in_scope(world):
    with pytest.raises(Http404):
        services.person_move(
            actor=world.bob, person=world.person_1_1, to_household=world.household_2_1
        )
    assert Event.objects.filter(verb="person_moved").count() == 0


def test_death_ends_open_categories_and_cannot_happen_twice(world):
    cat = Category.objects.get(code="empty_nest", community=None)
    services.category_add(
        actor=world.bob, person=world.person_1_1, category=cat, valid_from=dt.date(2020, 1, 1)
    )
    day = dt.date.today() - dt.timedelta(days=1)
    services.person_record_death(actor=world.bob, person=world.person_1_1, occurred_on=day)
    assert PersonCategory.objects.get(person=world.person_1_1).valid_to == day
    with pytest.raises(InvalidTransition):
        services.person_record_death(actor=world.bob, person=world.person_1_1, occurred_on=day)
    assert Event.objects.filter(verb="person_died").count() == 1


def test_a_sensitive_category_event_is_marked_sensitive(world):
    dibao = Category.objects.get(code="dibao", community=None)
    services.category_add(
        actor=world.bob,
        person=world.person_1_1,
        category=dibao,
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2026, 12, 31),
    )
    assert Event.objects.get(verb="category_added").sensitive


def test_dibao_needs_a_valid_to_date_and_disability_a_grade(world):
    dibao = Category.objects.get(code="dibao", community=None)
    with pytest.raises(ValidationFailed) as err:
        services.category_add(
            actor=world.bob, person=world.person_1_1, category=dibao, valid_from=dt.date(2024, 1, 1)
        )
    assert err.value.field == "valid_to"
    disabled = Category.objects.get(code="disabled", community=None)
    with pytest.raises(ValidationFailed) as err:
        services.category_add(
            actor=world.bob,
            person=world.person_1_1,
            category=disabled,
            valid_from=dt.date(2024, 1, 1),
        )
    assert err.value.field == "grade"
    assert PersonCategory.objects.count() == 0


def test_ending_a_category_keeps_the_row(world):
    cat = Category.objects.get(code="retired", community=None)
    pc = services.category_add(
        actor=world.bob, person=world.person_1_1, category=cat, valid_from=dt.date(2010, 5, 1)
    )
    services.category_end(actor=world.bob, person_category=pc, valid_to=dt.date(2011, 1, 1))
    pc.refresh_from_db()
    assert pc.valid_to == dt.date(2011, 1, 1) and not pc.is_current()
    with pytest.raises(InvalidTransition):
        services.category_end(actor=world.bob, person_category=pc, valid_to=dt.date(2012, 1, 1))


def test_overlapping_categories_are_refused(world):
    cat = Category.objects.get(code="retired", community=None)
    services.category_add(
        actor=world.bob, person=world.person_1_1, category=cat, valid_from=dt.date(2010, 5, 1)
    )
    with pytest.raises(ValidationFailed):
        services.category_add(
            actor=world.bob, person=world.person_1_1, category=cat, valid_from=dt.date(2015, 5, 1)
        )


def test_a_household_cannot_be_registered_twice_in_one_room(world):
    with pytest.raises(ValidationFailed) as err:
        services.household_create(
            actor=world.bob, grid=world.l2_1_1, building=world.building_1_1, unit="1", room="101"
        )
    assert err.value.field == "room"


def test_a_household_outside_a_compound_needs_an_address(world):
    with pytest.raises(ValidationFailed) as err:
        services.household_create(actor=world.bob, grid=world.l2_1_1)
    assert err.value.field == "address"
    household = services.household_create(
        actor=world.bob, grid=world.l2_1_1, address="倒生根村 12 号"
    )
    assert household.building is None and household.community == world.community


def test_split_and_merge_keep_everyone_and_write_one_event_each(world):
    spouse = services.person_add(
        actor=world.bob, household=world.household_1_1, **person_values(id_number="", phone="")
    )
    new = services.household_split(
        actor=world.bob,
        household=world.household_1_1,
        persons=[spouse],
        building=world.building_1_1,
        unit="1",
        room="102",
    )
    spouse.refresh_from_db()
    assert spouse.household == new and spouse.relation == "head"
    services.household_merge(actor=world.bob, source=new, target=world.household_1_1)
    new.refresh_from_db()
    spouse.refresh_from_db()
    assert new.status == "dissolved" and spouse.household == world.household_1_1
    assert Event.objects.filter(verb__in=["household_split", "household_merged"]).count() == 2
    assert Household.objects.filter(pk=new.pk).exists()  # dissolved, never deleted


def test_reveal_checks_the_post_and_logs(world):
    person = services.person_add(actor=world.bob, household=world.household_1_1, **person_values())
    assert (
        services.person_reveal(actor=world.bob, person=person, field="id_number", ip="10.0.0.8")
        == GOOD_ID
    )
    row = AccessLog.objects.get(action="reveal_id_number")
    assert row.user == world.bob and row.person == person and row.ip == "10.0.0.8"
    with pytest.raises(PermissionDenied):
        services.person_reveal(actor=world.dave, person=person, field="phone", ip=None)
    with pytest.raises(Http404):
        services.person_reveal(actor=world.charlie, person=person, field="phone", ip=None)
    # The refused reveals wrote nothing (the other row is the number entered at the add).
    assert list(AccessLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "enter_id_number",
        "reveal_id_number",
    ]
