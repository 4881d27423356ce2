"""Reads of party data, always through the user's scope — by the party tree.

A party row is seen from a post whose subtree holds the node its branch is bound to
(`Scope.q(..., node="branch__node_id")`): the community admin sees every branch, a
branch secretary (post at the branch's L1 grid) the branch's members wherever they
live, and a grid manager (post at an L2 grid, below the binding) none of them.
`get_<thing>_for_user` is the only way a view loads one object: Http404 outside.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.periods import Period, check_span
from banyan.places.models import Node, NodeKind
from banyan.registry.models import Household, Person, PersonStatus

from . import obligations as engine
from .models import (
    THEMED_DAY,
    Contact,
    ContactStatus,
    Member,
    MemberEvent,
    MemberPeriod,
    MemberState,
    Org,
    OrgKind,
    PartyDataVersion,
    PartySettings,
    PeriodKind,
    Registration,
    RegistrationState,
    Rule,
    ThemedDay,
    ThemedDayPhoto,
    TracingCase,
    Transfer,
)
from .workflow import TracingState

User = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=Model)

# Party rows are visible with this capability; acting on them needs more.
SEEING = frozenset({Cap.VIEW_PARTY})


# --- the scope, by the party tree ------------------------------------------------------


def party_q(user: User, cap: str, *, node: str = "branch__node_id") -> Q:
    """Rows whose branch is bound to a node inside the user's posts with `cap` (a whole
    community for a community post), as a filter on the row's community and `node`."""
    return get_scope(user).q(cap, community="community_id", grid=None, building=None, node=node)


def scoped(qs: QuerySet[M], user: User, cap: str, *, node: str = "branch__node_id") -> QuerySet[M]:
    return get_scope(user).filter(
        qs, cap, community="community_id", grid=None, building=None, node=node
    )


def caps_at_org(user: User, org: Org) -> frozenset[str]:
    """The user's capabilities on rows of `org` (from posts whose subtree holds its node)."""
    return get_scope(user).caps_at_node(org.node)


def caps_at_community(user: User, community_id: int) -> frozenset[str]:
    return get_scope(user).caps_at(community_id=community_id)


def _one(qs: QuerySet[M], pk: int) -> M:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


# --- organisations ---------------------------------------------------------------------


def org_list(
    *, user: User, cap: str = Cap.VIEW_PARTY, community_id: int | None = None
) -> QuerySet[Org]:
    """Party organisations bound inside the user's scope (groups and branches, and the
    general branch for community posts)."""
    qs = scoped(Org.objects.all(), user, cap, node="node_id")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs.select_related("node", "parent").order_by("community_id", "sort_order", "id")


def branch_list(*, user: User, cap: str = Cap.VIEW_PARTY) -> list[Org]:
    return list(org_list(user=user, cap=cap).exclude(kind=OrgKind.GROUP))


def get_org_for_user(user: User, pk: int, cap: str = Cap.VIEW_PARTY) -> Org:
    """One party organisation bound inside the user's scope, or Http404."""
    return _one(org_list(user=user, cap=cap), pk)


def org_member_counts(orgs: list[Org]) -> dict[int, int]:
    rows = (
        Member.objects.filter(branch__in=orgs, state=MemberState.ACTIVE, in_service=False)
        .values("branch_id")
        .annotate(n=Count("id"))
    )
    return {r["branch_id"]: r["n"] for r in rows}


# --- members ---------------------------------------------------------------------------


def member_list(
    *,
    user: User,
    branch: Org | None = None,
    q: str = "",
    flag: str = "",
    include_former: bool = False,
) -> QuerySet[Member]:
    """Members of the branches in the user's scope; narrowing never widens.

    `flag`: mobile, retired, restructured, in_service, lost, found."""
    qs = scoped(Member.objects.all(), user, Cap.VIEW_PARTY)
    if not include_former:
        qs = qs.filter(state=MemberState.ACTIVE)
    if branch is not None:
        qs = qs.filter(Q(branch=branch) | Q(group=branch))
    if flag in {"mobile", "retired", "restructured", "in_service"}:
        qs = qs.filter(**{flag: True})
    elif flag == "lost":
        qs = qs.filter(contact_status=ContactStatus.LOST)
    elif flag == "found":
        qs = qs.filter(contact_status=ContactStatus.FOUND)
    elif flag == "community":
        qs = qs.filter(in_service=False)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(unit__icontains=q))
    return qs.select_related("branch", "group").order_by("branch__sort_order", "name", "id")


def get_member_for_user(user: User, pk: int, cap: str = Cap.VIEW_PARTY) -> Member:
    """One member of a branch in the user's scope, or Http404 (whatever the state)."""
    qs = scoped(Member.objects.all(), user, cap).select_related(
        "branch__node", "group", "person__household__building__compound", "community"
    )
    return _one(qs, pk)


def member_home_label(user: User, member: Member) -> tuple[str, int | None]:
    """Where the member lives, and the person id when the user may open that record."""
    person = member.person
    if person is None:
        return member.address, None
    label = str(person.household.label)
    caps = get_scope(user).caps_at(
        community_id=person.community_id,
        grid_id=person.grid_id,
        building_id=person.household.building_id,
    )
    return label, person.pk if Cap.VIEW_REGISTRY in caps else None


def member_contacts(*, member: Member, limit: int = 50) -> QuerySet[Contact]:
    """The member's contact log, newest first; the caller has checked scope."""
    return member.contacts.select_related("by").order_by("-contacted_on", "-id")[:limit]


def member_events(*, member: Member) -> QuerySet[MemberEvent]:
    return member.events.order_by("-occurred_on", "-id")


def member_transfers(*, member: Member) -> QuerySet[Transfer]:
    return member.transfers.select_related("from_branch", "to_branch").order_by("-on", "-id")


def member_periods(*, member: Member) -> QuerySet[MemberPeriod]:
    return member.periods.order_by("-start", "-id")


def contact_list(
    *, user: User, member: Member | None = None, branch: Org | None = None, kind: str = ""
) -> QuerySet[Contact]:
    """Contacts with members of the branches in the user's scope, newest first."""
    qs = scoped(Contact.objects.all(), user, Cap.VIEW_PARTY, node="member__branch__node_id")
    if member is not None:
        qs = qs.filter(member=member)
    if branch is not None:
        qs = qs.filter(member__branch=branch)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("member", "by").order_by("-contacted_on", "-id")


def get_contact_for_user(user: User, pk: int) -> Contact:
    return _one(contact_list(user=user), pk)


# --- figures ---------------------------------------------------------------------------


def figures(*, user: User, branch: Org | None = None, today: dt.date | None = None) -> dict:
    """Counts for the party home page: members, mobile, retired, in-service, lost now,
    found this year and found in all — in two queries."""
    today = today or timezone.localdate()
    members = scoped(Member.objects.filter(state=MemberState.ACTIVE), user, Cap.PARTY_FIGURES)
    cases = scoped(
        TracingCase.objects.all(), user, Cap.PARTY_FIGURES, node="member__branch__node_id"
    )
    if branch is not None:
        members = members.filter(branch=branch)
        cases = cases.filter(member__branch=branch)
    out = members.aggregate(
        members=Count("id", filter=Q(in_service=False)),
        mobile=Count("id", filter=Q(in_service=False, mobile=True)),
        retired=Count("id", filter=Q(in_service=False, retired=True)),
        restructured=Count("id", filter=Q(in_service=False, restructured=True)),
        in_service=Count("id", filter=Q(in_service=True)),
        lost_now=Count("id", filter=Q(contact_status=ContactStatus.LOST)),
    )
    out |= cases.aggregate(
        found_this_year=Count(
            "id",
            filter=Q(state=TracingState.RETURNED, returned_on__year=today.year),
        ),
        found_in_all=Count("id", filter=Q(state=TracingState.RETURNED)),
    )
    return out


# --- the obligation engine's inputs ----------------------------------------------------


def rule_versions(
    community_ids: Iterable[int], *, rows: list[Rule] | None = None
) -> dict[int, list[engine.RuleVersion]]:
    """The rule versions in force for each community, in one query (none when given
    `rows`, a superset of the rules): a community's own versions of a rule replace the
    shared default from their first `valid_from` on."""
    ids = sorted(set(community_ids))
    if rows is None:
        rows = list(Rule.objects.filter(Q(community__isnull=True) | Q(community_id__in=ids)))
    shared = [r for r in rows if r.community_id is None]
    out: dict[int, list[engine.RuleVersion]] = {}
    for cid in ids:
        own = [r for r in rows if r.community_id == cid]
        first_own: dict[str, dt.date] = {}
        for r in own:
            first_own[r.code] = min(first_own.get(r.code, r.valid_from), r.valid_from)
        versions = [_version(r) for r in own]
        for r in shared:
            cut = first_own.get(r.code)
            if cut is not None and r.valid_from >= cut:
                continue
            valid_to = r.valid_to
            if cut is not None:
                end = cut - dt.timedelta(days=1)
                valid_to = end if valid_to is None else min(valid_to, end)
            versions.append(_version(r, valid_to=valid_to))
        out[cid] = versions
    return out


def _version(r: Rule, **override: Any) -> engine.RuleVersion:
    values: dict[str, Any] = {
        "id": r.pk,
        "code": r.code,
        "name": r.display_name,
        "subject": r.subject,
        "who": dict(r.who or {}),
        "trigger": r.trigger,
        "contact_kind": r.contact_kind,
        "cadence": r.cadence,
        "count": r.count,
        "responsible_role": r.responsible_role,
        "responsible_at": r.responsible_at,
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
        "active": r.active,
    }
    values.update(override)
    return engine.RuleVersion(**values)


def rule_list(*, user: User) -> list[tuple[Node, list[Rule]]]:
    """Each community the user administers party data in, with every rule version that
    applies there (shared defaults and its own), current first."""
    ids = get_scope(user).community_ids(Cap.PARTY_ADMIN)
    communities = list(Node.objects.filter(pk__in=ids).order_by("sort_key", "id"))
    rows = list(
        Rule.objects.filter(Q(community__isnull=True) | Q(community_id__in=ids)).order_by(
            "code", "-valid_from"
        )
    )
    return [(c, [r for r in rows if r.community_id in (None, c.pk)]) for c in communities]


def rule_chain_version(*, community_id: int, code: str) -> int:
    """The version of a rule as a community sees it: the highest version among its
    rows (the shared default's and the community's own). Every change raises it: an
    edited waiting version is bumped, and a new version row continues the count."""
    rows = Rule.objects.filter(code=code).filter(
        Q(community__isnull=True) | Q(community_id=community_id)
    )
    return max(rows.values_list("version", flat=True), default=0)


def get_rule_for_user(user: User, pk: int) -> tuple[Rule, Node]:
    """A rule version and the community the user would change it for, or Http404.

    A shared default is changed for the user's (first) administered community."""
    ids = get_scope(user).community_ids(Cap.PARTY_ADMIN)
    rule = (
        Rule.objects.filter(pk=pk)
        .filter(Q(community__isnull=True) | Q(community_id__in=ids))
        .first()
    )
    if rule is None or not ids:
        raise Http404
    community_id = rule.community_id or min(ids)
    return rule, Node.objects.get(pk=community_id)


@dataclass
class World:
    """What the engine needs for a set of members and branches, loaded in a fixed number
    of queries however many members there are."""

    subjects: list[engine.Subject]
    contacts: dict[tuple[int, str], list[dt.date]]
    rules: dict[int, list[engine.RuleVersion]]
    members: dict[int, Member]
    orgs: dict[int, Org]


def load_world(
    *,
    members: QuerySet[Member],
    branches: QuerySet[Org],
    lo: dt.date,
    hi: dt.date,
    instances: bool = True,
) -> World:
    """Members, their periods, transfers, admissions and contacts, the branches and their
    themed days, and the rules: eight queries.

    Only what a rule can use is read: members some rule may hold (by the attributes
    rules ask for: in-service members under no rule are left out), contacts of the kinds
    rules count, from as far back as the earliest window due in [lo, hi] starts. With
    `instances=False` members are read as values (a district's compliance reads tens of
    thousands; `World.members` is then empty)."""
    all_rules = list(Rule.objects.all())
    members = members.filter(_held_by_some_rule(all_rules))
    member_rows: dict[int, Member] = {}
    attributes = tuple(sorted(engine.ATTRIBUTES))
    fields = ("pk", "community_id", "branch_id", "joined_on", "left_on", *attributes)
    if instances:
        member_rows = {m.pk: m for m in members.select_related(None).order_by()}
        values = [tuple(getattr(m, f) for f in fields) for m in member_rows.values()]
    else:
        values = list(members.order_by().values_list(*fields))
    # The members' own rows are selected by the same query as a subquery, not by a list
    # of thousands of ids (a district holds tens of thousands of members).
    ids = members.order_by().values("pk")
    branch_rows = list(branches.filter(kind=OrgKind.BRANCH).select_related(None).order_by())
    community_ids = {v[1] for v in values}
    community_ids |= {b.community_id for b in branch_rows}
    orgs = {o.pk: o for o in Org.objects.filter(community_id__in=sorted(community_ids))}
    since = _reach_back(all_rules, lo)
    kinds = sorted({r.contact_kind for r in all_rules if r.subject == "member"})
    periods: dict[int, dict[str, list[engine.Interval]]] = defaultdict(lambda: defaultdict(list))
    for mid, kind, start, end in MemberPeriod.objects.filter(member_id__in=ids).values_list(
        "member_id", "kind", "start", "end"
    ):
        periods[mid][kind].append((start, end))
    transfers: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for mid, on, from_b, to_b in (
        Transfer.objects.filter(member_id__in=ids)
        .order_by("on", "id")
        .values_list("member_id", "on", "from_branch_id", "to_branch_id")
    ):
        transfers[mid].append((on, from_b, to_b))
    triggers: dict[int, dict[str, list[dt.date]]] = defaultdict(lambda: defaultdict(list))
    for mid, kind, on in (
        MemberEvent.objects.filter(member_id__in=ids, occurred_on__gte=since, occurred_on__lte=hi)
        .order_by("occurred_on")
        .values_list("member_id", "kind", "occurred_on")
    ):
        triggers[mid][kind].append(on)
    contacts: dict[tuple[int, str], list[dt.date]] = defaultdict(list)
    for mid, kind, on in (
        Contact.objects.filter(
            member_id__in=ids, kind__in=kinds, contacted_on__gte=since, contacted_on__lte=hi
        )
        .order_by("contacted_on")
        .values_list("member_id", "kind", "contacted_on")
    ):
        contacts[(mid, kind)].append(on)

    subjects: list[engine.Subject] = []
    no_periods: dict[str, list[engine.Interval]] = {}
    for pk, community_id, branch_id, joined_on, left_on, *flags in values:
        last_day = left_on - dt.timedelta(days=1) if left_on else None
        own = periods.get(pk, no_periods)
        lost = own.get(PeriodKind.LOST)
        eligible = (
            engine.subtract([(joined_on, last_day)], lost) if lost else [(joined_on, last_day)]
        )
        history = transfers.get(pk)
        if history:
            branches_seq = [(joined_on, history[0][1])]
            branches_seq += [(on, to_b) for on, _f, to_b in history]
        else:
            branches_seq = [(joined_on, branch_id)]
        subjects.append(
            engine.Subject(
                kind="member",
                id=pk,
                community_id=community_id,
                eligible=eligible,
                periods={k: v for k, v in own.items() if k != PeriodKind.LOST},
                attributes=dict(zip(attributes, flags, strict=True)),
                triggers=dict(triggers.get(pk, {})),
                branches=branches_seq,
            )
        )
    # Themed days are the branch's "contacts" of kind themed_day (the same engine).
    for bid, on in (
        ThemedDay.objects.filter(branch__in=branch_rows, held_on__gte=since, held_on__lte=hi)
        .order_by("held_on")
        .values_list("branch_id", "held_on")
    ):
        contacts[(-bid, THEMED_DAY)].append(on)
    for b in branch_rows:
        # Branch subjects use negative ids so they never collide with members in `contacts`.
        subjects.append(
            engine.Subject(
                kind="branch",
                id=-b.pk,
                community_id=b.community_id,
                eligible=[(b.active_from, b.active_to)],
                branches=[(b.active_from, b.pk)],
            )
        )
    communities = {s.community_id for s in subjects}
    return World(
        subjects=subjects,
        contacts=dict(contacts),
        rules=rule_versions(communities, rows=all_rules),
        members=member_rows,
        orgs=orgs,
    )


def _held_by_some_rule(rules: list[Rule]) -> Q:
    """Members whom at least one of `rules` may hold, by the attributes rules ask for
    (periods such as "mobile" are left to the engine). Any superset of the rules in
    force is safe: it only lets more members through."""
    wanted = Q(pk__in=[])
    for r in rules:
        if r.subject != "member":
            continue
        asked = {k: v for k, v in (r.who or {}).items() if k in engine.ATTRIBUTES}
        if not asked:
            return Q()
        wanted |= Q(**asked)
    return wanted


def _reach_back(rules: list[Rule], lo: dt.date) -> dt.date:
    """The first day a contact or an admission can count for an instance due on or
    after `lo`: a window of N months starts N months before its due date, a count per
    year counts from January, a visit within N days follows its trigger by N days."""
    since = dt.date(lo.year, 1, 1)
    for r in rules:
        if r.cadence == "every_n_months":
            since = min(since, engine.add_months(lo, -max(r.count, 1)))
        elif r.cadence == "within_days":
            since = min(since, lo - dt.timedelta(days=max(r.count, 0) + 1))
    return since - dt.timedelta(days=1)


def compute(world: World, *, lo: dt.date, hi: dt.date, today: dt.date) -> list[engine.Instance]:
    by_community: dict[int, list[engine.Subject]] = defaultdict(list)
    for s in world.subjects:
        by_community[s.community_id].append(s)
    out: list[engine.Instance] = []
    for cid, subjects in by_community.items():
        out += engine.instances(
            world.rules.get(cid, []), subjects, world.contacts, lo=lo, hi=hi, today=today
        )
    return out


# --- my obligations --------------------------------------------------------------------


@dataclass
class Due:
    """One row of "my obligations": an instance, whom it concerns, who answers for it."""

    instance: engine.Instance
    member: Member | None
    branch: Org | None

    @property
    def status(self) -> str:
        return self.instance.status

    @property
    def rule(self) -> engine.RuleVersion:
        return self.instance.rule

    @property
    def due(self) -> dt.date:
        return self.instance.due


def _responsible_node(world: World, item: engine.Instance) -> int | None:
    if item.rule.responsible_at == "community":
        return item.subject.community_id
    org = world.orgs.get(item.branch_id) if item.branch_id is not None else None
    return org.node_id if org is not None else None


def obligations_due(
    *,
    user: User,
    node: Node | None = None,
    mine: bool = True,
    today: dt.date | None = None,
    horizon_days: int = 7,
) -> list[Due]:
    """Obligations overdue (oldest first), then due within `horizon_days` (soonest first).

    `mine`: only those the user's own posts answer for (a rule names a role at the
    member's branch or at the community); otherwise every one in the user's party scope,
    optionally narrowed to `node`'s subtree. Computed from the contact log now."""
    today = today or timezone.localdate()
    members = scoped(Member.objects.filter(state=MemberState.ACTIVE), user, Cap.VIEW_PARTY)
    branches = org_list(user=user)
    if node is not None:
        members = _under(members, node, "branch__node")
        branches = _under(branches, node, "node")
    lo = today - dt.timedelta(days=370)
    hi = today + dt.timedelta(days=horizon_days)
    world = load_world(members=members, branches=branches, lo=lo, hi=hi)
    items = [
        i
        for i in compute(world, lo=lo, hi=hi, today=today)
        if i.status == engine.OVERDUE or (i.status == engine.OPEN and i.due <= hi)
    ]
    if mine:
        posts = {(p.role, p.node_id) for p in get_scope(user).posts}
        items = [
            i for i in items if (i.rule.responsible_role, _responsible_node(world, i)) in posts
        ]
    items.sort(key=lambda i: (i.status != engine.OVERDUE, i.due, i.subject.id))
    return [
        Due(
            instance=i,
            member=world.members.get(i.subject.id) if i.subject.kind == "member" else None,
            branch=world.orgs.get(i.branch_id) if i.branch_id is not None else None,
        )
        for i in items
    ]


def _under(qs: QuerySet[M], node: Node, field: str) -> QuerySet[M]:
    if node.kind == NodeKind.COMMUNITY:
        return qs.filter(community_id=node.pk)
    return qs.filter(**{f"{field}__path__startswith": node.path})


# --- compliance ------------------------------------------------------------------------


@dataclass
class ComplianceRow:
    label: str
    org: Org | None
    community: Node | None
    tally: engine.Tally
    by_rule: dict[str, engine.Tally]


def compliance(
    *,
    user: User,
    node: Node | None,
    start: dt.date,
    end: dt.date,
    today: dt.date | None = None,
) -> tuple[list[ComplianceRow], engine.Tally, list[engine.RuleVersion]]:
    """Obligations due in [start, end] and how they stand, per branch (one branch per L1
    grid) — or per community above a community — with the total; the user needs party
    figures there. A fixed number of queries whatever the size.

    The work grows with the span, so a period past banyan.common.periods.MAX_DAYS is
    refused here too (ValidationFailed naming "end"), whoever asks."""
    check_span(Period(start, end))
    today = today or timezone.localdate()
    per_community = node is None or node.kind in (NodeKind.DISTRICT, NodeKind.STREET)
    whole = _whole_communities(user, Cap.PARTY_FIGURES) if per_community else None
    if whole is not None:
        if node is not None:
            whole = frozenset(
                Node.objects.filter(pk__in=sorted(whole), path__startswith=node.path).values_list(
                    "pk", flat=True
                )
            )
        return _kept_compliance(sorted(whole), start=start, end=end, today=today)
    members = scoped(Member.objects.all(), user, Cap.PARTY_FIGURES)
    branches = org_list(user=user, cap=Cap.PARTY_FIGURES)
    if node is not None:
        members = _under(members, node, "branch__node")
        branches = _under(branches, node, "node")
    world = load_world(members=members, branches=branches, lo=start, hi=end, instances=False)
    items = compute(world, lo=start, hi=end, today=today)

    def key(i: engine.Instance) -> int | None:
        return i.subject.community_id if per_community else i.branch_id

    # One pass over the instances (a district has around a hundred thousand).
    groups: dict[Any, engine.Tally] = {}
    by_rule: dict[Any, dict[str, engine.Tally]] = defaultdict(dict)
    total = engine.Tally()
    for i in items:
        group = key(i)
        groups.setdefault(group, engine.Tally()).add(i.status)
        by_rule[group].setdefault(i.rule.code, engine.Tally()).add(i.status)
        total.add(i.status)
    rows: list[ComplianceRow] = []
    if per_community:
        communities = Node.objects.in_bulk(list(groups))
        for cid, t in sorted(groups.items(), key=lambda kv: communities[kv[0]].path):
            rows.append(
                ComplianceRow(communities[cid].name, None, communities[cid], t, by_rule[cid])
            )
    else:
        for bid, t in sorted(
            groups.items(),
            key=lambda kv: (world.orgs[kv[0]].sort_order, kv[0]) if kv[0] in world.orgs else (0, 0),
        ):
            org = world.orgs.get(bid)
            rows.append(ComplianceRow(org.name if org else "—", org, None, t, by_rule[bid]))
    return rows, total, _shown_versions(world.rules, end=end, today=today)


def _shown_versions(
    rules: dict[int, list[engine.RuleVersion]], *, end: dt.date, today: dt.date
) -> list[engine.RuleVersion]:
    """One version per rule code for the page's legend: the one in force at the end of
    the period (or today), else any."""
    versions: dict[str, engine.RuleVersion] = {}
    for per_community in rules.values():
        for r in per_community:
            if r.in_force(min(end, today)) or r.code not in versions:
                versions[r.code] = r
    return sorted(versions.values(), key=lambda r: r.code)


# --- compliance kept per community -------------------------------------------------------
#
# A district's compliance is every community's obligations computed from scratch: about
# 92,000 instances and 3 s of Python at 100 communities. A community's tallies for a
# period, as of a day, change only when its party data or a rule does, so they are kept
# in Django's cache under a key naming the community, the period, the day, the
# community's last party event (PartyDataVersion) and a fingerprint of every rule row.
# Only posts holding the figures over whole communities use them; anything narrower is
# computed as before.

KEPT_SECONDS = 24 * 3600


def _whole_communities(user: User, cap: str) -> frozenset[int] | None:
    """The communities where the user holds `cap` over the whole community, or None when
    some post grants it over less (a grid, a building): such figures are computed."""
    ids: set[int] = set()
    for area in get_scope(user).areas:
        if cap not in area.caps:
            continue
        if not area.community_ids:
            return None
        ids |= area.community_ids
    return frozenset(ids)


def _rules_stamps(rules: list[Rule], community_ids: list[int]) -> dict[int, str]:
    """Per community, a fingerprint of every rule row that applies there (the shared
    defaults and its own): a community's edit leaves every other community's tallies."""
    fields = [f.attname for f in Rule._meta.concrete_fields]
    rows: dict[int | None, list[str]] = defaultdict(list)
    for r in rules:
        rows[r.community_id].append(repr([getattr(r, f) for f in fields]))
    shared = sorted(rows[None])
    return {
        c: hashlib.sha256("\n".join([*shared, *sorted(rows[c])]).encode()).hexdigest()[:16]
        for c in community_ids
    }


Kept = dict[int, tuple[engine.Tally, dict[str, engine.Tally]]]


def _kept_tallies(
    community_ids: list[int], rules: list[Rule], *, start: dt.date, end: dt.date, today: dt.date
) -> tuple[Kept, list[int]]:
    """Each community's tallies for the period as of `today`: read from the cache where
    kept, computed (in one pass for all that were not) and kept otherwise. Also returns
    the communities that had to be computed."""
    stamps = _rules_stamps(rules, community_ids)
    last = dict(
        PartyDataVersion.objects.filter(community_id__in=community_ids).values_list(
            "community_id", "last_event_id"
        )
    )
    keys = {
        c: f"party:compliance:{c}:{start}:{end}:{today}:{last.get(c, 0)}:{stamps[c]}"
        for c in community_ids
    }
    kept = cache.get_many(list(keys.values()))
    tallies: Kept = {c: kept[k] for c, k in keys.items() if k in kept}
    missing = [c for c in community_ids if c not in tallies]
    if missing:
        world = load_world(
            members=Member.objects.filter(community_id__in=missing),
            branches=Org.objects.filter(community_id__in=missing),
            lo=start,
            hi=end,
            instances=False,
        )
        fresh: Kept = {c: (engine.Tally(), {}) for c in missing}
        for i in compute(world, lo=start, hi=end, today=today):
            group, by_rule = fresh[i.subject.community_id]
            group.add(i.status)
            by_rule.setdefault(i.rule.code, engine.Tally()).add(i.status)
        cache.set_many({keys[c]: fresh[c] for c in missing}, timeout=KEPT_SECONDS)
        tallies.update(fresh)
    return tallies, missing


def _rules_for(community_ids: list[int]) -> list[Rule]:
    return list(Rule.objects.filter(Q(community__isnull=True) | Q(community_id__in=community_ids)))


def default_periods(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The periods people open the compliance page on: this year and this month (its
    defaults), and the year and month just ended (the annual and monthly reports)."""
    last_month = engine.month_start(today) - dt.timedelta(days=1)
    return [
        (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
        (engine.month_start(today), engine.month_end(today)),
        (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        (engine.month_start(last_month), last_month),
    ]


def keep_compliance(*, today: dt.date | None = None) -> dict[tuple[dt.date, dt.date], int]:
    """Work out and keep every community's tallies for the default periods as of today,
    so that the day's first look is read, not computed (`manage.py party_daily`, run each
    night). Returns how many communities each period had to compute (none when they were
    kept already)."""
    today = today or timezone.localdate()
    community_ids = list(
        Node.objects.filter(kind=NodeKind.COMMUNITY).order_by("pk").values_list("pk", flat=True)
    )
    rules = _rules_for(community_ids)
    done = {}
    for start, end in default_periods(today):
        _tallies, missing = _kept_tallies(community_ids, rules, start=start, end=end, today=today)
        done[(start, end)] = len(missing)
    return done


def _kept_compliance(
    community_ids: list[int], *, start: dt.date, end: dt.date, today: dt.date
) -> tuple[list[ComplianceRow], engine.Tally, list[engine.RuleVersion]]:
    rules = _rules_for(community_ids)
    tallies, _missing = _kept_tallies(community_ids, rules, start=start, end=end, today=today)
    total = engine.Tally()
    communities = Node.objects.in_bulk([c for c, (t, _r) in tallies.items() if t.due])
    rows: list[ComplianceRow] = []
    for node in sorted(communities.values(), key=lambda n: n.path):
        tally, by_rule = tallies[node.pk]
        rows.append(ComplianceRow(node.name, None, node, tally, by_rule))
        total += tally
    versions = rule_versions(community_ids, rows=rules)
    return rows, total, _shown_versions(versions, end=end, today=today)


# --- themed days -----------------------------------------------------------------------


def themed_day_list(*, user: User, branch: Org | None = None) -> QuerySet[ThemedDay]:
    qs = scoped(ThemedDay.objects.all(), user, Cap.VIEW_PARTY)
    if branch is not None:
        qs = qs.filter(branch=branch)
    return (
        qs.select_related("branch")
        .annotate(photo_count=Count("photos", distinct=True))
        .order_by("-held_on", "-id")
    )


def get_themed_day_for_user(user: User, pk: int, cap: str = Cap.VIEW_PARTY) -> ThemedDay:
    return _one(
        scoped(ThemedDay.objects.all(), user, cap).select_related("branch__node", "posted_by"),
        pk,
    )


def themed_day_attendance(*, themed_day: ThemedDay) -> list[tuple[Member, str]]:
    """Every active member of the branch (and those recorded), with their attendance."""
    recorded = {a.member_id: a.presence for a in themed_day.attendance.all()}
    members = Member.objects.filter(
        Q(branch_id=themed_day.branch_id, state=MemberState.ACTIVE, in_service=False)
        | Q(pk__in=list(recorded))
    ).order_by("name", "id")
    return [(m, recorded.get(m.pk, "")) for m in members]


def get_photo_for_user(user: User, pk: int) -> ThemedDayPhoto:
    return _one(
        scoped(
            ThemedDayPhoto.objects.all(), user, Cap.VIEW_PARTY, node="themed_day__branch__node_id"
        ),
        pk,
    )


# --- tracing ---------------------------------------------------------------------------


def tracing_list(*, user: User, state: str = "") -> QuerySet[TracingCase]:
    qs = scoped(TracingCase.objects.all(), user, Cap.VIEW_PARTY, node="member__branch__node_id")
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("member__branch").order_by("-opened_on", "-id")


def get_tracing_for_user(user: User, pk: int, cap: str = Cap.VIEW_PARTY) -> TracingCase:
    return _one(
        scoped(TracingCase.objects.all(), user, cap, node="member__branch__node_id").select_related(
            "member__branch__node", "opened_by"
        ),
        pk,
    )


# --- in-service registrations ----------------------------------------------------------


def registration_list(*, user: User, state: str = "") -> QuerySet[Registration]:
    """Registrations in the communities where the user administers party data."""
    ids = get_scope(user).community_ids(Cap.PARTY_ADMIN)
    qs = Registration.objects.filter(community_id__in=sorted(ids))
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-submitted_at", "-id")


def get_registration_for_user(user: User, pk: int) -> Registration:
    return _one(registration_list(user=user), pk)


def pending_registration_count(*, user: User) -> int:
    return registration_list(user=user, state=RegistrationState.PENDING).count()


def public_community(pk: int) -> Node:
    """A community the public registration form may name, or Http404."""
    node = Node.objects.filter(pk=pk, kind=NodeKind.COMMUNITY).first()
    if node is None:
        raise Http404
    return node


def service_entries(*, member: Member) -> QuerySet:
    return member.service.select_related("recorded_by").order_by("-served_on", "-id")


# --- presence: whether a household has members -----------------------------------------


def grid_may_see_presence(community_id: int) -> bool:
    return PartySettings.objects.filter(
        community_id=community_id, grid_sees_member_households=True
    ).exists()


def households_with_members(*, user: User, node: Node | None = None) -> QuerySet[Household]:
    """Households in the user's registry scope that have an active party member living
    in them — where a post grants the presence capability and the community allows it.
    Nothing else about the members is given."""
    scope = get_scope(user)
    allowed = PartySettings.objects.filter(grid_sees_member_households=True).values("community_id")
    qs = scope.filter(Household.objects.all(), Cap.VIEW_PARTY_PRESENCE).filter(
        community_id__in=allowed
    )
    if node is not None:
        qs = _under(qs, node, "grid")
    has_member = Member.objects.filter(
        person__household_id=OuterRef("pk"),
        state=MemberState.ACTIVE,
        person__status=PersonStatus.LIVING_HERE,
    )
    return (
        qs.filter(Exists(has_member))
        .select_related("building__compound")
        .order_by("building__compound__name", "building__sort_key", "sort_key", "id")
    )


def household_has_members(*, caps: frozenset[str], household: Household) -> bool | None:
    """Whether an active party member lives in the household, for a user holding `caps`
    there — or None when they may not know: no presence capability at the household, or
    the community does not allow it. Nothing else about the members is given."""
    if Cap.VIEW_PARTY_PRESENCE not in caps or not grid_may_see_presence(household.community_id):
        return None
    return Member.objects.filter(
        person__household_id=household.pk,
        state=MemberState.ACTIVE,
        person__status=PersonStatus.LIVING_HERE,
    ).exists()


def resident_candidates(*, user: User, q: str, community_id: int) -> QuerySet[Person]:
    """Residents a party admin may link a member to (registry scope of the community)."""
    scope = get_scope(user)
    qs = scope.filter(
        Person.objects.filter(community_id=community_id, status=PersonStatus.LIVING_HERE),
        Cap.VIEW_REGISTRY,
        building="household__building_id",
    )
    return qs.filter(name__icontains=q).select_related("household")[:20] if q else qs.none()
