"""Party services: guards by the party tree, one event each, the tracing workflow,
themed days, rule versions and in-service approval."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from openpyxl import load_workbook
from PIL import Image

from banyan.accounts.models import AccessLog, Post
from banyan.accounts.roles import Role
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.party import selectors, services
from banyan.party.models import (
    Contact,
    ContactStatus,
    Member,
    PeriodKind,
    Presence,
    Registration,
    Rule,
    TracingCase,
)
from banyan.party.workflow import TracingState
from banyan.timeline.models import Event, EventLink

TZ = "Asia/Shanghai"


def photo() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, format="JPEG")
    return SimpleUploadedFile("meeting.jpg", buf.getvalue(), content_type="image/jpeg")


def test_a_contact_is_logged_with_one_sensitive_unlinked_event(party):
    before = Event.objects.count()
    contact = services.contact_log(
        actor=party.frank, member=party.wang, kind="call", notes="在昆明一切好"
    )
    assert contact.by == party.frank and contact.community_id == party.community.pk
    assert Event.objects.count() == before + 1
    event = Event.objects.latest("id")
    assert event.verb == "party_contact" and event.sensitive
    # Party membership never lands on a household or person timeline.
    assert not EventLink.objects.filter(event=event).exists()


def test_the_secretary_of_another_branch_gets_404(party):
    with pytest.raises(Http404):
        services.contact_log(actor=party.gina, member=party.wang, kind="call")
    with pytest.raises(Http404):
        services.contact_log(actor=party.charlie, member=party.zhang, kind="call")
    with pytest.raises(Http404):
        services.contact_log(actor=party.mallory, member=party.zhang, kind="call")
    assert not Contact.objects.exists()


def test_the_district_sees_figures_but_may_not_log_contacts(party):
    from banyan.accounts.tests.factories import make_post, make_user

    viewer = make_user("dora")
    make_post(viewer, Role.DISTRICT_VIEWER, party.district)
    with pytest.raises(Http404):
        services.contact_log(actor=viewer, member=party.wang, kind="call")
    assert selectors.figures(user=viewer)["members"] == 4


def test_contacts_cannot_be_dated_in_the_future_or_logged_for_the_lost(party):
    with pytest.raises(ValidationFailed) as err:
        services.contact_log(
            actor=party.frank, member=party.wang, kind="call", contacted_on=dt.date(2999, 1, 1)
        )
    assert err.value.field == "contacted_on"
    services.member_mark_lost(actor=party.frank, member=party.wang, since=dt.date(2023, 1, 1))
    with pytest.raises(InvalidTransition):
        services.contact_log(actor=party.frank, member=party.wang, kind="call")


def test_the_tracing_workflow_from_lost_to_back_in_the_branch(party):
    case = services.member_mark_lost(
        actor=party.frank, member=party.zhang, since=dt.date(2022, 5, 1), note="改制后外出"
    )
    assert Member.objects.get(pk=party.zhang.pk).contact_status == ContactStatus.LOST
    services.tracing_add_lead(actor=party.frank, case=case, kind="former_unit", detail="思茅皮鞋厂")
    with pytest.raises(InvalidTransition):  # nobody reached yet
        services.tracing_verify(
            actor=party.frank, case=case, verified_on=dt.date(2023, 1, 5), how="身份证"
        )
    services.tracing_attempt(
        actor=party.frank, case=case, tried_on=dt.date(2023, 1, 3), method="phone", result="空号"
    )
    services.tracing_attempt(
        actor=party.frank,
        case=case,
        tried_on=dt.date(2023, 1, 4),
        method="visit",
        result="在打洛口岸找到本人",
        reached=True,
    )
    with pytest.raises(InvalidTransition):  # not verified yet
        services.tracing_return(actor=party.frank, case=case, returned_on=dt.date(2023, 1, 6))
    services.tracing_verify(
        actor=party.frank, case=case, verified_on=dt.date(2023, 1, 5), how="身份证和支部名册"
    )
    services.tracing_return(actor=party.frank, case=case, returned_on=dt.date(2023, 1, 6))
    services.tracing_support(
        actor=party.frank, case=case, kind="dibao", note="协助申请低保", done_on=dt.date(2023, 2, 1)
    )
    case = TracingCase.objects.get(pk=case.pk)
    assert case.state == TracingState.RETURNED
    member = Member.objects.get(pk=party.zhang.pk)
    assert member.contact_status == ContactStatus.FOUND and member.found_on == dt.date(2023, 1, 6)
    lost = member.periods.get(kind=PeriodKind.LOST)
    assert (lost.start, lost.end) == (dt.date(2022, 5, 1), dt.date(2023, 1, 5))
    # A finished case takes no more attempts; a second return is refused.
    with pytest.raises(InvalidTransition):
        services.tracing_attempt(
            actor=party.frank, case=case, tried_on=dt.date(2023, 3, 1), method="phone", result="x"
        )
    with pytest.raises(InvalidTransition):
        services.tracing_return(actor=party.frank, case=case, returned_on=dt.date(2023, 3, 1))
    verbs = list(
        Event.objects.filter(subject_type="tracingcase", subject_id=case.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "party_member_lost",
        "party_tracing_lead",
        "party_tracing_attempt",
        "party_tracing_attempt",
        "party_tracing_verified",
        "party_tracing_returned",
        "party_tracing_support",
    ]
    figures = selectors.figures(user=party.frank)
    assert figures["found_in_all"] == 1 and figures["lost_now"] == 0


def test_themed_day_with_photos_and_attendance(party):
    day = services.themed_day_create(
        actor=party.frank,
        branch=party.b1,
        held_on=dt.date(2024, 3, 1),
        theme="学习雷锋精神",
        content="清扫小区",
        photos=[photo()],
    )
    photo_row = day.photos.get()
    assert photo_row.image.name.startswith(f"party/{party.community.pk}/{day.pk}/")
    assert "meeting" not in photo_row.image.name
    counts = services.attendance_record(
        actor=party.frank,
        themed_day=day,
        marks={party.zhang.pk: Presence.PRESENT, party.wang.pk: Presence.EXCUSED},
    )
    assert counts == {"present": 1, "excused": 1, "absent": 0}
    # Changing one mark replaces it.
    counts = services.attendance_record(
        actor=party.frank, themed_day=day, marks={party.wang.pk: Presence.ABSENT}
    )
    assert counts == {"present": 1, "excused": 0, "absent": 1}
    # A member of another branch does not attend this branch's day.
    with pytest.raises(ValidationFailed):
        services.attendance_record(
            actor=party.frank, themed_day=day, marks={party.li.pk: Presence.PRESENT}
        )
    rows = {m.pk: p for m, p in selectors.themed_day_attendance(themed_day=day)}
    assert rows == {party.zhang.pk: "present", party.wang.pk: "absent"}


def test_a_themed_day_photo_is_checked_by_content(party):
    fake = SimpleUploadedFile("x.jpg", b"%PDF-1.4", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as err:
        services.themed_day_create(
            actor=party.frank,
            branch=party.b1,
            held_on=dt.date(2024, 3, 1),
            theme="x",
            photos=[fake],
        )
    assert err.value.field == "photos"


def test_a_branch_secretary_may_not_hold_another_branchs_themed_day(party):
    with pytest.raises(Http404):
        services.themed_day_create(
            actor=party.gina, branch=party.b1, held_on=dt.date(2024, 3, 1), theme="x"
        )


@time_machine.travel(dt.datetime(2024, 6, 14, 10, 0), tick=False)
def test_a_rule_change_applies_from_the_next_period(party):
    shared = Rule.objects.get(code="mobile_call", community=None)
    version = services.rule_change(
        version=None,
        actor=party.alice,
        community=party.community,
        rule=shared,
        name="每两月与流动党员通话",
        subject="member",
        who={"mobile": True, "in_service": False},
        contact_kind="call",
        cadence="every_n_months",
        count=2,
        responsible_role="branch_secretary",
        responsible_at="branch",
    )
    assert version.valid_from == dt.date(2024, 7, 1) and version.community == party.community
    # Changed again before it starts: the waiting version is replaced, not stacked.
    again = services.rule_change(
        version=None,
        actor=party.alice,
        community=party.community,
        rule=version,
        name="每三月与流动党员通话",
        subject="member",
        who={"mobile": True},
        contact_kind="call",
        cadence="every_n_months",
        count=3,
        responsible_role="branch_secretary",
    )
    assert again.pk == version.pk and again.count == 3
    versions = selectors.rule_versions([party.community.pk])[party.community.pk]
    calls = sorted((v for v in versions if v.code == "mobile_call"), key=lambda v: v.valid_from)
    assert [(v.valid_from, v.valid_to, v.count) for v in calls] == [
        (dt.date(2000, 1, 1), dt.date(2024, 6, 30), 1),
        (dt.date(2024, 7, 1), None, 3),
    ]
    # Another community keeps the shared default.
    other = selectors.rule_versions([party.other_community.pk])[party.other_community.pk]
    assert [v.count for v in other if v.code == "mobile_call"] == [1]


def test_only_the_community_admin_changes_rules(party):
    shared = Rule.objects.get(code="home_visit", community=None)
    with pytest.raises(Http404):
        services.rule_change(
            version=None, actor=party.frank, community=party.community, rule=shared, active=False
        )


def test_a_rule_may_not_make_a_grid_manager_responsible_for_members(party):
    with pytest.raises(ValidationFailed) as err:
        services.rule_create(
            actor=party.alice,
            community=party.community,
            code="weekly",
            name="每周电话",
            subject="member",
            who={},
            contact_kind="call",
            cadence="every_n_months",
            count=1,
            responsible_role="grid_manager",
        )
    assert err.value.field == "responsible_role"
    with pytest.raises(ValidationFailed) as err:
        services.rule_create(
            actor=party.alice,
            community=party.community,
            code="weekly",
            name="每周电话",
            subject="member",
            who={"rich": True},
            contact_kind="call",
            cadence="every_n_months",
            count=1,
            responsible_role="branch_secretary",
        )
    assert err.value.field == "who"


@time_machine.travel(dt.datetime(2024, 6, 14, 10, 0), tick=False)
def test_in_service_registration_is_rate_limited_and_approved_into_an_account(party):
    for i in range(3):
        services.registration_submit(
            community=party.community,
            name=f"在职{i}",
            phone=f"1390000000{i}",
            unit="普洱市财政局",
            unit_level="city",
            client_ip="10.0.0.1",
        )
    with pytest.raises(services.RateLimited):
        services.registration_submit(
            community=party.community,
            name="在职3",
            phone="13900000003",
            unit="普洱市财政局",
            unit_level="city",
            client_ip="10.0.0.1",
        )
    registration = Registration.objects.get(name="在职0")
    assert "10.0.0.1" not in registration.client_hash
    member = services.registration_approve(
        actor=party.alice,
        registration=registration,
        branch=party.b1,
        username="zaizhi0",
        password="a-long-enough-password",
    )
    assert member.in_service and member.user.username == "zaizhi0"
    assert Post.objects.filter(user=member.user, role=Role.INSERVICE_MEMBER, active=True).exists()
    with pytest.raises(InvalidTransition):
        services.registration_approve(
            actor=party.alice,
            registration=registration,
            branch=party.b1,
            username="zaizhi0b",
            password="a-long-enough-password",
        )
    # A failed approval (taken username) writes nothing at all.
    second = Registration.objects.get(name="在职1")
    with pytest.raises(ValidationFailed):
        services.registration_approve(
            actor=party.alice,
            registration=second,
            branch=party.b1,
            username="zaizhi0",
            password="a-long-enough-password",
        )
    assert Registration.objects.get(pk=second.pk).state == "pending"
    assert get_user_model().objects.filter(username__startswith="zaizhi").count() == 1


def test_the_service_record_export_escapes_formulas_and_is_logged(party):
    member = party.wang
    member.in_service = True
    member.unit = '=HYPERLINK("http://x")'
    member.save()
    services.service_entry_add(
        actor=party.frank,
        member=member,
        served_on=dt.date(2024, 3, 5),
        activity="+义诊",
        hours="2.5",
    )
    data = services.service_record_export(actor=party.frank, member=member, ip="127.0.0.1")
    book = load_workbook(io.BytesIO(data))
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in cells and "'+义诊" in cells
    assert not any(isinstance(c, str) and c.startswith(("=", "+", "@")) for c in cells)
    assert "13811112222" not in cells
    assert AccessLog.objects.filter(user=party.frank, action="export").count() == 1


def test_reveal_phone_is_logged_and_refused_outside(party):
    assert (
        services.member_reveal_phone(actor=party.frank, member=party.wang, ip=None) == "13811112222"
    )
    assert AccessLog.objects.filter(user=party.frank, action="reveal_phone").count() == 1
    with pytest.raises(Http404):
        services.member_reveal_phone(actor=party.bob, member=party.wang, ip=None)


def test_transfer_keeps_history_and_moves_the_scope(party):
    services.member_transfer(
        actor=party.alice, member=party.zhang, to_branch=party.b2, on=dt.date(2024, 1, 2)
    )
    assert selectors.member_list(user=party.gina).filter(pk=party.zhang.pk).exists()
    assert not selectors.member_list(user=party.frank).filter(pk=party.zhang.pk).exists()
    transfer = party.zhang.transfers.get()
    assert (transfer.from_branch, transfer.to_branch) == (party.b1, party.b2)


def test_a_branch_secretary_may_not_move_a_member_out_of_reach(party):
    with pytest.raises(Http404):
        services.member_transfer(
            actor=party.frank, member=party.zhang, to_branch=party.b2, on=dt.date(2024, 1, 2)
        )


def test_presence_needs_the_community_setting(party):
    assert list(selectors.households_with_members(user=party.bob)) == []
    services.settings_update(
        actor=party.alice, community=party.community, grid_sees_member_households=True
    )
    # li (branch 2) lives in 1-1: bob learns the household has a member, nothing more.
    assert list(selectors.households_with_members(user=party.bob)) == [party.household_1_1]
    assert list(selectors.households_with_members(user=party.dave)) == []
    assert list(selectors.households_with_members(user=party.frank)) == []


def test_the_community_sets_no_membership_kind_for_an_in_service_member(party):
    registration = services.registration_submit(
        community=party.community,
        name="在职",
        phone="13900000009",
        unit="普洱市财政局",
        unit_level="city",
    )
    member = services.registration_approve(
        actor=party.alice,
        registration=registration,
        branch=party.b1,
        username="zaizhi9",
        password="a-long-enough-password",
    )
    assert member.membership == ""
    with pytest.raises(ValidationFailed) as err:
        services.member_update(actor=party.alice, member=member, version=None, membership="formal")
    assert err.value.field == "membership"
    # A community member's membership is always one of the kinds.
    with pytest.raises(ValidationFailed):
        services.member_update(actor=party.frank, member=party.wang, version=None, membership="")


def test_the_migration_clears_the_membership_of_in_service_members(party):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("banyan.party.migrations.0005_in_service_membership")
    inservice = Member.objects.create(
        community=party.community,
        branch=party.b1,
        name="在职",
        joined_on=dt.date(2024, 1, 1),
        in_service=True,
        membership="formal",
    )
    migration.clear_in_service_membership(apps, None)
    assert Member.objects.get(pk=inservice.pk).membership == ""
    assert Member.objects.get(pk=party.wang.pk).membership == "formal"


@time_machine.travel(dt.datetime(2024, 6, 14, 10, 0), tick=False)
def test_a_new_rule_is_created_from_its_next_period(party):
    rule = services.rule_create(
        actor=party.alice,
        community=party.community,
        code="weekly",
        name="每季度电话",
        name_en="Quarterly call",
        subject="member",
        who={"retired": True},
        contact_kind="call",
        cadence="every_n_months",
        count=3,
        responsible_role="branch_secretary",
    )
    assert (rule.valid_from, rule.name_en, rule.who) == (
        dt.date(2024, 9, 1),
        "Quarterly call",
        {"retired": True},
    )
