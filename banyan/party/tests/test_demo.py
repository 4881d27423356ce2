"""The demo party organisation: the seed's figures, and a history with gaps."""

from __future__ import annotations

import datetime as dt

from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_post, make_user
from banyan.party import selectors
from banyan.party.defaults import ensure_default_rules
from banyan.party.demo import build_party
from banyan.party.models import Member, Org, OrgKind, ThemedDay, TracingCase
from banyan.party.obligations import OVERDUE
from banyan.party.workflow import TracingState

TODAY = dt.date(2024, 11, 20)


def test_the_demo_reproduces_the_seeds_figures(world):
    ensure_default_rules()
    secretary = make_user("branch1")
    make_post(secretary, Role.BRANCH_SECRETARY, world.l1_1)
    counts = build_party(community=world.community, seed=2019, today=TODAY, photos=False)
    assert counts["party_members"] == 253 and counts["inservice_members"] == 311
    branches = Org.objects.filter(community=world.community, kind=OrgKind.BRANCH)
    assert [b.node for b in branches.order_by("sort_order")] == [world.l1_1, world.l1_2]
    assert Member.objects.filter(in_service=False).count() == 253
    assert TracingCase.objects.filter(state=TracingState.RETURNED).count() == 47
    assert Member.objects.filter(mobile=True).exists()
    assert Member.objects.filter(person=world.person_1_1).exists()
    # Every branch holds its monthly themed day, with attendance.
    assert ThemedDay.objects.filter(branch=branches[0]).count() >= 10
    # Realistic gaps: the first branch's secretary has a mobile member to ring today.
    due = selectors.obligations_due(user=secretary, today=TODAY)
    assert any(d.status == OVERDUE and d.rule.code == "mobile_call" for d in due)
    assert any(d.status == OVERDUE and d.rule.code == "themed_day" for d in due)
