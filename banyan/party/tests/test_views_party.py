"""Party pages: the party tree's scope, sensitivity (SECURITY.md 5), the one-step log
from "my obligations", themed days, tracing, rules, the public registration form and
query counts on lists."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from banyan.accounts.models import AccessLog
from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_post, make_user
from banyan.party import services
from banyan.party.models import Contact, Registration, Rule, ThemedDay

from .conftest import make_member

NOW = dt.datetime(2024, 3, 12, 10, 0)
PARTY_WORDS = ("王建国", "党员", "party", "Party", "党支部", "流动")


def jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 10)).save(buf, format="JPEG")
    return SimpleUploadedFile("a.jpg", buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def volunteer(party):
    user = make_user("victor")
    make_post(user, Role.VOLUNTEER, party.community)
    return user


# --- scope by the party tree --------------------------------------------------------------


def test_the_branch_secretary_sees_members_wherever_they_live(client, party):
    client.force_login(party.frank)
    page = client.get(f"/party/members/{party.zhang.pk}/").content.decode()
    assert "李秀兰" in page and "139****5678" in page  # lives in grid 2-1, masked phone
    assert client.get(f"/party/members/{party.wang.pk}/").status_code == 200
    assert AccessLog.objects.filter(
        user=party.frank, action="view_person", detail=f"party member {party.wang.pk}"
    ).exists()
    listing = client.get("/party/members/").content.decode()
    assert "李秀兰" in listing and "王建国" in listing and "张桂英" not in listing


@pytest.mark.parametrize("who", ["gina", "charlie", "bob", "dave", "mallory", "eve"])
def test_others_get_404_on_branch_ones_member(client, party, who):
    client.force_login(getattr(party, who))
    for url in (
        f"/party/members/{party.zhang.pk}/",
        f"/party/members/{party.zhang.pk}/contacts/new/",
        f"/party/orgs/{party.b1.pk}/",
    ):
        assert client.get(url).status_code == 404, (who, url)


@pytest.mark.parametrize("who", ["bob", "dave", "volunteer"])
def test_grid_manager_building_head_and_volunteer_never_see_party_fields(
    client, party, who, volunteer
):
    user = volunteer if who == "volunteer" else getattr(party, who)
    services.settings_update(
        actor=party.alice, community=party.community, grid_sees_member_households=False
    )
    client.force_login(user)
    for url in ("/party/", "/party/members/", "/party/obligations/", "/party/tracing/"):
        assert client.get(url).status_code == 404, url
    # The registry pages of li (a branch-2 member living in grid 1-1) say nothing of it.
    for url in (
        f"/registry/households/{party.household_1_1.pk}/",
        f"/registry/persons/{party.person_1_1.pk}/",
        f"/places/buildings/{party.building_1_1.pk}/",
        "/",
    ):
        r = client.get(url, follow=True)
        if r.status_code == 200:
            body = r.content.decode()
            assert not any(w in body for w in ("党员", "支部", "My obligations", "party/")), url
    from banyan.accounts.tokens import token_issue

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}
    for segment in ("orgs", "members", "contacts", "obligations", "themed-days", "tracing"):
        r = client.get(f"/api/v1/party/{segment}", **auth)
        assert r.status_code == 200 and r.json()["count"] == 0, segment
    r = client.get(f"/api/v1/persons/{party.person_1_1.pk}", **auth)
    assert "party" not in r.content.decode().lower()


def test_grid_managers_see_member_households_only_where_the_community_allows(client, party):
    client.force_login(party.bob)
    assert "皮鞋厂小区" not in client.get("/party/presence/").content.decode()
    services.settings_update(
        actor=party.alice, community=party.community, grid_sees_member_households=True
    )
    page = client.get("/party/presence/").content.decode()
    assert "皮鞋厂小区" in page and "张桂英" not in page


def test_the_household_page_says_whether_members_live_there_only_where_allowed(client, party):
    client.force_login(party.bob)
    url = f"/registry/households/{party.household_1_1.pk}/"
    assert 'id="party-presence"' not in client.get(url).content.decode()
    services.settings_update(
        actor=party.alice, community=party.community, grid_sees_member_households=True
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Party members live here" in page and "张桂英" in page  # the resident, as before
    assert not any(w in page for w in ("branch", "Branch", "支部", "retired"))
    # A member who has left the household no longer counts.
    party.person_1_1.status = "moved_out"
    party.person_1_1.save(update_fields=["status"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No party members live here" in page
    # A building head never learns it, whatever the setting.
    client.force_login(party.dave)
    page = client.get(url).content.decode()
    assert client.get(url).status_code == 200 and 'id="party-presence"' not in page


@time_machine.travel(NOW, tick=False)
def test_every_party_list_shows_only_the_scope(client, party):
    for who, sees, never in [
        (party.frank, "王建国", "张桂英"),
        (party.gina, "张桂英", "王建国"),
        (party.mallory, "孙明月", "王建国"),
    ]:
        client.force_login(who)
        for url in ("/party/", "/party/members/", "/party/obligations/?all=1"):
            body = client.get(url).content.decode()
            assert never not in body, (who, url)
        assert sees in client.get("/party/members/").content.decode()
    services.member_mark_lost(actor=party.frank, member=party.wang, since=dt.date(2024, 1, 1))
    client.force_login(party.gina)
    assert "王建国" not in client.get("/party/tracing/").content.decode()
    client.force_login(party.frank)
    assert "王建国" in client.get("/party/tracing/").content.decode()
    client.force_login(party.charlie)
    for url in ("/party/", "/party/members/", "/party/obligations/", "/party/tracing/"):
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("who", ["frank", "bob", "mallory", "eve"])
def test_party_admin_pages_are_404_for_everyone_else(client, party, who):
    client.force_login(getattr(party, who))
    rule = Rule.objects.get(code="home_visit", community=None)
    for url in ("/party/rules/", "/party/rules/new/", "/party/settings/", "/party/registrations/"):
        if who == "mallory":  # an admin of her own community: she sees only hers
            continue
        assert client.get(url).status_code == 404, url
    if who != "mallory":
        assert client.get(f"/party/rules/{rule.pk}/").status_code == 404
    reg = services.registration_submit(
        community=party.community, name="x", phone="13700001111", unit="u", unit_level="city"
    )
    assert client.get(f"/party/registrations/{reg.pk}/").status_code == 404
    if who == "mallory":
        assert "x" not in client.get("/party/registrations/").content.decode().split("<main")[1]


# --- my obligations, one step ---------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_my_obligations_lists_overdue_first_and_logs_a_call_in_one_step(client, party):
    client.force_login(party.frank)
    page = client.get("/party/obligations/").content.decode()
    overdue = page.split('id="overdue"')[1].split("</ul>")[0]
    assert "王建国" in overdue  # February's call to the mobile member was never made
    assert "李秀兰" not in overdue  # she is not mobile: visits are due by June
    r = client.post(
        f"/party/members/{party.wang.pk}/contacts/new/",
        {"quick": "1", "kind": "call", "next": "/party/obligations/"},
    )
    assert r.status_code == 302 and r["Location"] == "/party/obligations/"
    contact = Contact.objects.get()
    assert (contact.kind, contact.contacted_on, contact.by) == ("call", NOW.date(), party.frank)
    page = client.get("/party/obligations/").content.decode()
    assert "王建国" not in page.split('id="overdue"')[1].split("</ul>")[0]


@time_machine.travel(NOW, tick=False)
def test_the_quick_log_ignores_an_outside_next_url(client, party):
    client.force_login(party.frank)
    r = client.post(
        f"/party/members/{party.wang.pk}/contacts/new/",
        {"quick": "1", "kind": "call", "next": "https://evil.example/"},
    )
    assert r["Location"] == f"/party/members/{party.wang.pk}/"


@time_machine.travel(NOW, tick=False)
def test_obligations_and_lists_take_a_bounded_number_of_queries(
    client, party, django_assert_max_num_queries
):
    for i in range(40):
        m = make_member(party.b1, f"党员{i}", address="x", mobile=i % 2 == 0)
        Contact.objects.create(
            community=party.community, member=m, kind="call", contacted_on=dt.date(2024, 2, 3)
        )
    client.force_login(party.frank)
    with django_assert_max_num_queries(25):
        assert client.get("/party/obligations/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/party/members/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(f"/party/orgs/{party.b1.pk}/").status_code == 200
    client.force_login(party.alice)
    with django_assert_max_num_queries(25):
        assert client.get("/party/compliance/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/party/").status_code == 200


@time_machine.travel(NOW, tick=False)
def test_compliance_counts_per_branch(client, party):
    client.force_login(party.alice)
    page = client.get("/party/compliance/?period=month&year=2024&month=1").content.decode()
    assert "第一党支部" in page and "第二党支部" in page
    from banyan.party import selectors

    rows, total, _r = selectors.compliance(
        user=party.alice,
        node=party.community,
        start=dt.date(2024, 1, 1),
        end=dt.date(2024, 1, 31),
    )
    # January: wang's call and each branch's themed day, past their late window by March.
    assert (total.due, total.missed) == (3, 3)
    assert {r.label: r.tally.due for r in rows} == {"第一党支部": 2, "第二党支部": 1}
    client.force_login(party.frank)
    assert client.get(f"/party/compliance/?node={party.l1_2.pk}").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_years_compliance_offers_this_month_for_a_switch_to_months(client, party):
    client.force_login(party.alice)
    page = client.get("/party/compliance/?period=year&year=2023").content.decode()
    assert f'name="month" min="1" max="12" value="{NOW.month}"' in page
    page = client.get("/party/compliance/?period=month&year=2023&month=2").content.decode()
    assert 'name="month" min="1" max="12" value="2"' in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("period=year&year=9999", "年份"),
        ("period=year&year=1999", "年份"),
        ("period=year&year=abc", "年份"),
        ("period=year&year=²", "年份"),  # a digit to str.isdigit(), not to int()
        ("period=month&year=2024&month=13", "月份"),
        ("period=month&year=2024&month=99999999999999999999", "月份"),
        ("period=decade", "期间"),
    ],
)
def test_a_period_out_of_bounds_shows_the_form_again_with_the_reason(client, party, query, named):
    client.force_login(party.alice)
    r = client.get("/party/compliance/?" + query)
    assert r.status_code == 400
    page = r.content.decode()
    assert 'class="errorlist flash flash-error"' in page and named in page
    assert '<select id="year" name="year">' in page


# --- themed days, photos, tracing, rules ------------------------------------------------------


def test_themed_day_posting_attendance_and_scoped_photos(client, party):
    client.force_login(party.frank)
    r = client.post(
        f"/party/orgs/{party.b1.pk}/themed-days/new/",
        {"held_on": "2024-03-01", "theme": "学党史", "content": "集中学习", "photos": [jpeg()]},
    )
    day = ThemedDay.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/party/themed-days/{day.pk}/"
    r = client.post(
        f"/party/themed-days/{day.pk}/attendance/",
        {f"m-{party.zhang.pk}": "present", f"m-{party.wang.pk}": "excused"},
    )
    assert day.attendance.count() == 2
    photo = day.photos.get()
    assert client.get(f"/party/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"
    for who in (party.gina, party.bob, party.mallory):
        client.force_login(who)
        assert client.get(f"/party/photos/{photo.pk}/").status_code == 404
        assert client.get(f"/party/themed-days/{day.pk}/").status_code == 404


def test_tracing_pages_walk_the_workflow(client, party):
    client.force_login(party.frank)
    r = client.post(f"/party/members/{party.zhang.pk}/lost/", {"on": "2023-01-01", "note": ""})
    case_url = r["Location"]
    client.post(
        case_url + "attempt/",
        {
            "attempt-tried_on": "2023-02-01",
            "attempt-method": "visit",
            "attempt-result": "找到",
            "attempt-reached": "on",
        },
    )
    client.post(case_url + "verify/", {"verify-verified_on": "2023-02-02", "verify-how": "身份证"})
    client.post(case_url + "return/", {"return-returned_on": "2023-02-03"})
    page = client.get(case_url).content.decode()
    assert "2023-02-03" in page
    party.zhang.refresh_from_db()
    assert party.zhang.contact_status == "found"


@time_machine.travel(NOW, tick=False)
def test_the_admin_changes_a_rule_from_the_next_period(client, party):
    rule = Rule.objects.get(code="mobile_call", community=None)
    client.force_login(party.frank)
    assert client.get(f"/party/rules/{rule.pk}/").status_code == 404
    client.force_login(party.alice)
    r = client.post(
        f"/party/rules/{rule.pk}/",
        {
            "name": "每两月通话",
            "subject": "member",
            "who": '{"mobile": true}',
            "contact_kind": "call",
            "cadence": "every_n_months",
            "count": "2",
            "responsible_role": "branch_secretary",
            "responsible_at": "branch",
        },
    )
    assert r.status_code == 302
    new = Rule.objects.get(code="mobile_call", community=party.community)
    assert new.valid_from == dt.date(2024, 4, 1) and new.count == 2


@time_machine.travel(NOW, tick=False)
def test_the_admin_ends_a_rule_from_the_change_page(client, party):
    rule = Rule.objects.get(code="mobile_call", community=None)
    client.force_login(party.alice)
    page = client.get(f"/party/rules/{rule.pk}/").content.decode()
    assert 'name="count"' in page and 'name="end" value="1"' in page  # the form, then "end"
    assert client.post(f"/party/rules/{rule.pk}/", {"end": "1"}).status_code == 302
    ended = Rule.objects.get(code="mobile_call", community=party.community)
    assert ended.active is False and ended.valid_from == dt.date(2024, 4, 1)


# --- in-service members ------------------------------------------------------------------------


def test_the_public_registration_form_and_its_rate_limit(client, party):
    url = f"/party/join/{party.community.pk}/"
    assert client.get(url).status_code == 200
    data = {"name": "刘在职", "phone": "13712345678", "unit": "普洱市教育局", "unit_level": "city"}
    assert client.post(url, data)["Location"] == "/party/join/done/"
    for i in range(2):
        client.post(url, {**data, "phone": f"1371234000{i}"})
    r = client.post(url, {**data, "phone": "13712340009"})
    assert r.status_code == 200 and Registration.objects.count() == 3
    assert client.get(f"/party/join/{party.l1_1.pk}/").status_code == 404


def test_the_public_form_needs_csrf(party):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    r = strict.post(f"/party/join/{party.community.pk}/", {"name": "x"})
    assert r.status_code == 403


def test_registration_approval_and_the_service_record_export(client, party):
    reg = services.registration_submit(
        community=party.community,
        name="赵在职",
        phone="13611112222",
        unit="思茅区人民医院",
        unit_level="district",
    )
    client.force_login(party.frank)
    assert client.get(f"/party/registrations/{reg.pk}/").status_code == 404
    client.force_login(party.alice)
    r = client.post(
        f"/party/registrations/{reg.pk}/",
        {"branch": party.b1.pk, "username": "zhao-zz", "password": "long-enough-secret"},
    )
    assert r.status_code == 302
    reg.refresh_from_db()
    r = client.get(f"/party/members/{reg.member_id}/service-record.xlsx")
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(party.gina)
    assert client.get(f"/party/members/{reg.member_id}/service-record.xlsx").status_code == 404
