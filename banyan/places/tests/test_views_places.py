"""The tree browser and each post's landing page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from banyan.accounts.tests.factories import make_post, make_user


def test_home_sends_each_post_to_its_work(client, world):
    expected = {
        "alice": reverse("places:node-detail", args=[world.community.pk]),
        "bob": reverse("places:node-detail", args=[world.l2_1_1.pk]),
        "charlie": reverse("places:node-detail", args=[world.l2_2_1.pk]),
        "dave": reverse("places:building-detail", args=[world.building_1_1.pk]),
        "mallory": reverse("places:node-detail", args=[world.other_community.pk]),
    }
    for who, url in expected.items():
        client.force_login(getattr(world, who))
        assert client.get("/")["Location"] == url, who
    client.force_login(world.eve)
    r = client.get("/")
    assert r.status_code == 200 and "张桂英" not in r.content.decode()


def test_anonymous_users_are_sent_to_login(client, world):
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_community_page_shows_grids_with_counts(client, world):
    client.force_login(world.alice)
    r = client.get(reverse("places:node-detail", args=[world.community.pk]))
    body = r.content.decode()
    assert "第一网格" in body and "第二网格" in body
    assert r.context["totals"] == {"households": 2, "persons": 2}


def test_grid_manager_sees_compounds_of_his_grid_only(client, world):
    client.force_login(world.bob)
    r = client.get(reverse("places:node-detail", args=[world.l2_1_1.pk]))
    assert [c.name for c in r.context["compounds"]] == ["皮鞋厂小区"]
    assert client.get(reverse("places:node-detail", args=[world.community.pk])).status_code == 404


def test_the_district_sees_counts_but_no_household(client, world):
    district = make_user("districtviewer")
    make_post(district, "district_viewer", world.district)
    client.force_login(district)
    r = client.get(reverse("places:node-detail", args=[world.community.pk]))
    assert r.status_code == 200
    assert {c.name: n["households"] for c, n in r.context["children"]} == {
        "第一网格": 1,
        "第二网格": 1,
    }
    r = client.get(reverse("places:building-detail", args=[world.building_1_1.pk]))
    assert r.context["rows"] == []
    # How many live there, not an empty list that says nobody does.
    html = r.content.decode()
    assert r.context["counts"] == {"households": 1, "persons": 1}
    assert '<span class="muted small" id="household-count">1</span>' in html
    assert "尚未登记住户" not in html and "岗位只能看到人数" in html
    assert reverse("registry:household-detail", args=[world.household_1_1.pk]) not in html
    r = client.get(reverse("registry:household-detail", args=[world.household_1_1.pk]))
    assert r.status_code == 404


def test_building_head_lands_on_the_building_and_sees_its_rooms(client, world):
    client.force_login(world.dave)
    r = client.get(reverse("places:building-detail", args=[world.building_1_1.pk]))
    assert [h.pk for h, _n in r.context["rows"]] == [world.household_1_1.pk]
    assert not r.context["can_edit"]


@pytest.mark.parametrize("who", ["charlie", "mallory", "eve", "dave"])
def test_household_create_outside_scope_is_404(client, world, who):
    client.force_login(getattr(world, who))
    url = reverse("registry:household-create")
    if who == "dave":  # in his building, but a building head may not register households
        r = client.post(f"{url}?building={world.building_1_1.pk}", {"room": "102"})
        assert r.status_code == 403
        return
    assert client.get(f"{url}?building={world.building_1_1.pk}").status_code == 404
    assert client.get(f"{url}?grid={world.l2_1_1.pk}").status_code == 404
    assert client.get(url).status_code == 404


def test_household_create_in_a_building(client, world):
    client.force_login(world.bob)
    url = reverse("registry:household-create") + f"?building={world.building_1_1.pk}"
    r = client.post(url, {"building": world.building_1_1.pk, "unit": "2", "room": "302"})
    assert r.status_code == 302
    assert client.get(r["Location"]).context["household"].room == "302"


def test_household_create_with_a_building_of_another_grid_is_rejected(client, world):
    client.force_login(world.bob)
    url = reverse("registry:household-create") + f"?grid={world.l2_1_1.pk}"
    r = client.post(url, {"building": world.building_2_1.pk, "room": "302"})
    assert r.status_code == 200 and "building" in r.context["form"].errors


def _district_viewer(world):
    district = make_user("districtviewer")
    make_post(district, "district_viewer", world.district)
    return district


def test_the_district_never_sees_a_building_heads_name(client, world):
    """Aggregates only means no person at all: not the head of a building either."""
    building = world.building_1_1
    building.head = world.person_1_1
    building.save(update_fields=["head"])
    client.force_login(_district_viewer(world))
    for url in (
        reverse("places:compound-detail", args=[world.compound_1_1.pk]),
        reverse("places:building-detail", args=[building.pk]),
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "张桂英" not in r.content.decode(), url
    # The grid manager still sees who the head is.
    client.force_login(world.bob)
    r = client.get(reverse("places:building-detail", args=[building.pk]))
    assert "张桂英" in r.content.decode()
    r = client.get(reverse("places:compound-detail", args=[world.compound_1_1.pk]))
    assert "张桂英" in r.content.decode()


# --- natural order (as people count) ------------------------------------------------


def _numbered_buildings(world, numbers):
    from banyan.places import services

    return [
        services.building_create(actor=world.alice, compound=world.compound_1_1, number=n)
        for n in numbers
    ]


def test_buildings_list_in_natural_order(client, world):
    _numbered_buildings(world, ["10栋", "2栋", "11栋", "3号楼", "A座"])
    client.force_login(world.bob)
    r = client.get(reverse("places:compound-detail", args=[world.compound_1_1.pk]))
    assert [b.number for b in r.context["buildings"]] == [
        "1栋",
        "2栋",
        "3号楼",
        "10栋",
        "11栋",
        "A座",
    ]


def test_rooms_list_in_natural_order(client, world):
    from banyan.registry import services

    for unit, room in [("2", "101"), ("1", "1101"), ("1", "201"), ("10", "101"), ("1", "102")]:
        services.household_create(
            actor=world.alice, grid=world.l2_1_1, building=world.building_1_1, unit=unit, room=room
        )
    client.force_login(world.bob)
    r = client.get(reverse("places:building-detail", args=[world.building_1_1.pk]))
    assert [(h.unit, h.room) for h, _n in r.context["rows"]] == [
        ("1", "101"),
        ("1", "102"),
        ("1", "201"),
        ("1", "1101"),
        ("2", "101"),
        ("10", "101"),
    ]
    r = client.get(reverse("registry:household-list"), {"node": world.l2_1_1.pk})
    assert [label for _pk, label, _n in r.context["rows"]][:4] == [
        "皮鞋厂小区 1栋 1单元 101",
        "皮鞋厂小区 1栋 1单元 102",
        "皮鞋厂小区 1栋 1单元 201",
        "皮鞋厂小区 1栋 1单元 1101",
    ]


def test_grids_list_in_code_order_in_the_tree(client, world):
    from banyan.accounts.tests.factories import make_node

    community = make_node("community", "数字社区", world.street, code="530802001009")
    for n in (10, 7, 1, 2):
        make_node("grid_l1", f"网格{n}", community, code=str(n), sort_order=0)
    admin = make_user("numbers")
    make_post(admin, "community_admin", community)
    client.force_login(admin)
    r = client.get(reverse("places:node-detail", args=[community.pk]))
    assert [c.name for c, _n in r.context["children"]] == ["网格1", "网格2", "网格7", "网格10"]


@pytest.fixture
def a_card():
    """An app's card on the home page, registered as an app's ready() would."""
    from banyan.common import home

    home.register("test-card", lambda request: home.Card("places/_test_card.html", order=1))
    yield
    home.unregister("test-card")


def test_home_shows_the_cards_apps_register_and_the_way_to_the_area(
    client, world, a_card, tmp_path, settings
):
    (tmp_path / "places").mkdir()
    (tmp_path / "places" / "_test_card.html").write_text('<section id="test-card">card</section>')
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    client.force_login(world.bob)
    r = client.get("/")
    assert r.status_code == 200
    page = r.content.decode()
    assert '<section id="test-card">card</section>' in page
    assert reverse("places:node-detail", args=[world.l2_1_1.pk]) in page


def test_places_never_imports_the_apps_that_give_cards():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sources = [p for p in root.rglob("*.py") if "tests" not in p.parts]
    assert sources
    assert [str(p) for p in sources if "banyan.party" in p.read_text()] == []
