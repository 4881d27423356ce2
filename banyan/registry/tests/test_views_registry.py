"""Registry screens as bob (grid 1-1), charlie (grid 2-1), dave (building head) see them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from banyan.accounts.models import AccessLog
from banyan.common.idnumber import make_id_number
from banyan.registry import services
from banyan.registry.models import Category, Household, Person, PersonCategory
from banyan.timeline.models import Event

ID = make_id_number("530802", dt.date(1950, 3, 14), 248)  # even: female, as the world's person


@pytest.fixture
def rich(world):
    """Give bob's resident an ID number, a phone and a sensitive category."""
    p = world.person_1_1
    services.person_update(
        actor=world.alice, person=p, version=None, id_number=ID, phone="13987654321"
    )
    services.category_add(
        actor=world.alice,
        person=p,
        category=Category.objects.get(code="dibao"),
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date.today() + dt.timedelta(days=300),
    )
    services.category_add(
        actor=world.alice,
        person=p,
        category=Category.objects.get(code="empty_nest"),
        valid_from=dt.date(2020, 1, 1),
    )
    return world


def page(client, user, name, *args, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, args=args), **kwargs)


def test_household_page_shows_members_and_timeline(client, rich):
    r = page(client, rich.bob, "registry:household-detail", rich.household_1_1.pk)
    body = r.content.decode()
    assert r.status_code == 200
    assert "张桂英" in body and "低保" in body and "空巢老人" in body
    assert 'id="timeline"' in body
    assert r["Cache-Control"] == "no-store"


def test_person_page_masks_id_and_phone_and_logs_the_view(client, rich):
    r = page(client, rich.bob, "registry:person-detail", rich.person_1_1.pk)
    body = r.content.decode()
    assert ID not in body and "13987654321" not in body
    assert ID[:4] + "*" * 12 + ID[-2:] in body and "139****4321" in body
    assert AccessLog.objects.filter(user=rich.bob, action="view_person").count() == 1


def test_reveal_shows_the_number_once_and_logs_it(client, rich):
    client.force_login(rich.bob)
    url = reverse("registry:person-reveal", args=[rich.person_1_1.pk])
    r = client.post(url, {"field": "id_number"})
    assert r.status_code == 200 and ID in r.content.decode()
    assert AccessLog.objects.filter(user=rich.bob, action="reveal_id_number").count() == 1
    again = client.get(reverse("registry:person-detail", args=[rich.person_1_1.pk]))
    assert ID not in again.content.decode()


def test_reveal_is_post_only(client, rich):
    client.force_login(rich.bob)
    r = client.get(reverse("registry:person-reveal", args=[rich.person_1_1.pk]))
    assert r.status_code == 405


def test_building_head_sees_names_but_no_personal_details(client, rich):
    r = page(client, rich.dave, "registry:household-detail", rich.household_1_1.pk)
    body = r.content.decode()
    assert r.status_code == 200 and "张桂英" in body
    assert "低保" not in body and "空巢老人" not in body and 'id="timeline"' not in body
    r = page(client, rich.dave, "registry:person-detail", rich.person_1_1.pk)
    body = r.content.decode()
    assert "1950-03-14" not in body and ID[:4] not in body and "4321" not in body
    assert "Show" not in body and "显示" not in body


def test_building_head_cannot_open_another_building(client, rich):
    r = page(client, rich.dave, "registry:household-detail", rich.household_2_1.pk)
    assert r.status_code == 404


def test_branch_secretary_does_not_see_sensitive_categories(client, rich):
    from banyan.accounts.tests.factories import make_post, make_user

    sec = make_user("branchsec")
    make_post(sec, "branch_secretary", rich.l1_1)
    body = page(client, sec, "registry:household-detail", rich.household_1_1.pk).content.decode()
    assert "空巢老人" in body and "低保" not in body


def test_grid_manager_adds_a_newborn(client, world):
    client.force_login(world.bob)
    born = dt.date.today() - dt.timedelta(days=2)
    r = client.post(
        reverse("registry:person-birth", args=[world.household_1_1.pk]),
        {
            "name": "张小满",
            "gender": "F",
            "birth_date": born.isoformat(),
            "relation": "grandchild",
            "residence_type": "registered",
        },
    )
    assert r.status_code == 302
    baby = Person.objects.get(name="张小满")
    assert baby.household == world.household_1_1 and baby.birth_date == born
    timeline = client.get(reverse("registry:household-detail", args=[world.household_1_1.pk]))
    assert "张小满" in timeline.content.decode()
    assert Event.objects.get(verb="person_born").occurred_on == born


FORMS = [
    # (url name, object attr, bad post data, field expected to carry the error)
    (
        "registry:person-add",
        "household_1_1",
        {
            "reason": "moved_in",
            "name": "吴刚",
            "gender": "M",
            "birth_date": "1990-01-01",
            "id_number": "530802199001011230",
            "relation": "child",
            "residence_type": "floating",
        },
        "id_number",
    ),
    (
        "registry:person-birth",
        "household_1_1",
        {
            "name": "",
            "gender": "M",
            "birth_date": "2026-01-01",
            "relation": "child",
            "residence_type": "registered",
        },
        "name",
    ),
    (
        "registry:person-edit",
        "person_1_1",
        {
            "name": "张桂英",
            "gender": "F",
            "birth_date": "1950-03-14",
            "phone": "2345",
            "relation": "head",
            "residence_type": "registered",
            "version": "1",
        },
        "phone",
    ),
    (
        "registry:household-create?building",
        "building_1_1",
        {"building": "", "unit": "1", "room": "", "address": ""},
        "address",
    ),
    ("registry:household-edit", "household_1_1", {"unit": "1", "room": "", "version": "1"}, "room"),
    (
        "registry:person-move",
        "person_1_1",
        {"occurred_on": "2025-01-01", "to_household": "999999", "relation": "child"},
        "to_household",
    ),
    ("registry:person-move-out", "person_1_1", {"occurred_on": "2999-01-01"}, "occurred_on"),
    ("registry:person-death", "person_1_1", {"occurred_on": "not a date"}, "occurred_on"),
    (
        "registry:category-add",
        "person_1_1",
        {"category": "", "valid_from": "2024-01-01"},
        "category",
    ),
    (
        "registry:household-split",
        "household_1_1",
        {"occurred_on": "2025-01-01", "room": "1"},
        "persons",
    ),
    (
        "registry:household-merge",
        "household_1_1",
        {"occurred_on": "2025-01-01", "target": "999999"},
        "target",
    ),
]


@pytest.mark.parametrize(("name", "attr", "data", "field"), FORMS)
def test_bad_input_on_every_form_names_the_field_and_writes_nothing(
    client, world, name, attr, data, field
):
    client.force_login(world.bob)
    obj = getattr(world, attr)
    if "?" in name:
        name, param = name.split("?")
        url = reverse(name) + f"?{param}={obj.pk}"
    else:
        url = reverse(name, args=[obj.pk])
    counts = (
        Person.objects.count(),
        Household.objects.count(),
        Event.objects.count(),
        PersonCategory.objects.count(),
    )
    r = client.post(url, data)
    assert r.status_code == 200, r.status_code
    form = r.context["form"]
    assert field in form.errors, form.errors
    assert counts == (
        Person.objects.count(),
        Household.objects.count(),
        Event.objects.count(),
        PersonCategory.objects.count(),
    )


def test_category_end_rejects_a_date_before_the_start(client, rich):
    client.force_login(rich.bob)
    pc = PersonCategory.objects.get(category__code="empty_nest")
    r = client.post(reverse("registry:category-end", args=[pc.pk]), {"valid_to": "2019-01-01"})
    assert "valid_to" in r.context["form"].errors
    pc.refresh_from_db()
    assert pc.valid_to is None


def test_a_form_pointing_outside_the_scope_is_rejected(client, world):
    client.force_login(world.bob)
    r = client.post(
        reverse("registry:person-move", args=[world.person_1_1.pk]),
        {
            "occurred_on": "2025-01-01",
            "to_household": str(world.household_2_1.pk),
            "relation": "child",
        },
    )
    assert "to_household" in r.context["form"].errors
    world.person_1_1.refresh_from_db()
    assert world.person_1_1.household == world.household_1_1


def _search(client, q):
    return client.post(reverse("registry:search"), {"q": q})


def test_search_by_name_exact_phone_and_id(client, rich):
    client.force_login(rich.bob)
    for q in ("桂英", "139 8765 4321", ID.lower()):
        r = _search(client, q)
        assert [p.pk for p in r.context["persons"].object_list] == [rich.person_1_1.pk], q
    assert AccessLog.objects.filter(action__in=["lookup_phone", "lookup_id_number"]).count() == 2


def test_search_never_reaches_outside_the_scope(client, rich):
    client.force_login(rich.charlie)
    for q in ("桂英", "13987654321", ID, "4321", "139****4321", "皮鞋厂小区 1栋 1单元 101"):
        r = _search(client, q)
        assert list(r.context["persons"].object_list) == [], q
        assert list(r.context["households"].object_list) == [], q


def test_a_malformed_id_number_search_says_why(client, rich):
    client.force_login(rich.bob)
    r = _search(client, "530802195003142481")
    assert r.context["error"]


def test_household_page_query_count_does_not_grow_with_members(
    client, world, django_assert_max_num_queries
):
    for i in range(12):
        services.person_add(
            actor=world.bob,
            household=world.household_1_1,
            name=f"成员{i}",
            gender="M",
            birth_date=dt.date(2000, 1, 1),
            relation="child",
            residence_type="registered",
        )
    client.force_login(world.bob)
    with django_assert_max_num_queries(16):
        client.get(reverse("registry:household-detail", args=[world.household_1_1.pk]))


def test_building_page_query_count_is_bounded(client, world, django_assert_max_num_queries):
    for room in range(201, 241):
        services.household_create(
            actor=world.bob,
            grid=world.l2_1_1,
            building=world.building_1_1,
            unit="2",
            room=str(room),
        )
    client.force_login(world.bob)
    with django_assert_max_num_queries(14):
        r = client.get(reverse("places:building-detail", args=[world.building_1_1.pk]))
    assert r.status_code == 200


def test_english_is_available(client, world):
    client.force_login(world.bob)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    r = client.get(reverse("registry:household-detail", args=[world.household_1_1.pk]))
    assert "Members" in r.content.decode()


def test_people_by_category_lists_only_the_scope(client, rich):
    client.force_login(rich.bob)
    url = reverse("registry:person-list")
    r = client.get(url, {"node": rich.l2_1_1.pk, "category": "empty_nest"})
    assert [p.pk for p in r.context["page"].object_list] == [rich.person_1_1.pk]
    client.force_login(rich.charlie)
    assert client.get(url, {"node": rich.l2_1_1.pk, "category": "empty_nest"}).status_code == 404
    r = client.get(url, {"category": "empty_nest"})
    assert list(r.context["page"].object_list) == []


def test_a_sensitive_category_list_needs_the_sensitive_post(client, rich):
    from banyan.accounts.tests.factories import make_post, make_user

    sec = make_user("branchsec")
    make_post(sec, "branch_secretary", rich.l1_1)
    client.force_login(sec)
    url = reverse("registry:person-list")
    assert client.get(url, {"category": "dibao"}).status_code == 404
    assert client.get(url, {"category": "empty_nest"}).status_code == 200


def test_people_list_query_count_is_bounded(client, world, django_assert_max_num_queries):
    for i in range(30):
        services.person_add(
            actor=world.bob,
            household=world.household_1_1,
            name=f"成员{i}",
            gender="M",
            birth_date=dt.date(2000, 1, 1),
            relation="child",
            residence_type="registered",
        )
    client.force_login(world.bob)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("registry:person-list"), {"node": world.l2_1_1.pk})
    assert r.context["page"].paginator.count == 31


def test_the_district_sees_how_many_people_hold_a_category_and_nobody_by_name(client, rich):
    """Aggregates only: the people-by-category page gives the district its count, no names."""
    from banyan.accounts.tests.factories import make_post, make_user

    district = make_user("districtviewer")
    make_post(district, "district_viewer", rich.district)
    client.force_login(district)
    r = client.get(
        reverse("registry:person-list"), {"node": rich.community.pk, "category": "empty_nest"}
    )
    assert r.status_code == 200
    assert r.context["count"] == 1
    body = r.content.decode()
    assert "张桂英" not in body
    assert reverse("registry:person-detail", args=[rich.person_1_1.pk]) not in body
    # A sensitive category is not even counted for the district.
    r = client.get(
        reverse("registry:person-list"), {"node": rich.community.pk, "category": "dibao"}
    )
    assert r.status_code == 404


# --- edits based on an old version (SECURITY.md 20) ---------------------------------------


def _household_form(**changes):
    return {"unit": "1", "room": "101", "address": "", "situation_note": "", **changes}


def test_a_stale_household_edit_shows_what_changed_and_writes_nothing(client, world):
    household = world.household_1_1
    url = reverse("registry:household-edit", args=[household.pk])
    client.force_login(world.bob)
    assert 'name="version" value="1"' in client.get(url).content.decode()
    # alice moves the household to room 102 while bob's form is open at version 1.
    services.household_update(actor=world.alice, household=household, version=1, room="102")
    events = Event.objects.count()
    r = client.post(url, _household_form(situation_note="独居老人，子女在昆明", version="1"))
    assert r.status_code == 200
    form = r.context["form"]
    assert form.non_field_errors()
    assert [(row["label"], row["now"], row["yours"]) for row in form.stale_changes] == [
        (form.fields["room"].label, "102", "101")
    ]
    page = r.content.decode()
    # The form now holds alice's room, keeps bob's note, and is at the version now.
    assert 'name="room" value="102"' in page and "独居老人，子女在昆明</textarea>" in page
    assert 'name="version" value="2"' in page
    now = Household.objects.get(pk=household.pk)
    assert (now.room, now.situation_note, now.version) == ("102", "", 2)
    assert Event.objects.count() == events
    # Saving the form as it now stands keeps both changes.
    r = client.post(url, _household_form(room="102", situation_note="独居老人", version="2"))
    assert r.status_code == 302
    now = Household.objects.get(pk=household.pk)
    assert (now.room, now.situation_note, now.version) == ("102", "独居老人", 3)
    assert Event.objects.count() == events + 1


def test_a_household_edit_from_a_page_without_a_version_says_the_page_is_out_of_date(client, world):
    client.force_login(world.bob)
    url = reverse("registry:household-edit", args=[world.household_1_1.pk])
    r = client.post(url, _household_form(room="909"))
    assert r.status_code == 200 and "version" in r.context["form"].errors
    assert Household.objects.get(pk=world.household_1_1.pk).room == "101"


def _person_form(**changes):
    return {
        "name": "张桂英",
        "gender": "F",
        "birth_date": "1950-03-14",
        "relation": "head",
        "residence_type": "registered",
        "registered_address": "",
        "lives_at_registered_address": "on",
        **changes,
    }


def test_a_stale_person_edit_shows_a_changed_phone_masked_and_keeps_the_rest(client, world):
    person = world.person_1_1
    url = reverse("registry:person-edit", args=[person.pk])
    client.force_login(world.bob)
    client.get(url)
    services.person_update(
        actor=world.alice, person=person, version=1, phone="13987654321", name="张桂芳"
    )
    events = Event.objects.count()
    r = client.post(url, _person_form(registered_address="思茅区", version="1"))
    assert r.status_code == 200
    form = r.context["form"]
    rows = {row["label"]: (row["now"], row["yours"]) for row in form.stale_changes}
    assert rows == {
        form.fields["name"].label: ("张桂芳", "张桂英"),
        form.fields["phone"].label: ("139****4321", "—"),
    }
    page = r.content.decode()
    assert "13987654321" not in page  # the number is never put into the page
    # alice's name in the input, bob's address kept, the phone input empty (keeps it).
    assert form["name"].value() == "张桂芳"
    assert form["registered_address"].value() == "思茅区"
    assert not form["phone"].value()
    now = Person.objects.get(pk=person.pk)
    assert (now.registered_address, now.version) == ("", 2)
    assert Event.objects.count() == events


def test_a_person_edit_at_the_version_now_is_saved_and_bumps_it(client, world):
    person = world.person_1_1
    client.force_login(world.bob)
    r = client.post(
        reverse("registry:person-edit", args=[person.pk]),
        _person_form(registered_address="思茅区", version="1"),
    )
    assert r.status_code == 302
    now = Person.objects.get(pk=person.pk)
    assert (now.registered_address, now.version) == ("思茅区", 2)
    event = Event.objects.filter(verb="person_updated", subject_id=person.pk).get()
    assert (event.data["version"], event.data["changed"]) == (2, ["registered_address"])
