"""Party data over the API: scope by the party tree (a branch secretary sees the
branch's members wherever they live), 404 outside, nothing for grid posts, masked
phones, contacts logged through the service, obligations and compliance."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_post, make_user
from banyan.accounts.tokens import token_issue
from banyan.party.models import Contact
from banyan.party.tests.factories import party_objects

from .conftest import ApiClient

# Every party endpoint naming an object of branch 1, as (method, path, body).
ENDPOINTS = [
    ("get", "/party/orgs/{branch}", None),
    ("get", "/party/members/{member}", None),
    ("get", "/party/contacts/{contact}", None),
    ("get", "/party/themed-days/{themed_day}", None),
    ("get", "/party/tracing/{tracing}", None),
    ("get", "/party/members?branch={branch}", None),
    ("get", "/party/contacts?member={member}", None),
    ("post", "/party/contacts", {"member": "{member}", "kind": "call"}),
    ("patch", "/party/members/{member}", {"version": 1, "skills": "理发"}),
]


@pytest.fixture
def p(world):
    objects = party_objects(world)
    frank = make_user("frank")
    make_post(frank, Role.BRANCH_SECRETARY, world.l1_1)
    gina = make_user("gina")
    make_post(gina, Role.BRANCH_SECRETARY, world.l1_2)
    viewer = make_user("dora")
    make_post(viewer, Role.DISTRICT_VIEWER, world.district)
    ids = {
        "branch": objects["party_branch"].pk,
        "member": objects["party_member"].pk,
        "contact": objects["party_contact"].pk,
        "themed_day": objects["themed_day"].pk,
        "tracing": objects["tracing_case"].pk,
    }
    return world, objects, ids, {"frank": frank, "gina": gina, "dora": viewer}


def _client(user) -> ApiClient:
    return ApiClient(token_issue(user=user))


def _call(client, method, path, body, ids):
    path = path.format(**ids)
    if method == "get":
        return client.get(path)
    filled = {
        k: ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()
    }
    return getattr(client, method)(path, filled)


def test_the_branch_secretary_reaches_every_endpoint(p):
    _world, _objects, ids, users = p
    client = _client(users["frank"])
    for method, path, body in ENDPOINTS:
        r = _call(client, method, path, body, ids)
        assert r.status_code in (200, 201), (method, path, r.status_code)


@pytest.mark.parametrize("who", ["gina", "bob", "charlie", "dave", "mallory", "dora"])
def test_everyone_else_gets_404_or_an_empty_list(p, who):
    world, _objects, ids, users = p
    user = users.get(who) or getattr(world, who)
    client = _client(user)
    for method, path, body in ENDPOINTS:
        r = _call(client, method, path, body, ids)
        assert r.status_code == 404, (who, method, path, r.status_code)
    for path in ("/party/orgs", "/party/members", "/party/contacts", "/party/tracing"):
        assert client.get(path).json()["count"] == 0, (who, path)
    assert Contact.objects.count() == 1


def test_members_come_with_masked_phones(p):
    world, objects, _ids, users = p
    member = objects["party_member"]
    member.phone = "13812345678"
    member.save()
    body = _client(users["frank"]).get(f"/party/members/{member.pk}").json()
    assert body["phone"] == "138****5678" and body["person"] == world.person_1_1.pk


def test_a_contact_in_the_future_is_a_400_naming_the_field(p):
    _world, _objects, ids, users = p
    r = _client(users["frank"]).post(
        "/party/contacts", {"member": ids["member"], "kind": "call", "contacted_on": "2999-01-01"}
    )
    assert r.status_code == 400 and r.json()["field"] == "contacted_on"


@time_machine.travel(dt.datetime(2024, 3, 12, 10), tick=False)
def test_obligations_are_only_in_the_scope(p):
    world, _objects, ids, users = p
    mine = _client(users["frank"]).get("/party/obligations").json()
    kinds = {(i["rule"], i["status"]) for i in mine["items"]}
    assert ("mobile_call", "overdue") in kinds  # February's call was never made
    assert all(i["member"] in (ids["member"], None) for i in mine["items"])
    for who in ("gina", "dora"):
        assert _client(users[who]).get("/party/obligations").json()["count"] == 0
    for user in (world.bob, world.mallory, world.eve):
        assert _client(user).get("/party/obligations").json()["count"] == 0
    assert _client(users["gina"]).get(f"/party/obligations?node={world.l1_1.pk}").status_code == 404


@time_machine.travel(dt.datetime(2024, 3, 12, 10), tick=False)
def test_compliance_needs_party_figures_there(p):
    world, _objects, _ids, users = p
    r = _client(users["dora"]).get(f"/party/compliance?node={world.district.pk}")
    assert r.status_code == 200
    assert [row["community"] for row in r.json()["rows"]] == [world.community.pk]
    assert _client(world.bob).get("/party/compliance").status_code == 404
    assert _client(world.mallory).get(f"/party/compliance?node={world.l1_1.pk}").status_code == 404
    r = _client(users["frank"]).get(f"/party/compliance?node={world.l1_1.pk}")
    assert r.status_code == 200 and r.json()["total"]["due"] > 0


@time_machine.travel(dt.datetime(2024, 3, 12, 10), tick=False)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"end": "9998-12-31"}, "end"),  # ran 70 s and took 1.6 GB
        ({"end": "9999-12-31"}, "end"),  # a 500
        ({"start": "0001-01-01"}, "start"),
        ({"start": "2024-02-30"}, "start"),
        ({"start": "2024-13-45"}, "start"),
        ({"end": "tomorrow"}, "end"),
        ({"start": "2024-03-01", "end": "2024-02-01"}, "end"),
        ({"start": "2020-01-01", "end": "2023-12-31"}, "end"),
    ],
)
def test_compliance_periods_are_bounded(p, params, field, django_assert_max_num_queries):
    _world, _objects, _ids, users = p
    client = _client(users["dora"])
    # Refused before any party data is read: the token's user, the post, no more.
    with django_assert_max_num_queries(6):
        r = client.get("/party/compliance", params)
    assert (r.status_code, r.json()["field"]) == (400, field), r.content
    r = client.get("/party/compliance", {"start": "2022-01-01", "end": "2024-12-31"})
    assert r.status_code == 200 and (r.json()["start"], r.json()["end"]) == (
        "2022-01-01",
        "2024-12-31",
    )
