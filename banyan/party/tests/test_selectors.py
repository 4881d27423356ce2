"""Obligations through the selectors at pinned times: a month's last minute and the
next one in Shanghai (not UTC), a leap day, an admission on the 31st, a rule changed
mid-year, and compliance that keeps the old rule for the months before the change."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from banyan.common.errors import ValidationFailed
from banyan.party import selectors, services
from banyan.party.models import Contact, MemberEvent, Rule
from banyan.party.obligations import OPEN, OVERDUE
from banyan.party.tests.conftest import make_member

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _calls(user):
    return {
        (d.member.name if d.member else d.branch.name, d.rule.code): d
        for d in selectors.obligations_due(user=user)
    }


def test_the_leap_day_is_the_last_day_to_call_and_midnight_in_shanghai_makes_it_overdue(party):
    with time_machine.travel(dt.datetime(2024, 2, 29, 23, 59, tzinfo=SHANGHAI), tick=False):
        item = _calls(party.frank)[("王建国", "mobile_call")]
        assert (item.status, item.due) == (OPEN, dt.date(2024, 2, 29))
    # 00:01 on 1 March in Shanghai is still 29 February in UTC: local time decides.
    with time_machine.travel(dt.datetime(2024, 3, 1, 0, 1, tzinfo=SHANGHAI), tick=False):
        item = _calls(party.frank)[("王建国", "mobile_call")]
        assert (item.status, item.due) == (OVERDUE, dt.date(2024, 2, 29))


def test_an_admission_on_the_31st_asks_for_a_visit_by_the_3rd(party):
    with time_machine.travel(dt.datetime(2024, 1, 31, 15, 0, tzinfo=SHANGHAI), tick=False):
        services.admission_record(
            actor=party.frank, member=party.zhang, occurred_on=dt.date.today()
        )
    with time_machine.travel(dt.datetime(2024, 2, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        item = _calls(party.frank)[("李秀兰", "hospital_visit")]
        assert (item.status, item.due) == (OPEN, dt.date(2024, 2, 3))
    with time_machine.travel(dt.datetime(2024, 2, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert _calls(party.frank)[("李秀兰", "hospital_visit")].status == OVERDUE
        # A home visit is not a hospital visit.
        services.contact_log(actor=party.frank, member=party.zhang, kind="home_visit")
        assert _calls(party.frank)[("李秀兰", "hospital_visit")].status == OVERDUE
        services.contact_log(actor=party.frank, member=party.zhang, kind="hospital_visit")
        assert ("李秀兰", "hospital_visit") not in _calls(party.frank)


def test_a_rule_changed_in_june_keeps_the_monthly_calls_before_july(party):
    # wang is called every month from January to June, then not at all.
    for month in range(1, 7):
        with time_machine.travel(dt.datetime(2023, month, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
            services.contact_log(actor=party.frank, member=party.wang, kind="call")
    with time_machine.travel(dt.datetime(2023, 6, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.rule_change(
            version=None,
            actor=party.alice,
            community=party.community,
            rule=Rule.objects.get(code="mobile_call", community=None),
            name="每季度通话",
            subject="member",
            who={"mobile": True, "in_service": False},
            contact_kind="call",
            cadence="every_n_months",
            count=3,
            responsible_role="branch_secretary",
        )
    with time_machine.travel(dt.datetime(2024, 1, 5, 10, 0, tzinfo=SHANGHAI), tick=False):
        rows, total, _rules = selectors.compliance(
            user=party.alice,
            node=party.community,
            start=dt.date(2023, 1, 1),
            end=dt.date(2023, 12, 31),
        )
    b1 = next(r for r in rows if r.org == party.b1)
    calls = b1.by_rule["mobile_call"]
    # Six monthly calls met on time, then two quarters (Jul–Sep missed, Oct–Dec overdue).
    assert (calls.due, calls.on_time, calls.missed, calls.overdue) == (8, 6, 1, 1)
    assert total.due >= calls.due


def test_a_themed_day_meets_the_month_only_for_its_own_branch(party):
    with time_machine.travel(dt.datetime(2024, 5, 8, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.themed_day_create(
            actor=party.frank, branch=party.b1, held_on=dt.date(2024, 5, 8), theme="学习"
        )
    with time_machine.travel(dt.datetime(2024, 6, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        rows, _t, _r = selectors.compliance(
            user=party.alice,
            node=party.community,
            start=dt.date(2024, 5, 1),
            end=dt.date(2024, 5, 31),
        )
    themed = {r.org.name: r.by_rule["themed_day"] for r in rows}
    assert themed["第一党支部"].on_time == 1 and themed["第二党支部"].overdue == 1


def test_compliance_reads_only_what_rules_use_yet_misses_nothing(party):
    # No default rule holds in-service members (the district's compliance leaves them
    # out), but a rule of this community for them still finds them, and a message
    # counts for it while it counts for nothing else.
    Rule.objects.create(
        community=party.community,
        code="greeting",
        name="新春问候",
        subject="member",
        who={"in_service": True},
        contact_kind="message",
        cadence="times_per_year",
        count=1,
        responsible_role="branch_secretary",
        responsible_at="branch",
        valid_from=dt.date(2023, 1, 1),
    )
    helper = make_member(party.b1, "赵志愿", in_service=True)
    Contact.objects.create(
        community=party.community, member=helper, kind="message", contacted_on=dt.date(2024, 2, 1)
    )
    # Admitted on 30 January, visited on the 31st: due 2 February, so February's figures
    # reach back into January for both.
    MemberEvent.objects.create(
        community=party.community,
        member=party.zhang,
        kind="hospital_admission",
        occurred_on=dt.date(2024, 1, 30),
    )
    Contact.objects.create(
        community=party.community,
        member=party.zhang,
        kind="hospital_visit",
        contacted_on=dt.date(2024, 1, 31),
    )
    with time_machine.travel(dt.datetime(2024, 3, 5, 10, 0, tzinfo=SHANGHAI), tick=False):
        rows, _total, _rules = selectors.compliance(
            user=party.alice,
            node=party.community,
            start=dt.date(2024, 2, 1),
            end=dt.date(2024, 12, 31),
        )
    b1 = next(r for r in rows if r.org == party.b1)
    assert b1.by_rule["greeting"].on_time == 1
    assert (b1.by_rule["hospital_visit"].due, b1.by_rule["hospital_visit"].on_time) == (1, 1)


# --- compliance kept per community ----------------------------------------------------


def _figures(rows, total):
    return [(r.label, vars(r.tally), {k: vars(t) for k, t in r.by_rule.items()}) for r in rows], (
        vars(total)
    )


def _district_viewer(party):
    from banyan.accounts.roles import Role
    from banyan.accounts.tests.factories import make_post, make_user

    viewer = make_user("dora")
    make_post(viewer, Role.DISTRICT_VIEWER, party.district)
    return viewer


def test_kept_district_figures_equal_the_computed_ones_and_follow_every_change(
    party, monkeypatch, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = _district_viewer(party)
    period = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 12, 31)}
    with time_machine.travel(dt.datetime(2024, 6, 5, 10, 0, tzinfo=SHANGHAI), tick=False):

        def kept():
            rows, total, _rules = selectors.compliance(user=viewer, node=None, **period)
            return _figures(rows, total)

        def computed():
            with monkeypatch.context() as m:
                m.setattr(selectors, "_whole_communities", lambda user, cap: None)
                rows, total, _rules = selectors.compliance(user=viewer, node=None, **period)
            return _figures(rows, total)

        first = kept()
        assert first == computed()
        assert {label for label, _t, _r in first[0]} == {"倒生根社区", "月光社区"}
        # Kept: a second look reads no member or contact, only what keys the tallies.
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(3):
            assert kept() == first
        assert not any("party_contact" in q["sql"] for q in ctx.captured_queries)
        # A contact logged through the service is counted at once.
        services.contact_log(actor=party.frank, member=party.zhang, kind="home_visit")
        after = kept()
        assert after != first and after == computed()
        # So is a change to a rule (no party event is needed for that).
        assert Rule.objects.filter(community=None, code="themed_day").update(count=99) == 1
        changed = kept()
        assert changed != after and changed == computed()


@pytest.fixture
def shared_cache(settings):
    """The deployment's cache (settings.base): one database table every process reads."""
    from django.core.management import call_command

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "banyan_cache",
        }
    }
    call_command("createcachetable", verbosity=0)


def test_the_nightly_run_keeps_the_district_figures_in_the_shared_cache(
    party, shared_cache, django_assert_max_num_queries
):
    import io

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = _district_viewer(party)
    out = io.StringIO()
    call_command("party_daily", today="2024-06-05", stdout=out)
    assert (
        "2024-01-01 to 2024-12-31: 2 computed; 2024-06-01 to 2024-06-30: 2 computed; "
        "2023-01-01 to 2023-12-31: 2 computed; 2024-05-01 to 2024-05-31: 2 computed"
    ) in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM banyan_cache")
        assert cursor.fetchone()[0] == 8  # two communities, four periods
    with time_machine.travel(dt.datetime(2024, 6, 5, 10, 0, tzinfo=SHANGHAI), tick=False):
        # The day's first look (any process: the cache is the database's) reads the
        # tallies the night left, and they are the figures computed from scratch.
        with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(6):
            rows, total, _rules = selectors.compliance(
                user=viewer, node=None, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
            )
        assert not any("party_member" in q["sql"] for q in ctx.captured_queries)
        kept = _figures(rows, total)
        assert kept[1]["due"] > 0
    rule = Rule.objects.filter(community=None, code="home_visit").first()
    assert rule is not None
    # A community's own rule re-computes that community only; the other stays kept.
    rule.pk, rule.community = None, party.other_community
    rule.save()
    again = io.StringIO()
    call_command("party_daily", today="2024-06-05", stdout=again)
    assert again.getvalue().count(": 1 computed") == 4
    assert ": 2 computed" not in again.getvalue()


def test_party_daily_refuses_a_date_it_cannot_read(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--today"):
        call_command("party_daily", today="5 June")


def test_figures_over_less_than_a_community_are_computed_not_kept(party):
    # The branch secretary holds the figures over one L1 grid: never from the kept tallies.
    with time_machine.travel(dt.datetime(2024, 6, 5, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert selectors._whole_communities(party.frank, "party_figures") is None
        rows, _total, _rules = selectors.compliance(
            user=party.frank, node=None, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
        )
    assert {r.label for r in rows} == {"倒生根社区"}


def test_compliance_refuses_a_span_past_three_years_whoever_asks(party):
    """The pages and the API bound their periods; the selector refuses too, so that no
    caller can ask for the 70-second, 1.6 GB computation."""
    for end in (dt.date(2027, 1, 1), dt.date(9999, 12, 31)):
        with pytest.raises(ValidationFailed) as err:
            selectors.compliance(
                user=party.alice, node=party.community, start=dt.date(2024, 1, 1), end=end
            )
        assert err.value.field == "end"
    rows, _total, _rules = selectors.compliance(
        user=party.alice, node=party.community, start=dt.date(2024, 1, 1), end=dt.date(2026, 12, 31)
    )
    assert rows
