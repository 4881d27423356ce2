"""The party tree and its members: one function per action, each in a transaction,
checking the state it expects and writing one event."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from banyan.accounts.models import AccessLog
from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.common.phone import normalize_phone
from banyan.places.models import Node, NodeKind
from banyan.registry.models import Person, PersonStatus
from banyan.timeline.versions import check_version

from ..models import (
    Member,
    MemberPeriod,
    Membership,
    MemberState,
    Org,
    OrgKind,
    PartySettings,
    PeriodKind,
    ServiceTeam,
    Transfer,
)
from ._base import User, check_date, event, require_admin, require_org, today


def _lock(member: Member) -> Member:
    return (
        Member.objects.select_for_update(of=("self",))
        .select_related("branch__node", "community")
        .get(pk=member.pk)
    )


def _check_branch(org: Org, field: str = "branch") -> Org:
    if org.kind == OrgKind.GROUP or org.active_to is not None:
        raise ValidationFailed(_("Choose a branch that is active."), field=field)
    return org


def _check_group(group: Org | None, branch: Org) -> Org | None:
    if group is None:
        return None
    if group.kind != OrgKind.GROUP or group.parent_id != branch.pk:
        raise ValidationFailed(_("This party group is not in the branch."), field="group")
    return group


def _check_person(actor: User, person: Person | None, community_id: int) -> Person | None:
    """A resident to link: in the member's community, and visible to the actor."""
    if person is None:
        return None
    caps = get_scope(actor).caps_at(
        community_id=person.community_id,
        grid_id=person.grid_id,
        building_id=person.household.building_id,
    )
    if person.community_id != community_id or Cap.VIEW_REGISTRY not in caps:
        raise ValidationFailed(_("Choose a resident of this community."), field="person")
    if person.status != PersonStatus.LIVING_HERE:
        raise ValidationFailed(_("This person no longer lives here."), field="person")
    if Member.objects.filter(person=person, state=MemberState.ACTIVE).exists():
        raise ValidationFailed(_("This resident is already a member."), field="person")
    return person


def _phone(value: str) -> str:
    value = (value or "").strip()
    return normalize_phone(value) if value else ""


# --- organisations -----------------------------------------------------------------


@transaction.atomic
def org_create(
    *,
    actor: User,
    community: Node,
    kind: str,
    name: str,
    node: Node,
    parent: Org | None = None,
    sort_order: int = 0,
) -> Org:
    """Add a general branch, a branch bound to an L1 grid, or a party group in a branch."""
    require_admin(actor, community.pk)
    kind = clean_choice(kind, OrgKind, "kind")
    name = clean_text(name, "name", required=True, max_length=100)
    if node.community_id != community.pk:
        raise ValidationFailed(_("Choose a place in this community."), field="node")
    if kind == OrgKind.GENERAL and node.kind != NodeKind.COMMUNITY:
        raise ValidationFailed(_("The general branch is bound to the community."), field="node")
    if kind == OrgKind.BRANCH and node.kind != NodeKind.GRID_L1:
        raise ValidationFailed(_("A branch is bound to a first-level grid."), field="node")
    if kind == OrgKind.GROUP:
        if parent is None or parent.kind != OrgKind.BRANCH or parent.community_id != community.pk:
            raise ValidationFailed(_("A party group belongs to a branch."), field="parent")
        node = parent.node
    org = Org.objects.create(
        community=community, kind=kind, name=name, node=node, parent=parent, sort_order=sort_order
    )
    event(
        actor=actor,
        community=community,
        verb="party_org_created",
        summary=name,
        subject=org,
        data={"name": name, "node": node.name},
    )
    return org


@transaction.atomic
def org_bind(*, actor: User, org: Org, node: Node) -> Org:
    """Bind a branch to another L1 grid: its rows are then seen from that grid's posts."""
    require_admin(actor, org.community_id)
    org = Org.objects.select_for_update().get(pk=org.pk)
    if org.kind != OrgKind.BRANCH:
        raise ValidationFailed(_("Only a branch is bound to a grid."), field="node")
    if node.kind != NodeKind.GRID_L1 or node.community_id != org.community_id:
        raise ValidationFailed(_("A branch is bound to a first-level grid."), field="node")
    if node.pk == org.node_id:
        raise InvalidTransition(_("The branch is already bound to this grid."))
    old = org.node.name
    org.node = node
    org.save(update_fields=["node"])
    org.children.filter(kind=OrgKind.GROUP).update(node=node)
    event(
        actor=actor,
        community=org.community_id,
        verb="party_org_bound",
        summary=f"{org.name}: {node.name}",
        subject=org,
        data={"name": org.name, "from": old, "to": node.name},
    )
    return org


# --- members -----------------------------------------------------------------------


@transaction.atomic
def member_create(
    *,
    actor: User,
    branch: Org,
    name: str = "",
    person: Person | None = None,
    phone: str = "",
    address: str = "",
    membership: str = Membership.FORMAL,
    joined_party_on: dt.date | None = None,
    joined_on: dt.date | None = None,
    group: Org | None = None,
    mobile: bool = False,
    mobile_where: str = "",
    mobile_reach: str = "",
    retired: bool = False,
    restructured: bool = False,
    former_unit: str = "",
) -> Member:
    """Register a member in a branch: a resident (linked to their person record) or
    someone living elsewhere (name, phone, address)."""
    require_org(actor, branch)
    _check_branch(branch)
    person = _check_person(actor, person, branch.community_id)
    name = clean_text(name or (person.name if person else ""), "name", required=True, max_length=50)
    if person is None and not clean_text(address, "address"):
        raise ValidationFailed(
            _("Give the address of a member who is not a resident here."), field="address"
        )
    joined_on = check_date(joined_on or today(), "joined_on")
    if joined_party_on is not None:
        check_date(joined_party_on, "joined_party_on")
        if joined_party_on > joined_on:
            raise ValidationFailed(
                _("Joining the party comes before joining the branch."), field="joined_party_on"
            )
    member = Member.objects.create(
        community_id=branch.community_id,
        branch=branch,
        group=_check_group(group, branch),
        person=person,
        name=name,
        phone=_phone(phone or (person.phone if person else "")),
        address=clean_text(address, "address"),
        membership=clean_choice(membership, Membership, "membership"),
        joined_party_on=joined_party_on,
        joined_on=joined_on,
        mobile=mobile,
        mobile_where=clean_text(mobile_where, "mobile_where", max_length=100),
        mobile_reach=clean_text(mobile_reach, "mobile_reach"),
        retired=retired,
        restructured=restructured,
        former_unit=clean_text(former_unit, "former_unit", max_length=100),
    )
    if mobile:
        MemberPeriod.objects.create(
            community_id=member.community_id,
            member=member,
            kind=PeriodKind.MOBILE,
            start=joined_on,
            note=member.mobile_where,
        )
    event(
        actor=actor,
        community=member.community_id,
        verb="party_member_added",
        summary=f"{name} → {branch.name}",
        subject=member,
        data={"name": name, "branch": branch.name},
        occurred_on=joined_on,
    )
    return member


EDITABLE = (
    "name",
    "phone",
    "address",
    "membership",
    "joined_party_on",
    "retired",
    "restructured",
    "former_unit",
    "unit",
    "skills",
    "team",
)


@transaction.atomic
def member_update(*, actor: User, member: Member, version: int | None, **values: object) -> Member:
    """Correct a member's details (not their branch, mobility or contact status: those
    have their own actions and history).

    `version` is the one the edit was based on (StaleEdit when the row moved on); the
    given `values` (some of EDITABLE) are applied to the locked row.
    """
    require_org(actor, member.branch)
    member = _lock(member)
    check_version(member, version)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(_("Not a valid choice."), field=sorted(unknown)[0])
    clean: dict[str, object] = {}
    for field, value in values.items():
        if field == "name":
            clean[field] = clean_text(str(value or ""), field, required=True, max_length=50)
        elif field == "phone":
            clean[field] = _phone(str(value or ""))
        elif field == "membership" and member.in_service:
            if value:
                raise ValidationFailed(
                    _("An in-service member's membership is kept by their work unit."),
                    field=field,
                )
            clean[field] = ""
        elif field == "membership":
            clean[field] = clean_choice(str(value), Membership, field)
        elif field == "team":
            clean[field] = clean_choice(str(value), ServiceTeam, field) if value else ""
        elif field == "joined_party_on":
            clean[field] = check_date(value, field) if value else None  # type: ignore[arg-type]
        elif field in ("retired", "restructured"):
            clean[field] = bool(value)
        else:
            clean[field] = clean_text(
                str(value or ""), field, max_length=200 if field != "unit" else 100
            )
    changed = [f for f, v in clean.items() if getattr(member, f) != v]
    if not changed:
        return member
    for f in changed:
        setattr(member, f, clean[f])
    member.save(update_fields=changed)
    event(
        actor=actor,
        community=member.community_id,
        verb="party_member_updated",
        summary=member.name,
        subject=member,
        data={"name": member.name, "fields": ", ".join(changed)},
    )
    return member


@transaction.atomic
def member_set_mobile(
    *,
    actor: User,
    member: Member,
    mobile: bool,
    since: dt.date,
    where: str = "",
    reach: str = "",
) -> Member:
    """A member starts or stops working away (流动党员); the dated period is kept, so
    monthly calls are owed from the next month and past months keep their answer."""
    require_org(actor, member.branch)
    member = _lock(member)
    since = check_date(since, "since", not_before=member.joined_on)
    where = clean_text(where, "where", max_length=100)
    reach = clean_text(reach, "reach")
    running = member.periods.filter(kind=PeriodKind.MOBILE, end__isnull=True).first()
    if mobile:
        if running is not None:
            if (member.mobile_where, member.mobile_reach) == (where, reach):
                raise InvalidTransition(_("The member is already recorded as mobile."))
        else:
            MemberPeriod.objects.create(
                community_id=member.community_id,
                member=member,
                kind=PeriodKind.MOBILE,
                start=since,
                note=where,
            )
        member.mobile, member.mobile_where, member.mobile_reach = True, where, reach
    else:
        if running is None:
            raise InvalidTransition(_("The member is not recorded as mobile."))
        if since < running.start:
            raise ValidationFailed(
                _("This date is before %(date)s.") % {"date": running.start}, field="since"
            )
        running.end = since - dt.timedelta(days=1) if since > running.start else since
        running.save(update_fields=["end"])
        member.mobile = False
    member.save(update_fields=["mobile", "mobile_where", "mobile_reach"])
    event(
        actor=actor,
        community=member.community_id,
        verb="party_member_mobile" if mobile else "party_member_back",
        summary=member.name,
        subject=member,
        data={"name": member.name, "where": where},
        occurred_on=since,
    )
    return member


@transaction.atomic
def member_transfer(
    *, actor: User, member: Member, to_branch: Org, on: dt.date, note: str = ""
) -> Member:
    """Move a member to another branch of the community; the transfer is kept."""
    require_org(actor, member.branch)
    require_org(actor, to_branch)
    member = _lock(member)
    if not member.is_active:
        raise InvalidTransition(_("This member has left the community."))
    _check_branch(to_branch, "to_branch")
    if to_branch.community_id != member.community_id:
        raise ValidationFailed(_("Choose a branch of this community."), field="to_branch")
    if to_branch.pk == member.branch_id:
        raise ValidationFailed(_("The member is already in this branch."), field="to_branch")
    last = member.transfers.order_by("-on").values_list("on", flat=True).first()
    on = check_date(on, "on", not_before=max(filter(None, [member.joined_on, last])))
    Transfer.objects.create(
        community_id=member.community_id,
        member=member,
        from_branch=member.branch,
        to_branch=to_branch,
        on=on,
        note=clean_text(note, "note"),
        recorded_by_id=actor.pk,
    )
    old = member.branch.name
    member.branch = to_branch
    member.group = None
    member.save(update_fields=["branch", "group"])
    event(
        actor=actor,
        community=member.community_id,
        verb="party_member_transferred",
        summary=f"{member.name}: {old} → {to_branch.name}",
        subject=member,
        data={"name": member.name, "from": old, "to": to_branch.name},
        occurred_on=on,
    )
    return member


@transaction.atomic
def member_leave(*, actor: User, member: Member, state: str, on: dt.date, note: str = "") -> Member:
    """A member transfers out of the community or dies; the record stays, obligations end."""
    require_org(actor, member.branch)
    member = _lock(member)
    if not member.is_active:
        raise InvalidTransition(_("This member has already left."))
    if state not in (MemberState.TRANSFERRED_OUT, MemberState.DECEASED):
        raise ValidationFailed(_("Not a valid choice."), field="state")
    on = check_date(on, "on", not_before=member.joined_on)
    member.state, member.left_on = state, on
    member.save(update_fields=["state", "left_on"])
    member.periods.filter(end__isnull=True).update(end=on)
    event(
        actor=actor,
        community=member.community_id,
        verb="party_member_left",
        summary=member.name,
        subject=member,
        data={"name": member.name, "state": state, "note": note[:200]},
        occurred_on=on,
    )
    return member


def _log(actor: User, action: str, member: Member, *, ip: str | None, via: str) -> None:
    assert actor.pk is not None
    AccessLog.objects.create(
        user_id=actor.pk,
        action=action,
        community_id=member.community_id,
        person_id=member.person_id,
        detail=f"party member {member.pk}",
        ip=ip,
        via=via,
    )


def member_viewed(*, actor: User, member: Member, ip: str | None, via: str = "web") -> None:
    """Write the access-log row for opening a member's record (SECURITY.md 9)."""
    require_org(actor, member.branch, Cap.VIEW_PARTY)
    _log(actor, AccessLog.Action.VIEW_PERSON, member, ip=ip, via=via)


def member_reveal_phone(*, actor: User, member: Member, ip: str | None, via: str = "web") -> str:
    """The member's phone unmasked, for the post that keeps in touch; logged."""
    require_org(actor, member.branch)
    _log(actor, AccessLog.Action.REVEAL_PHONE, member, ip=ip, via=via)
    return member.phone


@transaction.atomic
def settings_update(
    *, actor: User, community: Node, grid_sees_member_households: bool
) -> PartySettings:
    """What the community allows grid workers to know of party membership."""
    require_admin(actor, community.pk)
    row, _created = PartySettings.objects.select_for_update().get_or_create(community=community)
    row.grid_sees_member_households = grid_sees_member_households
    row.save(update_fields=["grid_sees_member_households"])
    event(
        actor=actor,
        community=community,
        verb="party_settings_changed",
        summary=str(grid_sees_member_households),
        subject=row,
        data={"value": grid_sees_member_households},
    )
    return row
