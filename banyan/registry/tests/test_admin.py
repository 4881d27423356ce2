"""The community admin keeps their categories in the Django admin; shared rows stay put."""

from __future__ import annotations

from django.contrib.auth.models import Permission

from banyan.registry.models import Category


def make_staff(user):
    user.is_staff = True
    user.save()
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["add_category", "change_category", "view_category"])
    )


def test_alice_adds_a_category_for_her_community(client, world):
    make_staff(world.alice)
    client.force_login(world.alice)
    r = client.post(
        "/admin/registry/category/add/",
        {
            "community": world.community.pk,
            "code": "wish_tree_volunteer",
            "name": "心愿树志愿者",
            "name_en": "Wish-tree volunteer",
            "sort_order": 50,
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    assert Category.objects.get(code="wish_tree_volunteer").community == world.community


def test_alice_cannot_add_a_category_to_another_community(client, world):
    make_staff(world.alice)
    client.force_login(world.alice)
    r = client.post(
        "/admin/registry/category/add/",
        {
            "community": world.other_community.pk,
            "code": "x1",
            "name": "别的",
            "sort_order": 1,
        },
    )
    assert r.status_code == 200 and "community" in r.context["adminform"].form.errors
    assert not Category.objects.filter(code="x1").exists()


def test_shared_categories_are_read_only_for_community_admins(client, world):
    make_staff(world.alice)
    client.force_login(world.alice)
    shared = Category.objects.get(code="dibao", community=None)
    r = client.post(
        f"/admin/registry/category/{shared.pk}/change/",
        {
            "code": "dibao",
            "name": "改名",
            "sort_order": 1,
        },
    )
    assert r.status_code == 403
    shared.refresh_from_db()
    assert shared.name == "低保"


def test_mallorys_categories_are_invisible_to_alice(client, world):
    mine = Category.objects.create(community=world.other_community, code="m1", name="月光")
    make_staff(world.alice)
    client.force_login(world.alice)
    assert client.get(f"/admin/registry/category/{mine.pk}/change/").status_code == 302
    assert "月光" not in client.get("/admin/registry/category/").content.decode()
