"""Party objects in alice's community for tests outside the party app (the URL walk)."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image

from banyan.party.defaults import ensure_default_rules
from banyan.party.models import (
    Contact,
    Member,
    MemberPeriod,
    Org,
    OrgKind,
    PeriodKind,
    Registration,
    Rule,
    ThemedDay,
    ThemedDayPhoto,
    TracingCase,
)


def party_objects(world: SimpleNamespace) -> dict[str, Any]:
    """A branch bound to L1 grid 1 with a member living in 1-1, a contact, a themed day
    with a photo, a tracing case, a community rule and a pending registration."""
    ensure_default_rules()
    c = world.community
    branch = Org.objects.create(
        community=c, kind=OrgKind.BRANCH, name="第一党支部", node=world.l1_1
    )
    member = Member.objects.create(
        community=c,
        branch=branch,
        person=world.person_1_1,
        name=world.person_1_1.name,
        joined_on=dt.date(2015, 1, 1),
        mobile=True,
    )
    MemberPeriod.objects.create(
        community=c, member=member, kind=PeriodKind.MOBILE, start=dt.date(2015, 1, 1)
    )
    contact = Contact.objects.create(
        community=c, member=member, kind="call", contacted_on=dt.date(2024, 1, 5)
    )
    day = ThemedDay.objects.create(
        community=c, branch=branch, held_on=dt.date(2024, 1, 10), theme="学习"
    )
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="JPEG")
    photo = ThemedDayPhoto(community=c, themed_day=day)
    photo.image.save("p.jpg", ContentFile(buf.getvalue()), save=True)
    case = TracingCase.objects.create(
        community=c, member=member, lost_since=dt.date(2020, 1, 1), opened_on=dt.date(2020, 2, 1)
    )
    rule = Rule.objects.create(
        community=c,
        code="extra_call",
        name="额外电话",
        subject="member",
        contact_kind="call",
        cadence="every_n_months",
        count=3,
        valid_from=dt.date(2024, 1, 1),
    )
    registration = Registration.objects.create(
        community=c, name="在职", phone="13700001234", unit="普洱市财政局", unit_level="city"
    )
    return {
        "party_branch": branch,
        "party_member": member,
        "party_contact": contact,
        "themed_day": day,
        "party_photo": photo,
        "tracing_case": case,
        "party_rule": rule,
        "party_registration": registration,
    }
