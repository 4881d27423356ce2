"""The contact log, trigger events and the care rules themselves."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from banyan.accounts.roles import CAPABILITIES, Cap, Role
from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.errors import InvalidTransition, StaleEdit, ValidationFailed
from banyan.places.models import Node

from .. import obligations as engine
from ..models import (
    RULE_KINDS,
    THEMED_DAY,
    Cadence,
    Contact,
    ContactKind,
    ContactStatus,
    Member,
    MemberEvent,
    Responsible,
    Rule,
    Subject,
    TriggerKind,
)
from ._base import User, check_date, event, require_admin, require_org, today


@transaction.atomic
def contact_log(
    *,
    actor: User,
    member: Member,
    kind: str,
    contacted_on: dt.date | None = None,
    notes: str = "",
) -> Contact:
    """Log a call, home visit, hospital visit or message: what meets care obligations."""
    require_org(actor, member.branch)
    member = (
        Member.objects.select_for_update(of=("self",)).select_related("branch").get(pk=member.pk)
    )
    kind = clean_choice(kind, ContactKind, "kind")
    contacted_on = check_date(contacted_on or today(), "contacted_on", not_before=member.joined_on)
    if not member.is_active:
        raise InvalidTransition(_("This member has left the community."))
    if member.contact_status == ContactStatus.LOST:
        raise InvalidTransition(
            _("This member is lost: record the attempt on the tracing case instead.")
        )
    contact = Contact.objects.create(
        community_id=member.community_id,
        member=member,
        kind=kind,
        contacted_on=contacted_on,
        by_id=actor.pk,
        notes=clean_text(notes, "notes", max_length=500),
    )
    event(
        actor=actor,
        community=member.community_id,
        verb="party_contact",
        summary=f"{member.name}: {ContactKind(kind).label}",
        subject=contact,
        data={"name": member.name, "kind": kind, "member_id": member.pk},
        occurred_on=contacted_on,
    )
    return contact


@transaction.atomic
def admission_record(
    *, actor: User, member: Member, occurred_on: dt.date, note: str = ""
) -> MemberEvent:
    """A member was admitted to hospital: the visit rule starts counting from that day."""
    require_org(actor, member.branch)
    if not member.is_active:
        raise InvalidTransition(_("This member has left the community."))
    occurred_on = check_date(occurred_on, "occurred_on", not_before=member.joined_on)
    if member.events.filter(kind=TriggerKind.HOSPITAL_ADMISSION, occurred_on=occurred_on).exists():
        raise ValidationFailed(_("This admission is already recorded."), field="occurred_on")
    row = MemberEvent.objects.create(
        community_id=member.community_id,
        member=member,
        kind=TriggerKind.HOSPITAL_ADMISSION,
        occurred_on=occurred_on,
        note=clean_text(note, "note"),
        recorded_by_id=actor.pk,
    )
    event(
        actor=actor,
        community=member.community_id,
        verb="party_admission",
        summary=member.name,
        subject=row,
        data={"name": member.name},
        occurred_on=occurred_on,
    )
    return row


# --- rules -------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "name_en",
    "subject",
    "who",
    "trigger",
    "contact_kind",
    "cadence",
    "count",
    "responsible_role",
    "responsible_at",
)


def _clean_rule(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["name"] = clean_text(values.get("name"), "name", required=True, max_length=100)
    out["name_en"] = clean_text(values.get("name_en"), "name_en", max_length=100)
    out["subject"] = clean_choice(values.get("subject"), Subject, "subject")
    who = values.get("who") or {}
    if not isinstance(who, dict):
        raise ValidationFailed(_("Give the filter as a JSON object."), field="who")
    for key, value in who.items():
        if key not in engine.WHO_KEYS:
            raise ValidationFailed(
                _("Unknown filter %(key)s; use %(keys)s.")
                % {"key": key, "keys": ", ".join(sorted(engine.WHO_KEYS))},
                field="who",
            )
        if key == "membership":
            if value not in ("formal", "probationary"):
                raise ValidationFailed(_("Not a valid choice."), field="who")
        elif not isinstance(value, bool):
            raise ValidationFailed(_("Use true or false for %(key)s.") % {"key": key}, field="who")
    if out["subject"] == Subject.BRANCH and who:
        raise ValidationFailed(_("A rule for each branch takes no filter."), field="who")
    out["who"] = who
    kinds = {k for k, _label in RULE_KINDS}
    kind = values.get("contact_kind")
    if kind not in kinds:
        raise ValidationFailed(_("Not a valid choice."), field="contact_kind")
    if (kind == THEMED_DAY) != (out["subject"] == Subject.BRANCH):
        raise ValidationFailed(
            _("A branch is held to themed days; a member to contacts."), field="contact_kind"
        )
    out["contact_kind"] = kind
    out["cadence"] = clean_choice(values.get("cadence"), Cadence, "cadence")
    try:
        count = int(values.get("count") or 0)
    except (TypeError, ValueError):
        count = 0
    limits = {
        Cadence.EVERY_N_MONTHS: (1, 12),
        Cadence.TIMES_PER_YEAR: (1, 12),
        Cadence.WITHIN_DAYS: (0, 90),
    }[out["cadence"]]
    if not limits[0] <= count <= limits[1]:
        raise ValidationFailed(
            _("Give a number from %(lo)s to %(hi)s.") % {"lo": limits[0], "hi": limits[1]},
            field="count",
        )
    out["count"] = count
    trigger = values.get("trigger") or ""
    if out["cadence"] == Cadence.WITHIN_DAYS:
        out["trigger"] = clean_choice(trigger, TriggerKind, "trigger")
        if out["subject"] != Subject.MEMBER:
            raise ValidationFailed(_("Events happen to members."), field="trigger")
    elif trigger:
        raise ValidationFailed(_("Only a rule counted from an event has one."), field="trigger")
    else:
        out["trigger"] = ""
    role = clean_choice(values.get("responsible_role"), Role, "responsible_role")
    # Whoever answers for a rule sees the members it names: only posts that may.
    if Cap.VIEW_PARTY not in CAPABILITIES.get(role, frozenset()):
        raise ValidationFailed(
            _("This post may not see party members; choose one that may."),
            field="responsible_role",
        )
    out["responsible_role"] = role
    out["responsible_at"] = clean_choice(
        values.get("responsible_at") or Responsible.BRANCH, Responsible, "responsible_at"
    )
    return out


def _as_version(rule: Rule) -> engine.RuleVersion:
    from ..selectors import _version

    return _version(rule)


def rule_chain_version(*, community_id: int, code: str) -> int:
    from ..selectors import rule_chain_version as chain_version

    return chain_version(community_id=community_id, code=code)


@transaction.atomic
def rule_create(*, actor: User, community: Node, code: str, **values: Any) -> Rule:
    """A new care rule for the community, in force from the start of its next period."""
    require_admin(actor, community.pk)
    code = clean_text(code, "code", required=True, max_length=32)
    if not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
        raise ValidationFailed(_("Use letters, digits, - and _."), field="code")
    if (
        Rule.objects.filter(code=code)
        .filter(Q(community__isnull=True) | Q(community=community))
        .exists()
    ):
        raise ValidationFailed(_("A rule with this code exists; change it instead."), field="code")
    clean = _clean_rule(values)
    day = today()
    # Start as if the rule had run this period, so it takes effect from the next one.
    anchor = {
        Cadence.EVERY_N_MONTHS: day.replace(day=1),
        Cadence.TIMES_PER_YEAR: dt.date(day.year, 1, 1),
        Cadence.WITHIN_DAYS: day,
    }[clean["cadence"]]
    # The engine's rule has no English name: pass it what it reads (this raised a
    # TypeError, so every rule created from the web page was a server error).
    known = {f.name for f in dataclasses.fields(engine.RuleVersion)}
    probe = engine.RuleVersion(
        id=0,
        code=code,
        valid_from=anchor,
        valid_to=None,
        **{k: v for k, v in clean.items() if k in known},
    )
    start = engine.next_period_start(probe, day)
    rule = Rule.objects.create(
        community=community, code=code, valid_from=start, created_by_id=actor.pk, **clean
    )
    event(
        actor=actor,
        community=community,
        verb="party_rule_created",
        summary=rule.name,
        subject=rule,
        data={"name": rule.name, "name_en": rule.name_en, "valid_from": start.isoformat()},
    )
    return rule


def _running(community: Node, code: str, day: dt.date) -> tuple[Rule | None, Rule | None]:
    """(the version in force on `day` for the community, a later version already set)."""
    own = list(Rule.objects.select_for_update().filter(community=community, code=code))
    shared = list(Rule.objects.filter(community__isnull=True, code=code))
    first_own = min((r.valid_from for r in own), default=None)
    candidates = own + [r for r in shared if first_own is None or r.valid_from < first_own]
    running = None
    for r in candidates:
        end = r.valid_to
        if r.community_id is None and first_own is not None:
            cut = first_own - dt.timedelta(days=1)
            end = cut if end is None else min(end, cut)
        if r.valid_from <= day and (end is None or day <= end):
            running = r
    future = next((r for r in own if r.valid_from > day), None)
    return running, future


def _stale_rule(latest: Rule, current: int) -> StaleEdit:
    # The rule's versions say which one changed, not which fields: the form compares.
    return StaleEdit(
        _(
            "Someone else changed this rule while you were working on it. Look at the rule "
            "as it is now and make your change again."
        ),
        current=current,
        changed=[],
        obj=latest,
    )


@transaction.atomic
def rule_change(
    *,
    actor: User,
    community: Node,
    rule: Rule,
    version: int | None,
    active: bool = True,
    **values: Any,
) -> Rule:
    """Change a care rule for the community from the start of its next period: the
    running version is closed then, so every past period keeps the rule it had.
    `active=False` ends the rule at the end of the running period.

    `version` is the rule's chain version the change was based on
    (selectors.rule_chain_version; StaleEdit when someone changed the rule since):
    a change may replace the waiting version, so two admins changing one rule must not
    both succeed from the same start.
    """
    require_admin(actor, community.pk)
    if rule.community_id not in (None, community.pk):
        raise ValidationFailed(_("This rule belongs to another community."), field="rule")
    clean = _clean_rule(values) if active else {f: getattr(rule, f) for f in RULE_FIELDS}
    day = today()
    running, future = _running(community, rule.code, day)  # locks the community's versions
    if running is None and future is None:
        raise InvalidTransition(_("This rule is no longer in force; create a new one."))
    chain = rule_chain_version(community_id=community.pk, code=rule.code)
    if version is not None and version != chain:
        raise _stale_rule(future or running, chain)  # type: ignore[arg-type]
    if future is not None:
        # A change already waits for the next period: this one replaces it.
        for field, value in clean.items():
            setattr(future, field, value)
        future.active = active
        future.created_by_id = actor.pk
        future.save(update_fields=[*clean, "active", "created_by"])
        made = future
    else:
        assert running is not None
        start = engine.next_period_start(_as_version(running), day)
        if running.community_id == community.pk:
            running.valid_to = start - dt.timedelta(days=1)
            running.save(update_fields=["valid_to"])
        try:
            with transaction.atomic():
                made = Rule.objects.create(
                    community=community,
                    code=rule.code,
                    valid_from=start,
                    active=active,
                    created_by_id=actor.pk,
                    # The new row carries the chain on, so its version stays the highest.
                    version=rule_chain_version(community_id=community.pk, code=rule.code) + 1,
                    **clean,
                )
        except IntegrityError:
            # Another admin's first change of this rule for the community won the race
            # (there was no row of the community's own to lock yet).
            latest = Rule.objects.get(community=community, code=rule.code, valid_from=start)
            raise _stale_rule(latest, latest.version) from None
    event(
        actor=actor,
        community=community,
        verb="party_rule_changed" if active else "party_rule_ended",
        summary=made.name,
        subject=made,
        data={
            "name": made.name,
            "name_en": made.name_en,
            "valid_from": made.valid_from.isoformat(),
        },
    )
    return made
