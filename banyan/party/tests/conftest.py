"""The party on top of the shared `world`.

general branch (the community) → branch 1 (bound to L1 grid 1), branch 2 (L1 grid 2)

frank  branch secretary of branch 1 (post at L1 grid 1)
gina   branch secretary of branch 2 (post at L1 grid 2)
henry  grid manager of 1-1 in a community that lets grid workers see member households

zhang  branch 1, a resident living in grid **2-1** (李秀兰's home): frank sees her, charlie
       (the 2-1 grid manager) does not
wang   branch 1, lives outside the community, mobile (working in Kunming) since 2020
li     branch 2, a resident of grid 1-1 (张桂英's home)
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_post, make_user
from banyan.party.defaults import ensure_default_rules
from banyan.party.models import (
    Member,
    MemberPeriod,
    Org,
    OrgKind,
    PeriodKind,
)


def make_member(branch: Org, name: str, **kw) -> Member:
    kw.setdefault("joined_on", dt.date(2015, 1, 1))
    mobile = kw.get("mobile", False)
    member = Member.objects.create(community_id=branch.community_id, branch=branch, name=name, **kw)
    if mobile:
        MemberPeriod.objects.create(
            community_id=branch.community_id,
            member=member,
            kind=PeriodKind.MOBILE,
            start=kw["joined_on"],
        )
    return member


@pytest.fixture
def party(world) -> SimpleNamespace:
    ensure_default_rules()  # a transactional test before this one flushed the migration's
    c = world.community
    general = Org.objects.create(community=c, kind=OrgKind.GENERAL, name="倒生根社区党总支", node=c)
    b1 = Org.objects.create(
        community=c, kind=OrgKind.BRANCH, name="第一党支部", node=world.l1_1, parent=general
    )
    b2 = Org.objects.create(
        community=c, kind=OrgKind.BRANCH, name="第二党支部", node=world.l1_2, parent=general
    )
    other_general = Org.objects.create(
        community=world.other_community,
        kind=OrgKind.BRANCH,
        name="月光党支部",
        node=world.other_l1,
    )
    frank = make_user("frank", "冯军")
    gina = make_user("gina", "葛娜")
    make_post(frank, Role.BRANCH_SECRETARY, world.l1_1)
    make_post(gina, Role.BRANCH_SECRETARY, world.l1_2)
    zhang = make_member(
        b1, "李秀兰", person=world.person_2_1, phone="13912345678", joined_on=dt.date(2012, 3, 1)
    )
    wang = make_member(
        b1,
        "王建国",
        address="昆明市官渡区",
        phone="13811112222",
        mobile=True,
        mobile_where="昆明",
        joined_on=dt.date(2020, 1, 1),
    )
    li = make_member(b2, "张桂英", person=world.person_1_1, retired=True)
    moon = make_member(other_general, "孙明月", address="月光小区")
    return SimpleNamespace(
        **vars(world),
        general=general,
        b1=b1,
        b2=b2,
        other_branch=other_general,
        frank=frank,
        gina=gina,
        zhang=zhang,
        wang=wang,
        li=li,
        moon=moon,
    )
