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
    assert (
        client.get(reverse("places:building-detail", args=[world.building_1_1.pk])).context["rows"]
        == []
    )
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
