"""The demo community's party organisation, written in bulk.

From the seed's first chapter: a general branch and 8 branches (one per L1 grid),
253 members — residents, laid-off workers of restructured enterprises, members working
away, returned graduates — 47 of them once lost and found again after a patient search,
311 in-service members from city and district units, and a year of care: monthly calls
to mobile members, two home visits a year, hospital visits, a themed party day per
branch per month with photos and attendance. The history has realistic gaps, so that
some obligations are overdue today.

Rows look exactly as the services would have left them (with their events), but are
written with bulk_create. Deterministic for a seed; dates relative to `today`.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone
from PIL import Image, ImageDraw

from banyan.accounts.models import Post
from banyan.accounts.roles import Role
from banyan.common.images import clean_photo, store_photo
from banyan.demo import names
from banyan.demo.builder.sink import unsaved
from banyan.places.models import Node, NodeKind
from banyan.registry.models import Person, PersonStatus
from banyan.timeline.models import Event

from .models import (
    Attempt,
    Attendance,
    Contact,
    ContactStatus,
    Lead,
    Member,
    MemberEvent,
    MemberPeriod,
    Membership,
    Org,
    OrgKind,
    PartySettings,
    PeriodKind,
    Registration,
    RegistrationState,
    ServiceEntry,
    Support,
    ThemedDay,
    ThemedDayPhoto,
    TracingCase,
    TriggerKind,
)
from .workflow import TracingState

BATCH = 2000

# How rows are written: (model, unsaved instances) -> the instances, saved with their keys.
Save = Callable[[type[models.Model], list[Any]], Any]


def bulk_create(model: type[models.Model], objs: list[Any]) -> Any:
    return model._default_manager.bulk_create(objs, batch_size=BATCH)


MEMBERS = 253
FOUND = 47
LOST_NOW = 2
IN_SERVICE = 311
CHINESE_NUMBERS = "一二三四五六七八九十"

RESTRUCTURED_UNITS = [
    "思茅皮鞋厂",
    "普洱茶厂",
    "思茅糖厂",
    "思茅木材公司",
    "地区运输公司",
    "思茅纺织厂",
    "普洱卷烟配套厂",
    "思茅供销社",
]
CITY_UNITS = [
    "普洱市财政局",
    "普洱市人民医院",
    "普洱市教育体育局",
    "普洱市司法局",
    "普洱市住房和城乡建设局",
    "普洱市市场监督管理局",
    "普洱市公安局",
    "普洱市民政局",
    "普洱学院",
    "普洱市税务局",
]
DISTRICT_UNITS = [
    "思茅区人民医院",
    "思茅区第一中学",
    "思茅区人力资源和社会保障局",
    "思茅区司法局",
    "思茅区卫生健康局",
    "思茅区城市管理局",
    "思茅区妇幼保健院",
    "思茅区应急管理局",
    "思茅区医疗保障局",
]
SKILLS = [
    ("理发", "red"),
    ("法律咨询", "blue"),
    ("健康检查", "white"),
    ("中医推拿", "white"),
    ("家电维修", "red"),
    ("垃圾分类宣传", "green"),
    ("书法教学", "red"),
    ("心理疏导", "white"),
    ("政策宣讲", "red"),
    ("绿化养护", "green"),
    ("人民调解", "blue"),
]
THEMES = [
    "重温入党誓词",
    "学习新党章",
    "“不忘初心、牢记使命”主题教育",
    "学雷锋志愿服务",
    "清洁家园大扫除",
    "走访慰问困难党员",
    "党史学习",
    "网格走访，倾听群众心声",
    "垃圾分类宣传",
    "为民办实事",
    "消防安全检查",
    "七一表彰大会",
]
SUPPORT = [
    ("housing", "协调住处"),
    ("dibao", "申请低保"),
    ("pension", "办理退休手续"),
    ("family", "调解与子女的矛盾"),
    ("health", "联系医院复查"),
]
FESTIVALS = [
    (1, 25, "春节问候"),
    (6, 10, "端午问候"),
    (7, 1, "七一慰问"),
    (9, 17, "中秋问候"),
    (10, 11, "重阳节问候"),
]
JINGHONG_ROADS = ["嘎兰路", "宣慰大道", "勐泐大道"]
HOSPITALS = ["普洱市人民医院", "思茅区人民医院", "普洱市中医医院"]
ATTEMPT_RESULTS = [
    ("unit_records", "查阅原单位档案，找到最后登记住址", False),
    ("phone", "原登记电话已停机", False),
    ("relatives", "通过亲属了解到在外务工", False),
    ("visit", "上门走访，邻居说已搬走", False),
    ("phone", "联系上本人，同意回社区见面", True),
    ("visit", "在老家见到本人，核对了党员证", True),
]


def _name(rng: random.Random, male: bool) -> str:
    surnames, weights = zip(*names.SURNAMES, strict=True)
    surname = rng.choices(surnames, weights=weights)[0]
    given = rng.choice(names.GIVEN_MID_MALE if male else names.GIVEN_MID_FEMALE)
    return surname + given


def _phone(rng: random.Random) -> str:
    return rng.choice(["139", "138", "137", "158", "187", "152"]) + f"{rng.randrange(10**8):08d}"


def _day_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for k in range(months, -1, -1):
        index = first.year * 12 + first.month - 1 - k
        out.append(dt.date(index // 12, index % 12 + 1, 1))
    return out


def _month_end(day: dt.date) -> dt.date:
    nxt = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _photo(rng: random.Random, label: int) -> ContentFile:
    """A small placeholder picture (a red banner over a crowd of dots) for a themed day."""
    image = Image.new("RGB", (480, 320), (236, 230, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 30, 440, 90), fill=(190, 30, 35))
    for _ in range(40):
        x, y = rng.randrange(40, 440), rng.randrange(130, 300)
        draw.ellipse((x, y, x + 18, y + 18), fill=(rng.randrange(40, 120),) * 3)
    draw.rectangle((60, 50, 60 + (label % 8) * 40 + 60, 70), fill=(250, 210, 80))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return ContentFile(out.getvalue(), name="photo.jpg")


def build_party(
    *,
    community: Node,
    seed: int,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    photos: bool = True,
    years: int = 1,
    greetings: bool = False,
    rng: random.Random | None = None,
    save: Save = bulk_create,
) -> dict[str, int]:
    """Write the party organisation of `community` and its care since January `years`
    years ago (one by default; more for the benchmark's volume); return row counts.
    `greetings` adds the festival messages a branch sends every member each year, and
    `rng` replaces the generator seeded from `seed` and the community's code, and `save`
    is how rows are written (all three for the benchmark: volume, the same data from a
    district built in parallel, COPY)."""
    say = progress or (lambda _msg: None)
    today = today or timezone.localdate()
    rng = rng or random.Random(f"banyan-demo:party:{seed}:{community.code or community.pk}")
    tz = timezone.get_current_timezone()
    events: list[Event] = []

    def event(day: dt.date, verb: str, actor: int | None, subject: str, data: dict) -> None:
        events.append(
            unsaved(
                Event,
                community=community,
                verb=verb,
                occurred_on=day,
                recorded_at=dt.datetime(day.year, day.month, day.day, 18, tzinfo=tz),
                actor_id=actor,
                summary=str(data.get("name") or data.get("theme") or verb)[:300],
                data=data,
                sensitive=True,
                subject_type=subject,
            )
        )

    # --- the tree ------------------------------------------------------------------------
    grids = list(
        Node.objects.filter(community=community, kind=NodeKind.GRID_L1).order_by("sort_order", "id")
    )
    general = Org.objects.create(
        community=community,
        kind=OrgKind.GENERAL,
        name=f"{community.name}党总支",
        node=community,
        active_from=dt.date(2008, 1, 1),
    )
    branches = Org.objects.bulk_create(
        Org(
            community=community,
            kind=OrgKind.BRANCH,
            name=f"第{CHINESE_NUMBERS[i] if i < 10 else i + 1}党支部",
            parent=general,
            node=grid,
            sort_order=i + 1,
            active_from=dt.date(2012, 1, 1),
        )
        for i, grid in enumerate(grids)
    )
    groups = Org.objects.bulk_create(
        Org(
            community=community,
            kind=OrgKind.GROUP,
            name=f"{b.name}第{CHINESE_NUMBERS[j]}党小组",
            parent=b,
            node=b.node,
            sort_order=j + 1,
            active_from=dt.date(2012, 1, 1),
        )
        for b in branches
        for j in range(2)
    )
    groups_of = {b.pk: [g for g in groups if g.parent_id == b.pk] for b in branches}
    PartySettings.objects.get_or_create(community=community)
    posts = list(Post.objects.filter(community=community, active=True).select_related("node"))
    secretary_of = {p.node_id: p.user_id for p in posts if p.role == Role.BRANCH_SECRETARY}
    admin = next((p.user_id for p in posts if p.role == Role.COMMUNITY_ADMIN), None)

    def keeper(branch: Org) -> int | None:
        return secretary_of.get(branch.node_id, admin)

    # --- members --------------------------------------------------------------------------
    people = list(
        Person.objects.filter(community=community, status=PersonStatus.LIVING_HERE)
        .select_related("grid")
        .order_by("id")
        .values_list("id", "name", "gender", "birth_date", "phone", "grid__parent_id")
    )
    adults = [p for p in people if (today - p[3]).days > 23 * 365]
    rng.shuffle(adults)
    by_l1: dict[int, list[tuple]] = {}
    for p in adults:
        by_l1.setdefault(p[5], []).append(p)
    used: set[int] = set()
    rows: list[Member] = []
    n_branches = max(len(branches), 1)
    for i in range(MEMBERS):
        branch = branches[i % n_branches] if branches else general
        pool = by_l1.get(branch.node_id, [])
        person = None
        if rng.random() < 0.8:
            # Most live in the branch's grid; some moved to another grid and kept the branch.
            source = pool if rng.random() < 0.85 or not adults else adults
            while source:
                candidate = source.pop()
                if candidate[0] not in used:
                    person = candidate
                    used.add(candidate[0])
                    break
        male = rng.random() < 0.55 if person is None else person[2] == "M"
        birth = person[3] if person else dt.date(rng.randint(1940, 1995), rng.randint(1, 12), 1)
        age = (today - birth).days // 365
        joined_party = dt.date(
            min(birth.year + rng.randint(20, 38), today.year - 1), rng.randint(1, 12), 1
        )
        joined_on = _day_between(
            rng, max(joined_party, dt.date(2008, 1, 1)), today - dt.timedelta(days=90)
        )
        restructured = age >= 45 and rng.random() < 0.3
        address = ""
        if person is None:
            address = rng.choice(
                [
                    f"思茅区{rng.choice(names.STREETS_PUER)}{rng.randint(1, 300)}号",
                    f"思茅区{rng.choice(names.VILLAGES)}村",
                    f"景洪市{rng.choice(JINGHONG_ROADS)}{rng.randint(1, 200)}号",
                ]
            )
        rows.append(
            Member(
                community=community,
                branch=branch,
                group=rng.choice(groups_of.get(branch.pk) or [None]),
                person_id=person[0] if person else None,
                name=person[1] if person else _name(rng, male),
                phone=(person[4] if person and person[4] else _phone(rng)),
                address=address,
                membership=Membership.PROBATIONARY if i % 31 == 7 else Membership.FORMAL,
                joined_party_on=joined_party,
                joined_on=joined_on,
                retired=age >= 60 or (restructured and age >= 55),
                restructured=restructured,
                former_unit=rng.choice(RESTRUCTURED_UNITS) if restructured else "",
            )
        )
    # Those once lost: the laid-off of restructured enterprises first, as in the seed.
    order = sorted(range(len(rows)), key=lambda k: (not rows[k].restructured, rng.random()))
    found_idx = order[:FOUND]
    lost_idx = order[FOUND : FOUND + LOST_NOW]
    found_dates: dict[int, tuple[dt.date, dt.date]] = {}
    for rank, k in enumerate(found_idx):
        m = rows[k]
        # The three-year search (2009–2012), two found only this year.
        back = (
            _day_between(rng, today - dt.timedelta(days=150), today - dt.timedelta(days=20))
            if rank < 2
            else _day_between(rng, dt.date(2009, 3, 1), dt.date(2012, 12, 20))
        )
        lost = min(
            _day_between(rng, dt.date(2000, 1, 1), back - dt.timedelta(days=400)), m.joined_on
        )
        m.joined_on = min(m.joined_on, lost - dt.timedelta(days=30))
        m.contact_status, m.found_on = ContactStatus.FOUND, back
        found_dates[k] = (lost, back)
    for k in lost_idx:
        rows[k].contact_status = ContactStatus.LOST
        rows[k].mobile = False
    # Mobile members: working away, phoned monthly.
    candidates = [
        k
        for k in range(len(rows))
        if k not in lost_idx and not rows[k].retired and rows[k].person_id is None
    ] + [k for k in range(len(rows)) if k not in lost_idx and not rows[k].retired]
    mobile_idx: list[int] = []
    for k in candidates:
        if k not in mobile_idx and len(mobile_idx) < 32:
            mobile_idx.append(k)
    mobile_since: dict[int, dt.date] = {}
    for k in mobile_idx:
        m = rows[k]
        m.mobile = True
        m.mobile_where = rng.choice([*names.WORK_AWAY, "打洛口岸", "澜沧县"])
        m.mobile_reach = rng.choice(["微信", "电话", "微信群", "家属转告"])
        mobile_since[k] = _day_between(
            rng, max(m.joined_on, today - dt.timedelta(days=2200)), today - dt.timedelta(days=400)
        )
    save(Member, rows)
    for m in rows:
        event(
            m.joined_on,
            "party_member_added",
            admin,
            "member",
            {"name": m.name, "branch": m.branch.name},
        )
    say(f"  party: {len(branches)} branches, {len(rows)} members")

    periods: list[MemberPeriod] = []
    for k, since in mobile_since.items():
        periods.append(
            MemberPeriod(
                community=community,
                member=rows[k],
                kind=PeriodKind.MOBILE,
                start=since,
                note=rows[k].mobile_where,
            )
        )
    # --- tracing: 47 found, 2 still being looked for --------------------------------------
    cases: list[TracingCase] = []
    case_steps: list[tuple[TracingCase, dt.date, dt.date | None, Member]] = []
    for k, (lost, back) in found_dates.items():
        m = rows[k]
        periods.append(
            MemberPeriod(
                community=community,
                member=m,
                kind=PeriodKind.LOST,
                start=lost,
                end=back - dt.timedelta(days=1),
                note=f"{m.former_unit}改制后失联" if m.former_unit else "长期在外失联",
            )
        )
        opened = max(lost + dt.timedelta(days=30), back - dt.timedelta(days=rng.randint(60, 900)))
        verified = back - dt.timedelta(days=rng.randint(1, 20))
        case = TracingCase(
            community=community,
            member=m,
            state=TracingState.RETURNED,
            lost_since=lost,
            opened_on=opened,
            opened_by_id=admin,
            verified_on=verified,
            verified_how=rng.choice(
                ["核对身份证和党员证", "原单位党组织出具证明", "支部名册及本人陈述"]
            ),
            returned_on=back,
        )
        cases.append(case)
        case_steps.append((case, opened, verified, m))
    for k in lost_idx:
        m = rows[k]
        lost = _day_between(rng, today - dt.timedelta(days=900), today - dt.timedelta(days=200))
        periods.append(
            MemberPeriod(community=community, member=m, kind=PeriodKind.LOST, start=lost)
        )
        case = TracingCase(
            community=community,
            member=m,
            state=TracingState.OPEN,
            lost_since=lost,
            opened_on=lost + dt.timedelta(days=45),
            opened_by_id=admin,
        )
        cases.append(case)
        case_steps.append((case, case.opened_on, None, m))
    save(MemberPeriod, periods)
    save(TracingCase, cases)
    leads: list[Lead] = []
    attempts: list[Attempt] = []
    supports: list[Support] = []
    for case, opened, verified, m in case_steps:
        leads.append(
            Lead(
                community=community,
                case=case,
                kind="former_unit" if m.former_unit else "address",
                detail=(
                    f"原单位：{m.former_unit}"
                    if m.former_unit
                    else f"原住址：{m.address or '社区老宿舍'}"
                ),
                added_on=opened,
            )
        )
        if rng.random() < 0.6:
            leads.append(
                Lead(
                    community=community,
                    case=case,
                    kind="relative",
                    detail=rng.choice(["其女儿在昆明工作", "其兄住在倒生根村", "老同事知道其去向"]),
                    added_on=opened + dt.timedelta(days=rng.randint(1, 30)),
                )
            )
        end = verified or today
        tries = rng.randint(2, 5)
        days = sorted(_day_between(rng, opened, end) for _ in range(tries))
        for n, day in enumerate(days):
            last = n == len(days) - 1 and verified is not None
            method, result, reached = (
                rng.choice([a for a in ATTEMPT_RESULTS if a[2]])
                if last
                else rng.choice([a for a in ATTEMPT_RESULTS if not a[2]])
            )
            attempts.append(
                Attempt(
                    community=community,
                    case=case,
                    tried_on=day,
                    method=method,
                    result=result,
                    reached=reached,
                    by_id=keeper(m.branch),
                )
            )
        if verified is not None:
            for kind, note in rng.sample(SUPPORT, rng.randint(1, 2)):
                supports.append(
                    Support(
                        community=community,
                        case=case,
                        kind=kind,
                        note=note,
                        done_on=min(
                            case.returned_on + dt.timedelta(days=rng.randint(5, 120)), today
                        ),
                    )
                )
            event(
                case.returned_on,
                "party_tracing_returned",
                admin,
                "tracingcase",
                {"name": m.name, "case": case.pk},
            )
        event(
            opened,
            "party_member_lost",
            admin,
            "tracingcase",
            {"name": m.name, "case": case.pk, "since": case.lost_since.isoformat()},
        )
    save(Lead, leads)
    save(Attempt, attempts)
    save(Support, supports)
    say(f"  party: {len(cases)} tracing cases ({FOUND} found), {len(attempts)} attempts")

    # --- in-service members ---------------------------------------------------------------
    in_service: list[Member] = []
    registrations: list[Registration] = []
    for i in range(IN_SERVICE):
        city = rng.random() < 0.45
        unit = rng.choice(CITY_UNITS if city else DISTRICT_UNITS)
        skill, team = rng.choice(SKILLS)
        reported = _day_between(
            rng, today - dt.timedelta(days=5 * 365), today - dt.timedelta(days=14)
        )
        male = rng.random() < 0.5
        branch = branches[i % n_branches] if branches else general
        in_service.append(
            Member(
                community=community,
                branch=branch,
                name=_name(rng, male),
                phone=_phone(rng),
                address=f"{rng.choice(names.STREETS_PUER)}{rng.randint(1, 300)}号",
                joined_party_on=dt.date(rng.randint(1990, 2018), rng.randint(1, 12), 1),
                joined_on=reported,
                membership="",  # kept by their work unit (双报到)
                in_service=True,
                unit=unit,
                unit_level="city" if city else "district",
                reported_on=reported,
                skills=skill,
                team=team,
            )
        )
    save(Member, in_service)
    for m in in_service:
        registrations.append(
            Registration(
                community=community,
                name=m.name,
                phone=m.phone,
                unit=m.unit,
                unit_level=m.unit_level,
                skills=m.skills,
                team=m.team,
                address=m.address,
                state=RegistrationState.APPROVED,
                submitted_at=dt.datetime(
                    m.reported_on.year, m.reported_on.month, m.reported_on.day, 9, tzinfo=tz
                ),
                decided_at=dt.datetime(
                    m.reported_on.year, m.reported_on.month, m.reported_on.day, 16, tzinfo=tz
                ),
                decided_by_id=admin,
                member=m,
            )
        )
    for i in range(4):  # waiting for the secretary's approval
        skill, team = rng.choice(SKILLS)
        registrations.append(
            Registration(
                community=community,
                name=_name(rng, i % 2 == 0),
                phone=_phone(rng),
                unit=rng.choice(CITY_UNITS + DISTRICT_UNITS),
                unit_level=rng.choice(["city", "district"]),
                skills=skill,
                team=team,
                submitted_at=timezone.now() - dt.timedelta(days=i + 1),
            )
        )
    save(Registration, registrations)
    service = [
        ServiceEntry(
            community=community,
            member=m,
            served_on=_day_between(
                rng, max(m.reported_on or today, today - dt.timedelta(days=365)), today
            ),
            activity=f"{m.skills}志愿服务",
            hours=rng.choice([1, 1.5, 2, 2, 3, 4]),
            recorded_by_id=admin,
        )
        for m in in_service
        for _ in range(rng.randint(0, 4))
    ]
    save(ServiceEntry, service)
    say(f"  party: {len(in_service)} in-service members, {len(service)} service entries")

    # --- demo logins: the party member and the in-service member --------------------------
    for post in posts:
        if post.role == Role.PARTY_MEMBER:
            target = next(
                (m for m in rows if m.person_id and m.contact_status != ContactStatus.LOST), None
            )
        elif post.role == Role.INSERVICE_MEMBER:
            target = in_service[0] if in_service else None
        else:
            continue
        if target is not None and target.user_id is None:
            Member.objects.filter(pk=target.pk).update(user_id=post.user_id)
            target.user_id = post.user_id

    # --- a year of care -------------------------------------------------------------------
    start = dt.date(today.year - max(years, 1), 1, 1)
    months = _month_starts(today, (today.year - start.year) * 12 + today.month - 1)
    contacts: list[Contact] = []
    admissions: list[MemberEvent] = []

    def add(m: Member, kind: str, day: dt.date, note: str = "") -> None:
        if day > today or day < m.joined_on:
            return
        contacts.append(
            unsaved(
                Contact,
                community=community,
                member=m,
                kind=kind,
                contacted_on=day,
                by_id=keeper(m.branch),
                notes=note,
            )
        )

    lost_set = {rows[k].pk for k in lost_idx}
    # A few mobile members nobody has rung lately: they show as overdue.
    neglected = set(rng.sample(mobile_idx, min(5, len(mobile_idx))))
    # …one of them in the first branch, so that branch1's list has one to ring today.
    first_branch = [k for k in mobile_idx if branches and rows[k].branch_id == branches[0].pk]
    neglected |= set(first_branch[:1])
    for k in mobile_idx:
        m = rows[k]
        for month in months:
            if month < mobile_since[k].replace(day=1):
                continue
            last_months = month >= months[-2]
            if k in neglected and last_months:
                continue
            if rng.random() < 0.08:
                continue  # a month without a call
            day = _day_between(rng, month, _month_end(month))
            if rng.random() < 0.07:  # rung a few days late
                day = _month_end(month) + dt.timedelta(days=rng.randint(1, 6))
            add(
                m, "call", day, rng.choice(["工作顺利", "身体健康", "春节回家", "询问社保缴费", ""])
            )
    visited_well = [m for m in rows if m.pk not in lost_set]
    for m in visited_well:
        for year in range(start.year, today.year + 1):
            h1 = (dt.date(year, 1, 1), dt.date(year, 6, 30))
            h2 = (dt.date(year, 7, 1), dt.date(year, 12, 31))
            for lo, hi in (h1, h2):
                roll = rng.random()
                if roll < 0.78:
                    add(m, "home_visit", _day_between(rng, lo, hi))
                elif roll < 0.88:  # late: in the weeks after the half-year
                    add(
                        m,
                        "home_visit",
                        _day_between(rng, hi + dt.timedelta(days=1), hi + dt.timedelta(days=50)),
                    )
        if rng.random() < 0.25:
            add(m, "message", _day_between(rng, today - dt.timedelta(days=300), today), "节日问候")
    if greetings:
        # Greetings for the festivals and on each member's "political birthday" (the day
        # they joined the party), to every member the branch has not lost, most years.
        for m in visited_well:
            joined = m.joined_party_on or m.joined_on
            for year in range(start.year, today.year + 1):
                for f_month, f_day, note in FESTIVALS:
                    if rng.random() < 0.9:
                        add(m, "message", dt.date(year, f_month, f_day), note)
                birthday = dt.date(year, joined.month, min(joined.day, 28))
                add(m, "message", birthday, "政治生日祝福")
    # Hospital admissions: most visited within three days, some late, a few missed.
    sick = rng.sample(
        [m for m in visited_well if m.retired] or visited_well, min(30, len(visited_well))
    )
    for n, m in enumerate(sick):
        admitted = (
            today - dt.timedelta(days=rng.randint(0, 2))
            if n < 2
            else _day_between(rng, start, today - dt.timedelta(days=5))
        )
        if admitted < m.joined_on:
            continue
        admissions.append(
            MemberEvent(
                community=community,
                member=m,
                kind=TriggerKind.HOSPITAL_ADMISSION,
                occurred_on=admitted,
                note=rng.choice(HOSPITALS),
                recorded_by_id=keeper(m.branch),
            )
        )
        if n < 2:
            continue  # admitted in the last days: the visit is still due
        roll = rng.random()
        if roll < 0.75:
            add(m, "hospital_visit", admitted + dt.timedelta(days=rng.randint(0, 3)), "带去慰问品")
        elif roll < 0.9:
            add(m, "hospital_visit", admitted + dt.timedelta(days=rng.randint(4, 6)))
    save(Contact, contacts)
    save(MemberEvent, admissions)
    for c in contacts:
        event(
            c.contacted_on,
            "party_contact",
            c.by_id,
            "contact",
            {"name": c.member.name, "kind": c.kind, "member_id": c.member.pk},
        )
    say(f"  party: {len(contacts):,} contacts, {len(admissions)} hospital admissions")

    # --- themed days ----------------------------------------------------------------------
    days: list[ThemedDay] = []
    # Two branches (the first among them) have not posted last month's themed day.
    skip_last = {0, rng.randrange(1, len(branches))} if len(branches) > 1 else {0}
    for b_index, branch in enumerate(branches):
        for month in months:
            if month == months[-1] and today.day < 12:
                continue  # this month's is still to come
            if month >= months[-2] and b_index in skip_last:
                continue  # none posted last month nor yet this month: overdue now
            if rng.random() < 0.04:
                continue
            held = min(_day_between(rng, month, month + dt.timedelta(days=9)), today)
            days.append(
                ThemedDay(
                    community=community,
                    branch=branch,
                    held_on=held,
                    theme=THEMES[(held.month + b_index) % len(THEMES)],
                    content="支部书记主持，全体党员参加；活动图文已发送到党员微信群。",
                    posted_by_id=keeper(branch),
                    posted_at=dt.datetime(held.year, held.month, held.day, 20, tzinfo=tz),
                )
            )
    save(ThemedDay, days)
    members_of: dict[int, list[Member]] = {}
    for m in rows:
        if m.pk not in lost_set:
            members_of.setdefault(m.branch_id, []).append(m)
    attendance: list[Attendance] = []
    for day in days:
        for m in members_of.get(day.branch_id, []):
            if m.joined_on > day.held_on:
                continue
            roll = rng.random()
            presence = "present" if roll < 0.72 else "excused" if roll < 0.88 else "absent"
            if m.mobile and presence == "present" and rng.random() < 0.8:
                presence = "excused"
            attendance.append(
                unsaved(
                    Attendance, community=community, themed_day=day, member=m, presence=presence
                )
            )
        event(
            day.held_on,
            "party_themed_day",
            day.posted_by_id,
            "themedday",
            {"branch": day.branch.name, "theme": day.theme, "photos": 0},
        )
    save(Attendance, attendance)
    photo_rows = 0
    if photos:
        recent = [d for d in days if d.held_on >= months[-3]]
        for n, day in enumerate(recent):
            for j in range(2):
                photo = ThemedDayPhoto(
                    community=community, themed_day=day, uploaded_by_id=day.posted_by_id
                )
                store_photo(photo, clean_photo(_photo(rng, n + j)))
                photo.save()
                photo_rows += 1
    save(Event, events)
    say(
        f"  party: {len(days)} themed days, {len(attendance):,} attendance marks,"
        f" {photo_rows} photos"
    )
    return {
        "party_orgs": 1 + len(branches) + len(groups),
        "party_members": len(rows),
        "inservice_members": len(in_service),
        "party_registrations": len(registrations),
        "party_tracing_cases": len(cases),
        "party_contacts": len(contacts),
        "party_admissions": len(admissions),
        "themed_days": len(days),
        "themed_day_attendance": len(attendance),
        "themed_day_photos": photo_rows,
        "party_events": len(events),
    }
