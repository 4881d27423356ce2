"""In-service members (在职党员, "双报到"): the public registration, its approval into a
member with an account and a post, service entries and the service-record export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts import services as accounts
from banyan.accounts.models import AccessLog
from banyan.accounts.roles import Role
from banyan.common import crypto
from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.common.phone import normalize_phone
from banyan.common.xlsx import workbook_bytes
from banyan.places.models import Node, NodeKind

from ..models import (
    Attendance,
    Member,
    Org,
    OrgKind,
    Registration,
    RegistrationState,
    ServiceEntry,
    ServiceTeam,
    UnitLevel,
)
from ._base import User, check_date, event, require_admin, require_org, today

PER_CLIENT_HOUR = getattr(settings, "BANYAN_PARTY_REGISTRATIONS_PER_CLIENT_HOUR", 3)
PER_COMMUNITY_DAY = getattr(settings, "BANYAN_PARTY_REGISTRATIONS_PER_COMMUNITY_DAY", 50)


class RateLimited(ValidationFailed):
    """Too many registrations from one client or for one community: try later."""


@transaction.atomic
def registration_submit(
    *,
    community: Node,
    name: str,
    phone: str,
    unit: str,
    unit_level: str,
    skills: str = "",
    team: str = "",
    address: str = "",
    client_ip: str | None = None,
) -> Registration:
    """An in-service member reports to the community (no account needed).

    Limited per client address per hour and per community per day, counted in the
    database so that every app server sees the same counts; the address itself is
    kept only as a keyed hash."""
    if community.kind != NodeKind.COMMUNITY:
        raise ValidationFailed(_("Choose a community."), field="community")
    now = timezone.now()
    client_hash = crypto.lookup_hash(f"party-registration:{client_ip}") if client_ip else ""
    if client_hash and (
        Registration.objects.filter(
            client_hash=client_hash, submitted_at__gte=now - dt.timedelta(hours=1)
        ).count()
        >= PER_CLIENT_HOUR
    ):
        raise RateLimited(_("Too many registrations from here; please try again in an hour."))
    if (
        Registration.objects.filter(
            community=community, submitted_at__gte=now - dt.timedelta(days=1)
        ).count()
        >= PER_COMMUNITY_DAY
    ):
        raise RateLimited(_("The community receives many registrations today; try tomorrow."))
    phone = normalize_phone(phone)
    if Registration.objects.filter(
        community=community, phone=phone, state=RegistrationState.PENDING
    ).exists():
        raise ValidationFailed(
            _("A registration with this phone is already waiting for approval."), field="phone"
        )
    registration = Registration.objects.create(
        community=community,
        name=clean_text(name, "name", required=True, max_length=50),
        phone=phone,
        unit=clean_text(unit, "unit", required=True, max_length=100),
        unit_level=clean_choice(unit_level, UnitLevel, "unit_level"),
        skills=clean_text(skills, "skills"),
        team=clean_choice(team, ServiceTeam, "team") if team else "",
        address=clean_text(address, "address"),
        client_hash=client_hash,
    )
    event(
        actor=None,
        community=community,
        verb="party_registration",
        summary=registration.unit,
        subject=registration,
        data={"name": registration.name, "unit": registration.unit},
    )
    return registration


def _lock(registration: Registration) -> Registration:
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.state != RegistrationState.PENDING:
        raise InvalidTransition(_("This registration has already been decided."))
    return locked


@transaction.atomic
def registration_approve(
    *,
    actor: User,
    registration: Registration,
    branch: Org,
    username: str,
    password: str,
) -> Member:
    """Approve a registration: an in-service member in `branch`, an account and an
    in-service post at the community. The account and the post are made by the
    accounts services, so they are audited like every other account and post."""
    require_admin(actor, registration.community_id)
    registration = _lock(registration)
    if branch.community_id != registration.community_id or branch.kind == OrgKind.GROUP:
        raise ValidationFailed(_("Choose a branch of this community."), field="branch")
    user: AbstractBaseUser = accounts.user_create(
        actor=actor, username=username, full_name=registration.name, password=password
    )
    community = Node.objects.get(pk=registration.community_id)
    accounts.post_grant(
        actor=actor,
        user=user,
        role=Role.INSERVICE_MEMBER,
        node=community,
        title=_("In-service member"),
    )
    member = Member.objects.create(
        community=community,
        branch=branch,
        user_id=user.pk,
        name=registration.name,
        phone=registration.phone,
        address=registration.address or registration.unit,
        joined_on=today(),
        # 双报到: the membership stays with their work unit; the community sets no kind.
        membership="",
        in_service=True,
        unit=registration.unit,
        unit_level=registration.unit_level,
        reported_on=timezone.localtime(registration.submitted_at).date(),
        skills=registration.skills,
        team=registration.team,
    )
    registration.state = RegistrationState.APPROVED
    registration.decided_at = timezone.now()
    registration.decided_by_id = actor.pk
    registration.member = member
    registration.save(update_fields=["state", "decided_at", "decided_by", "member"])
    event(
        actor=actor,
        community=community,
        verb="party_registration_approved",
        summary=registration.name,
        subject=member,
        data={"name": registration.name, "unit": registration.unit, "branch": branch.name},
    )
    return member


@transaction.atomic
def registration_reject(*, actor: User, registration: Registration, note: str) -> Registration:
    require_admin(actor, registration.community_id)
    registration = _lock(registration)
    registration.state = RegistrationState.REJECTED
    registration.decided_at = timezone.now()
    registration.decided_by_id = actor.pk
    registration.decision_note = clean_text(note, "note", required=True)
    registration.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    event(
        actor=actor,
        community=registration.community_id,
        verb="party_registration_rejected",
        summary=registration.name,
        subject=registration,
        data={"name": registration.name, "note": registration.decision_note},
    )
    return registration


@transaction.atomic
def service_entry_add(
    *, actor: User, member: Member, served_on: dt.date, activity: str, hours: object
) -> ServiceEntry:
    """Service an in-service member gave the community."""
    require_org(actor, member.branch)
    if not member.in_service:
        raise ValidationFailed(_("Service entries are for in-service members."), field="member")
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Give the hours as a number."), field="hours") from None
    if not Decimal("0.5") <= value <= Decimal("24"):
        raise ValidationFailed(_("Give between 0.5 and 24 hours."), field="hours")
    entry = ServiceEntry.objects.create(
        community_id=member.community_id,
        member=member,
        served_on=check_date(served_on, "served_on"),
        activity=clean_text(activity, "activity", required=True),
        hours=value.quantize(Decimal("0.1")),
        recorded_by_id=actor.pk,
    )
    event(
        actor=actor,
        community=member.community_id,
        verb="party_service",
        summary=f"{member.name}: {entry.activity}",
        subject=entry,
        data={"name": member.name, "activity": entry.activity, "hours": str(entry.hours)},
        occurred_on=entry.served_on,
    )
    return entry


def service_record_export(
    *, actor: User, member: Member, ip: str | None, via: str = "web"
) -> bytes:
    """The member's service record as a spreadsheet for their home unit; the export is
    logged (SECURITY.md 9). The phone is masked."""
    require_org(actor, member.branch)
    assert actor.pk is not None
    AccessLog.objects.create(
        user_id=actor.pk,
        action=AccessLog.Action.EXPORT,
        community_id=member.community_id,
        person_id=member.person_id,
        detail=f"service record of party member {member.pk}",
        ip=ip,
        via=via,
    )
    facts = [
        (_("Name"), member.name),
        (_("Unit"), member.unit),
        (_("Reported to the community on"), member.reported_on),
        (_("Branch"), member.branch.name),
        (_("Skills"), member.skills),
        (_("Preferred service team"), ServiceTeam(member.team).label if member.team else ""),
        (_("Phone"), member.phone_masked),
    ]
    entries = list(member.service.order_by("served_on", "id"))
    total = sum((e.hours for e in entries), Decimal(0))
    attended = (
        Attendance.objects.filter(member=member)
        .select_related("themed_day")
        .order_by("themed_day__held_on")
    )
    return workbook_bytes(
        [
            (str(_("Member")), [str(_("Field")), str(_("Value"))], [(str(k), v) for k, v in facts]),
            (
                str(_("Service")),
                [str(_("Date")), str(_("Activity")), str(_("Hours"))],
                [
                    *((e.served_on, e.activity, e.hours) for e in entries),
                    ("", str(_("Total")), total),
                ],
            ),
            (
                str(_("Themed days")),
                [str(_("Date")), str(_("Theme")), str(_("Attendance"))],
                [
                    (a.themed_day.held_on, a.themed_day.theme, a.get_presence_display())
                    for a in attended
                ],
            ),
        ]
    )
