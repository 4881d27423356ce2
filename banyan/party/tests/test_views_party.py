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
from banyan.party import forms, services
from banyan.party.models import Contact, Member, Registration, Rule, ThemedDay
from banyan.party.obligations import WHO_KEYS

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
    # The period and what it counts, as one sentence in the reader's language.
    assert "2024-01-01 – 2024-01-31：到期日在此期间内的任务。" in page
    client.cookies["django_language"] = "en"
    page = client.get("/party/compliance/?period=month&year=2024&month=1").content.decode()
    assert "2024-01-01 – 2024-01-31: obligations whose due date falls in this period." in page
    del client.cookies["django_language"]
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
    thumb = f"/party/photos/{photo.pk}/thumb/{photo.thumb_token}.jpg"
    medium = f"/party/photos/{photo.pk}/medium/{photo.medium_token}.jpg"
    page = client.get(f"/party/themed-days/{day.pk}/").content.decode()
    assert f'<a href="{medium}"><img src="{thumb}"' in page
    assert client.get(thumb)["Content-Type"] == "image/jpeg"
    assert client.get(medium)["Content-Type"] == "image/jpeg"
    assert client.get(f"/party/photos/{photo.pk}/thumb/{photo.medium_token}.jpg").status_code == 404
    for who in (party.gina, party.bob, party.mallory):
        client.force_login(who)
        assert client.get(thumb).status_code == 404
        assert client.get(medium).status_code == 404
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
    # The state reads as a state, not as the label of the date it was reached on.
    assert '<span class="tag">已恢复组织生活</span>' in page
    assert "<dt>恢复参加组织生活日期</dt><dd>2023-02-03</dd>" in page
    listed = client.get("/party/tracing/").content.decode()
    assert "已恢复组织生活 · 2023-02-03" in listed and "恢复组织生活日期" not in listed


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
            "who_mobile": "only",
            "contact_kind": "call",
            "cadence": "every_n_months",
            "count": "2",
            "responsible_role": "branch_secretary",
            "responsible_at": "branch",
            "version": "1",
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
    assert 'name="version" value="1"' in page
    assert client.post(f"/party/rules/{rule.pk}/", {"end": "1", "version": "1"}).status_code == 302
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


def _approved_in_service_member(client, party) -> Member:
    reg = services.registration_submit(
        community=party.community,
        name="赵在职",
        phone="13611112222",
        unit="思茅区人民医院",
        unit_level="district",
        team="white",
    )
    client.force_login(party.alice)
    client.post(
        f"/party/registrations/{reg.pk}/",
        {"branch": party.b1.pk, "username": "zhao-zz", "password": "long-enough-secret"},
    )
    reg.refresh_from_db()
    return Member.objects.get(pk=reg.member_id)


def test_an_in_service_member_shows_their_unit_not_a_membership_the_community_set(client, party):
    """双报到: the membership stays with the member's work unit; the community records their
    unit, team and the day they reported, not a membership kind or a transfer-in date."""
    member = _approved_in_service_member(client, party)
    assert member.membership == ""
    page = client.get(f"/party/members/{member.pk}/").content.decode()
    assert "正式党员" not in page and "转入日期" not in page
    assert "组织关系在所在单位" in page
    assert "思茅区人民医院" in page and "白色：医疗" in page and "报到日期" in page
    # Their edit form offers their unit and team, not a membership kind.
    form = client.get(f"/party/members/{member.pk}/edit/").content.decode()
    assert 'name="membership"' not in form and 'name="team"' in form and 'name="unit"' in form
    r = client.post(
        f"/party/members/{member.pk}/edit/",
        {
            "name": "赵在职",
            "unit": "普洱市人民医院",
            "team": "white",
            "membership": "formal",
            "version": member.version,
        },
    )
    assert r.status_code == 302
    member.refresh_from_db()
    assert (member.unit, member.membership) == ("普洱市人民医院", "")


def test_a_community_member_keeps_membership_and_no_unit_fields(client, party):
    client.force_login(party.frank)
    form = client.get(f"/party/members/{party.wang.pk}/edit/").content.decode()
    assert 'name="membership"' in form and 'name="unit"' not in form and 'name="team"' not in form
    page = client.get(f"/party/members/{party.wang.pk}/").content.decode()
    assert "正式党员" in page and "转入日期" in page


RULE = {
    "name": "在职党员季度联系",
    "subject": "member",
    "contact_kind": "call",
    "cadence": "every_n_months",
    "count": "3",
    "responsible_role": "branch_secretary",
    "responsible_at": "branch",
}


# --- edits based on an old version (SECURITY.md 20) ---------------------------------------


def _member_form(**changes):
    return {
        "name": "王建国",
        "phone": "",
        "address": "昆明市官渡区",
        "membership": "formal",
        **changes,
    }


def test_the_member_form_never_shows_the_full_phone_and_empty_keeps_it(client, party):
    client.force_login(party.frank)
    url = f"/party/members/{party.wang.pk}/edit/"
    page = client.get(url).content.decode()
    assert "13811112222" not in page and "138****2222" in page
    r = client.post(url, _member_form(former_unit="普洱市财政局", version="1"))
    assert r.status_code == 302
    wang = type(party.wang).objects.get(pk=party.wang.pk)
    assert (wang.phone, wang.former_unit, wang.version) == ("13811112222", "普洱市财政局", 2)


def test_a_stale_member_edit_shows_what_changed_and_writes_nothing(client, party):
    client.force_login(party.frank)
    url = f"/party/members/{party.wang.pk}/edit/"
    client.get(url)
    services.member_update(
        actor=party.alice, member=party.wang, version=1, address="昆明市盘龙区", phone="13900001111"
    )
    r = client.post(url, _member_form(former_unit="普洱市财政局", version="1"))
    assert r.status_code == 200
    form = r.context["form"]
    rows = {str(row["label"]): (row["now"], row["yours"]) for row in form.stale_changes}
    assert rows == {
        str(form.fields["address"].label): ("昆明市盘龙区", "昆明市官渡区"),
        str(form.fields["phone"].label): ("139****1111", "—"),
    }
    assert "13900001111" not in r.content.decode()
    assert form["address"].value() == "昆明市盘龙区"
    assert form["former_unit"].value() == "普洱市财政局"
    wang = type(party.wang).objects.get(pk=party.wang.pk)
    assert (wang.former_unit, wang.version) == ("", 2)


RULE_FORM = {
    "name": "每两月通话",
    "subject": "member",
    "who_mobile": "only",
    "contact_kind": "call",
    "cadence": "every_n_months",
    "count": "2",
    "responsible_role": "branch_secretary",
    "responsible_at": "branch",
}


@time_machine.travel(NOW, tick=False)
def test_the_rule_form_asks_for_its_filter_field_by_field(client, party):
    """One control per filter the obligations engine reads; the form builds the JSON."""
    client.force_login(party.alice)
    page = client.get("/party/rules/new/").content.decode()
    assert 'name="who"' not in page
    for key in ("mobile", "in_service", "retired", "restructured", "membership"):
        assert f'<select name="who_{key}"' in page, key
    r = client.post(
        "/party/rules/new/",
        {
            **RULE,
            "code": "inservice_q",
            "who_in_service": "only",
            "who_retired": "except",
            "who_membership": "probationary",
            "who_mobile": "",
        },
    )
    assert r.status_code == 302
    rule = Rule.objects.get(code="inservice_q")
    assert rule.who == {"in_service": True, "retired": False, "membership": "probationary"}
    # The change page shows the filter in the same controls.
    page = client.get(f"/party/rules/{rule.pk}/").content.decode()
    assert '<option value="only" selected>' in page and '<option value="except" selected>' in page
    assert '<option value="probationary" selected>' in page


def test_the_rule_form_has_a_control_for_every_filter_the_engine_reads():
    controls = {f.removeprefix("who_") for f in forms.RuleForm.base_fields if f.startswith("who_")}
    assert controls == WHO_KEYS


@time_machine.travel(NOW, tick=False)
def test_the_rule_form_refuses_a_filter_it_does_not_offer(client, party):
    client.force_login(party.alice)
    before = Rule.objects.count()
    for bad in (
        {"who_mobile": "yes please"},
        {"who_membership": "honorary"},
    ):
        r = client.post("/party/rules/new/", {**RULE, "code": "bad", **bad})
        assert r.status_code == 200 and 'class="errors"' in r.content.decode(), bad
    # A NUL never reaches the form: the request is refused at the boundary.
    r = client.post("/party/rules/new/", {**RULE, "code": "bad", "who_mobile": "only\x00"})
    assert r.status_code == 400
    # A rule for each branch takes no filter: said on the form, nothing saved.
    r = client.post(
        "/party/rules/new/",
        {
            **RULE,
            "code": "bad",
            "subject": "branch",
            "contact_kind": "themed_day",
            "who_retired": "only",
        },
    )
    assert r.status_code == 200 and "按支部的规则不能设置筛选条件" in r.content.decode()
    assert Rule.objects.count() == before


# --- the home page ----------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_branch_secretary_lands_on_their_obligations(client, party):
    """branch1's home showed registry counts and nothing of party work."""
    client.force_login(party.frank)
    r = client.get("/")
    assert r.status_code == 200
    page = r.content.decode()
    card = page[page.index('id="home-obligations"') :]
    # 王建国 works away and nobody rang him in February: overdue, with the one-step log.
    assert "王建国" in card and 'name="kind" value="call"' in card
    assert 'href="/party/obligations/"' in card
    # The way to their grid stays on the page.
    assert f'href="/places/nodes/{party.l1_1.pk}/"' in page
    # Logging the call from the home page comes back to it.
    r = client.post(
        f"/party/members/{party.wang.pk}/contacts/new/",
        {"quick": "1", "kind": "call", "next": "/"},
    )
    assert r["Location"] == "/"


@time_machine.travel(NOW, tick=False)
def test_posts_no_rule_names_keep_their_landing_page(client, party):
    # The default rules name the branch secretary; the community admin and a grid manager
    # still land on their area.
    client.force_login(party.alice)
    assert client.get("/")["Location"] == f"/places/nodes/{party.community.pk}/"
    client.force_login(party.bob)
    assert client.get("/")["Location"] == f"/places/nodes/{party.l2_1_1.pk}/"


def test_two_admins_changing_one_rule_the_second_sees_the_first(client, party):
    """Both open the shared default; the first change makes the community's own version
    for April. The second, from the page she opened before, would have replaced it."""
    shared = Rule.objects.get(code="mobile_call", community=None)
    url = f"/party/rules/{shared.pk}/"
    client.force_login(party.alice)
    assert client.get(url).context["form"]["version"].value() == 1
    services.rule_change(
        actor=party.alice,
        community=party.community,
        rule=shared,
        version=1,
        **{
            **{k: v for k, v in RULE_FORM.items() if not k.startswith("who_")},
            "who": {"mobile": True},
            "count": 3,
        },
    )
    r = client.post(url, {**RULE_FORM, "version": "1"})
    assert r.status_code == 200
    form = r.context["form"]
    assert form.non_field_errors() and form["version"].value() == "2"
    labels = {str(row["label"]) for row in form.stale_changes}
    assert str(form.fields["count"].label) in labels
    mine = Rule.objects.get(code="mobile_call", community=party.community)
    assert mine.count == 3
    # Ending the rule from the stale page is refused the same way.
    r = client.post(url, {"end": "1", "version": "1"})
    assert r.status_code == 200 and Rule.objects.get(pk=mine.pk).active
    # At the version now the change goes through and replaces the waiting version.
    assert client.post(url, {**RULE_FORM, "version": "2"}).status_code == 302
    assert Rule.objects.get(code="mobile_call", community=party.community).count == 2
