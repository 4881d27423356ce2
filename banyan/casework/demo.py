"""A year of casework for a demo community, written in bulk.

Rows look exactly as the services would have left them — cases with their history
of events (on each linked household's timeline too), home visits with realistic
gaps, monthly committee meetings with decisions — but are written with
bulk_create, because replaying a year through the services one move at a time
would make `make demo` slow. Deterministic for a seed; dates relative to `today`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from banyan.accounts.models import Post
from banyan.accounts.roles import Role
from banyan.demo.builder.sink import unsaved
from banyan.places.models import Node, NodeKind
from banyan.registry.models import Household, Person, PersonStatus
from banyan.timeline.models import Event, EventLink

from .models import (
    AgendaItem,
    Case,
    CaseCategory,
    CasePerson,
    MediationSession,
    Meeting,
    Visit,
    VisitPurpose,
)
from .verbs import purpose_text
from .workflow import State

BATCH = 2000

# How rows are written: (model, unsaved instances) -> the instances, saved with their keys.
Save = Callable[[type[models.Model], list[Any]], Any]


def bulk_create(model: type[models.Model], objs: list[Any]) -> Any:
    return model._default_manager.bulk_create(objs, batch_size=BATCH)


# What residents ask for, per category code: (weight, titles)
NEEDS: dict[str, tuple[int, list[str]]] = {
    "environment": (18, ["垃圾桶满了没人清运", "楼道堆放杂物", "绿化带有建筑垃圾", "化粪池外溢"]),
    "parking": (12, ["车辆堵住消防通道", "小区门口乱停车", "电动车在楼道充电", "停车位被占"]),
    "roof_leak": (10, ["屋顶漏水，雨天滴到床上", "顶楼墙面渗水", "阳台漏雨"]),
    "blocked_pipe": (9, ["下水道堵塞", "厨房管道返水", "化粪管堵了"]),
    "illegal_structure": (4, ["一楼私搭雨棚", "楼顶违建", "占用绿地搭棚"]),
    "paperwork": (14, ["代办居住证明", "代办养老金认证", "代办医保报销材料", "开具困难证明"]),
    "social_assistance": (7, ["申请低保", "临时救助申请", "残疾人补贴申请"]),
    "elderly_care": (10, ["独居老人需要助餐", "空巢老人行动不便需上门理发", "老人想要有人陪聊"]),
    "neighbour_dispute": (8, ["楼上漏水纠纷", "噪音扰民", "公共楼道使用纠纷", "宠物扰民"]),
    "safety_hazard": (8, ["楼道灯坏了", "电线私拉乱接", "消防栓损坏", "井盖松动"]),
}
OPINIONS = [
    "希望小区多装几个路灯",
    "反映菜市场噪音",
    "想参加社区书法班",
    "建议增加快递柜",
    "家里一切正常",
    "孩子上学接送不便",
    "想了解养老保险政策",
    "对网格员的服务满意",
]
# A visit's purpose, and now and then what it was about.
PURPOSES = [
    (VisitPurpose.ROUTINE, ""),
    (VisitPurpose.SITUATION, ""),
    (VisitPurpose.CARE, "高龄老人探访"),
    (VisitPurpose.POLICY, "医保缴费政策"),
    (VisitPurpose.FOLLOW_UP, "上次反映的问题"),
    (VisitPurpose.REGISTRY_CHECK, "核实流动人口信息"),
]


@dataclass
class _Ctx:
    community: Node
    today: dt.date
    rng: random.Random
    tz: Any
    save: Save
    now: dt.datetime
    events: list[Event] = field(default_factory=list)
    links: list[tuple[int, int | None, int | None]] = field(
        default_factory=list
    )  # (event idx, hh, p)

    def at(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        h = hour if hour is not None else self.rng.randint(8, 18)
        return dt.datetime(day.year, day.month, day.day, h, self.rng.randint(0, 59), tzinfo=self.tz)

    def event(
        self,
        when: dt.datetime,
        verb: str,
        actor_id: int | None,
        case: Case | None,
        data: dict,
        *,
        household_id: int | None = None,
        person_ids: list[int] = (),
        on_behalf_of: str = "",
    ) -> None:
        self.events.append(
            # Without Model.__init__: a year of a district's events is millions of them.
            unsaved(
                Event,
                community=self.community,
                verb=verb,
                occurred_on=when.astimezone(self.tz).date(),
                recorded_at=when,
                actor_id=actor_id,
                on_behalf_of=on_behalf_of,
                summary=(f"#{case.pk} {case.title}" if case else _visit_summary(data))[:300],
                data=data,
                subject_type="case" if case else "visit",
                subject_id=case.pk if case else data.get("visit"),
            )
        )
        idx = len(self.events) - 1
        for pid in person_ids:
            self.links.append((idx, household_id, pid))
        if household_id and not person_ids:
            self.links.append((idx, household_id, None))


def _visit_summary(data: dict) -> str:
    return purpose_text(data.get("purpose_code", ""), data.get("purpose_note", ""))


def _code(rng: random.Random) -> str:
    """A tracking code from the seeded generator, so the demo is the same every time."""
    return "".join(rng.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(10))


def _staff(community: Node) -> dict[str, Any]:
    posts = Post.objects.filter(community=community, active=True).select_related("node", "user")
    by_grid: dict[int, list[int]] = {}
    out: dict[str, Any] = {"window": [], "repair": [], "admin": [], "by_grid": by_grid}
    for post in posts:
        if post.role == Role.GRID_MANAGER:
            by_grid.setdefault(post.node_id, []).append(post.user_id)
        elif post.role == Role.SERVICE_CENTRE:
            out["window"].append(post.user_id)
        elif post.role == Role.REPAIR_CENTRE:
            out["repair"].append(post.user_id)
        elif post.role == Role.COMMUNITY_ADMIN:
            out["admin"].append(post.user_id)
    return out


def build_casework(
    *,
    community: Node,
    seed: int,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    cases_per_year: int = 900,
    visit_years: float = 1,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
    save: Save = bulk_create,
) -> dict[str, int]:
    """Write a year of cases, visits and meetings for `community`; return row counts.

    The draws follow from `seed` and the community's code, and grids are taken in code
    order, so the same demo comes out whatever keys the database hands out (PostgreSQL's
    sequences run on after a reset; SQLite's start again).

    For the benchmark's volume: `cases_per_year`, `visit_years` (each household's visits
    go back that many years, with as many times the visits), `now` (the moment the history
    ends, for a run that must be the same another day), `rng` (drawn from the community's
    place in the district) and `save` (how rows are written)."""
    say = progress or (lambda _msg: None)
    ctx = _Ctx(
        community=community,
        today=today or timezone.localdate(),
        rng=rng or random.Random(f"banyan-demo:casework:{seed}:{community.code or community.pk}"),
        tz=timezone.get_current_timezone(),
        save=save,
        now=now or timezone.now(),
    )
    staff = _staff(community)
    grids = list(
        Node.objects.filter(community=community, kind=NodeKind.GRID_L2).order_by("code", "id")
    )
    households = list(
        Household.objects.filter(community=community, status="active")
        .select_related("building")
        .order_by("id")
    )
    members: dict[int, list[int]] = {}
    for pid, hid in Person.objects.filter(
        community=community, status=PersonStatus.LIVING_HERE
    ).values_list("id", "household_id"):
        members.setdefault(hid, []).append(pid)
    by_grid: dict[int, list[Household]] = {}
    for h in households:
        by_grid.setdefault(h.grid_id, []).append(h)
    fallback = (staff["admin"] or [None])[0]

    def manager(grid_id: int) -> int | None:
        return (staff["by_grid"].get(grid_id) or [fallback])[0]

    visits = _visits(ctx, by_grid, members, manager, max(1.0, visit_years))
    say(f"  casework: {len(visits):,} visits")
    cases, people, sessions = _cases(ctx, grids, by_grid, members, staff, manager, cases_per_year)
    say(f"  casework: {len(cases):,} cases")
    meetings, items = _meetings(ctx, cases, staff)
    # Events and their links, in one pass.
    save(Event, ctx.events)
    save(
        EventLink,
        [
            unsaved(EventLink, event_id=ctx.events[i].pk, household_id=h, person_id=p)
            for i, h, p in ctx.links
        ],
    )
    say(f"  casework: {len(ctx.events):,} events, {len(meetings)} committee meetings")
    return {
        "visits": len(visits),
        "cases": len(cases),
        "case_people": people,
        "mediation_sessions": sessions,
        "meetings": len(meetings),
        "agenda_items": items,
        "case_events": len(ctx.events),
    }


def _visits(ctx: _Ctx, by_grid, members, manager, years: float = 1) -> list[Visit]:
    """Most households seen within the 90-day gap, some long ago, a few never; `years`
    of history (one unless the benchmark asks for more)."""
    rng, rows = ctx.rng, []
    for grid_id, homes in by_grid.items():
        visitor = manager(grid_id)
        if visitor is None:
            continue
        for h in homes:
            roll = rng.random()
            if roll < 0.08:
                continue  # never visited: the "not visited" list has work in it
            last_gap = rng.randint(1, 80) if roll < 0.78 else rng.randint(91, 300)
            day = ctx.today - dt.timedelta(days=last_gap)
            for _ in range(round(rng.choice((1, 1, 2, 3)) * years)):
                if day < ctx.today - dt.timedelta(days=365 * years):
                    break
                purpose, about = rng.choice(PURPOSES)
                rows.append(
                    unsaved(
                        Visit,
                        community=ctx.community,
                        grid_id=grid_id,
                        household=h,
                        visited_on=day,
                        visitor_id=visitor,
                        purpose=purpose,
                        purpose_note=about,
                        heard=rng.choice(OPINIONS),
                        findings="" if rng.random() < 0.7 else "家庭情况无变化",
                        created_at=ctx.at(day),
                    )
                )
                day -= dt.timedelta(days=rng.randint(60, 150))
    ctx.save(Visit, rows)
    for v in rows:
        ctx.event(
            ctx.at(v.visited_on),
            "household_visited",
            v.visitor_id,
            None,
            {"purpose_code": v.purpose, "purpose_note": v.purpose_note, "visit": v.pk},
            household_id=v.household_id,
        )
    return rows


def _cases(ctx: _Ctx, grids, by_grid, members, staff, manager, per_year: int):
    rng = ctx.rng
    cats = {c.code: c for c in CaseCategory.objects.filter(community__isnull=True)}
    codes = [c for c in NEEDS if c in cats]
    weights = [NEEDS[c][0] for c in codes]
    now = ctx.now
    plans: list[tuple[Case, list[tuple[dt.datetime, str, int | None, dict, str]], list[int]]] = []
    for _ in range(per_year):
        code = rng.choices(codes, weights)[0]
        cat = cats[code]
        grid = rng.choice(grids)
        homes = by_grid.get(grid.pk) or []
        home = rng.choice(homes) if homes else None
        # A steady flow: a share in the last fortnight, the rest over the year.
        age_days = rng.randint(0, 14) if rng.random() < 0.18 else int(rng.triangular(0, 365, 30))
        # Never later than now: a case drawn for this afternoon is not reported yet.
        created = min(
            ctx.at(ctx.today - dt.timedelta(days=age_days)), now - dt.timedelta(minutes=30)
        )
        title = rng.choice(NEEDS[code][1])
        channel = rng.choices(
            ["visit", "phone", "walk_in", "building_head", "qr"], [35, 20, 15, 18, 12]
        )[0]
        handler = manager(grid.pk)
        case = Case(
            community=ctx.community,
            grid=grid,
            building=home.building if home else None,
            compound_id=home.building.compound_id if home and home.building else None,
            household=home,
            kind=cat.kind,
            category=cat,
            title=title,
            description=title
            + "。"
            + rng.choice(["请尽快处理。", "已经好几天了。", "老人不方便。", ""]),
            channel=channel,
            # The resident's own words, published (moderated) through Open311.
            public_text=title if channel == "qr" else "",
            entered_by_id=handler if channel in ("visit", "phone", "walk_in") else None,
            on_behalf_of="" if channel != "phone" else "电话报告",
            reporter_phone=""
            if rng.random() < 0.5
            else f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
            created_at=created,
            updated_at=created,
            due_at=created + cat.deadline,
            tracking_code=_code(rng),
        )
        steps: list[tuple[dt.datetime, str, int | None, dict, str]] = []
        person_ids = (members.get(home.pk) or [])[:1] if home else []
        _plan_life(ctx, case, cat, steps, staff, handler, now, age_days)
        plans.append((case, steps, person_ids))
    ctx.save(Case, [p[0] for p in plans])
    # Duplicates point at an earlier case of the same category in the same grid.
    seen: dict[tuple[int, str], Case] = {}
    dups = []
    for case, steps, _pids in plans:
        key = (case.grid_id, case.category.code)
        if case.state == State.DUPLICATE and key in seen:
            case.duplicate_of = seen[key]
            dups.append(case)
            for i, (when, verb, actor, data, behalf) in enumerate(steps):
                if verb == "case_duplicate":
                    steps[i] = (when, verb, actor, {**data, "original": seen[key].pk}, behalf)
        seen.setdefault(key, case)
    Case.objects.bulk_update(dups, ["duplicate_of"], batch_size=BATCH)
    people = [CasePerson(case=c, person_id=pid) for c, _s, pids in plans for pid in pids]
    ctx.save(CasePerson, people)
    sessions = []
    for case, steps, pids in plans:
        base = {"case": case.pk, "title": case.title}
        for when, verb, actor, data, behalf in steps:
            ctx.event(
                when,
                verb,
                actor,
                case,
                {**base, **data},
                household_id=case.household_id,
                person_ids=pids,
                on_behalf_of=behalf,
            )
        if case.kind == "dispute" and case.state not in (State.SUBMITTED, State.REJECTED):
            for k in range(rng.randint(1, 3)):
                held = (case.created_at + dt.timedelta(days=3 + 5 * k)).date()
                if held > ctx.today:
                    break
                sessions.append(
                    MediationSession(
                        case=case,
                        held_on=held,
                        attendees="双方当事人、网格员、楼栋长",
                        summary="双方陈述了各自诉求",
                        agreed="" if k == 0 else "双方同意轮流使用楼道，漏水部分由楼上负责维修",
                        recorded_by_id=case.mediator_id or case.entered_by_id or staff["admin"][0],
                    )
                )
    ctx.save(MediationSession, sessions)
    return [p[0] for p in plans], len(people), len(sessions)


def _plan_life(ctx, case: Case, cat: CaseCategory, steps, staff, handler, now, age_days) -> None:
    """Move the case through the workflow as far as its age makes plausible."""
    rng = ctx.rng
    t = case.created_at

    def step(
        hours: float,
        verb: str,
        actor: int | None,
        public: bool = True,
        behalf: str = "",
        **data: Any,
    ) -> dt.datetime:
        nonlocal t
        # Each step after the one before, and none after now (a case drawn late on its
        # day has its steps squeezed into the minutes before now).
        t = max(t, min(t + dt.timedelta(hours=hours), now - dt.timedelta(minutes=5)))
        note = data.pop("note", "")
        public_note = data.pop("public_note", "")
        steps.append(
            (
                t,
                verb,
                actor,
                {"public": public, "note": note, "public_note": public_note, **data},
                behalf,
            )
        )
        return t

    step(
        0,
        "case_created",
        case.entered_by_id,
        behalf=case.on_behalf_of,
        channel=case.channel,
        category=cat.name,
    )
    case.state = State.SUBMITTED
    if case.entered_by_id is None:
        if age_days < 1 and rng.random() < 0.6:
            return  # still waiting for the grid to accept
        step(rng.uniform(1, 20), "case_accepted", handler)
    case.state = State.ACCEPTED
    roll = rng.random()
    if roll < 0.03:
        step(
            rng.uniform(1, 10),
            "case_rejected",
            handler,
            note="不属于社区职责范围，已告知居民",
            public_note="不属于社区职责范围",
        )
        case.state, case.closed_at, case.public_note = State.REJECTED, t, "不属于社区职责范围"
        return
    if roll < 0.07:
        step(rng.uniform(1, 5), "case_duplicate", handler, original=None)
        case.state, case.closed_at = State.DUPLICATE, t
        return
    route = cat.default_route
    assignee = {
        "repair": (staff["repair"] or [None])[0],
        "window": (staff["window"] or [None])[0],
    }.get(route, handler)
    step(
        rng.uniform(1, 24),
        "case_assigned",
        handler,
        route=route,
    )
    case.state, case.route, case.assignee_id = State.ASSIGNED, route, assignee
    if cat.kind == "dispute":
        case.mediator_id = handler
    hours_needed = cat.deadline_hours * rng.uniform(0.3, 1.6)
    stuck = age_days < 30 and rng.random() < 0.2  # open past its deadline: the overdue list
    if age_days * 24 < hours_needed or stuck:
        # Still being worked on: some started, some suspended, some escalated.
        r = rng.random()
        if r < 0.5:
            step(rng.uniform(1, 12), "case_started", assignee)
            case.state = State.IN_PROGRESS
        elif r < 0.62:
            step(rng.uniform(1, 12), "case_suspended", assignee, note="等待配件")
            case.state, case.state_before_suspend = State.SUSPENDED, State.ASSIGNED
            case.suspended_since = t
        elif r < 0.7:
            step(
                rng.uniform(1, 12),
                "case_escalated",
                handler,
                public=False,
                note="涉及多个部门，需党总支会议协调",
            )
            case.state = State.ESCALATED
        case.updated_at = t
        return
    step(rng.uniform(1, 12), "case_started", assignee)
    step(hours_needed, "case_resolved", assignee, note="已处理完毕", public_note="已处理完毕")
    case.state, case.resolved_at = State.RESOLVED, t
    case.public_note = "已处理完毕"
    if (now - t).days < 20 and rng.random() < 0.15:
        step(
            rng.uniform(10, 60),
            "case_reopened",
            None,
            note="问题又出现了",
            public_note="问题又出现了",
        )
        case.state, case.resolved_at = State.REOPENED, None
        case.updated_at = t
        return
    days_since = (now - t).days
    if days_since < settings.BANYAN_AUTO_CLOSE_DAYS and rng.random() < 0.6:
        case.updated_at = t
        return  # waiting for the resident's word
    if not cat.needs_confirmation or rng.random() < 0.3:
        step(
            24 * settings.BANYAN_AUTO_CLOSE_DAYS,
            "case_auto_closed",
            None,
            days=settings.BANYAN_AUTO_CLOSE_DAYS,
        )
    else:
        rating = rng.choices([5, 4, 3, 2, 1], [60, 25, 9, 4, 2])[0]
        words = rng.choice(["谢谢网格员", "处理及时", "很满意", ""])
        step(
            rng.uniform(2, 72),
            "case_confirmed",
            None,
            rating=rating,
            note=words,
            public_note=words,
        )
        case.rating = rating
    case.state, case.closed_at, case.updated_at = State.CLOSED, t, t


def _meetings(ctx: _Ctx, cases: list[Case], staff) -> tuple[list[Meeting], int]:
    """A committee meeting each month; escalated cases of that month on its agenda."""
    admin = (staff["admin"] or [None])[0]
    if admin is None:
        return [], 0
    meetings = []
    for k in range(12, 0, -1):
        first = (ctx.today.replace(day=1) - dt.timedelta(days=30 * k)).replace(day=1)
        held = first + dt.timedelta(days=ctx.rng.randint(2, 8))
        if held >= ctx.today:
            continue
        meetings.append(
            Meeting(
                community=ctx.community,
                held_on=held,
                title=f"{held.month}月党总支会议",
                attendees="党总支班子成员、各网格长",
                agenda="研究各网格上报情况；协调疑难诉求",
                closed=True,
                created_by_id=admin,
            )
        )
    ctx.save(Meeting, meetings)
    items = []
    for m in meetings:
        for i, grid_no in enumerate(ctx.rng.sample(range(1, 9), 3)):
            items.append(
                AgendaItem(
                    meeting=m,
                    title=f"第{grid_no}网格本月情况汇报",
                    sort_order=i,
                    report="走访户数、收集诉求与办结情况",
                    decision="other",
                    decision_note="请各网格继续做好走访",
                    decided_at=ctx.at(m.held_on, 16),
                )
            )
    ctx.save(AgendaItem, items)
    return meetings, len(items)
