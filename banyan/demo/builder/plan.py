"""Planning a whole community: its grids, compounds, buildings and homes, who lives in
them (people.py), their categories, the building heads and the mapped facilities.

Deterministic for (seed, index, total): nothing is shared between communities, so any
number of processes can plan them in any order and get the same people.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from typing import Any

from django.utils import timezone

from banyan.common.ordering import household_sort_key, natural_key
from banyan.places.models import Building, Compound, Facility, Node, NodeKind, PropertyManagement
from banyan.registry.models import Gender, Household, PersonStatus, Relation, ResidenceType

from .. import names as N
from .layout import (
    ARTICLE_DATE,
    BIG_COMPOUND_HOUSEHOLDS,
    BUILDING_HEADS,
    COMMUNITIES_PER_STREET,
    COMPOUNDS_WITHOUT_MANAGEMENT,
    DISTRICT_CODE,
    FLOATING_TARGET,
    GRID1_OLD_COMPOUNDS,
    L1_GRIDS,
    L1_NAMES,
    L2_PER_L1,
    OTHER_COMPOUNDS,
    Box,
    _age,
    _centre,
    _days,
    _dec,
    _l1_box,
    _l2_box,
    _polygon,
    _slot,
    _years_after,
    community_box,
    community_names,
)
from .people import (
    CategoryPlan,
    CommunityPlan,
    Context,
    HouseholdPlan,
    PersonPlan,
    _Planner,
)


def _factory_of(compound_name: str) -> str:
    base = compound_name.removesuffix("小区").removesuffix("宿舍")
    return f"思茅{base}"


def plan_community(ctx: Context, index: int, street: Node | None) -> CommunityPlan:
    """Plan one community as unsaved model instances. Deterministic for (seed, index)."""
    pl = _Planner(ctx, index, street)
    rng = pl.rng
    name = community_names(ctx.total)[index]
    comm_box = community_box(index, ctx.total)
    clat, clng = _centre(comm_box)
    street_code = street.code if street is not None else DISTRICT_CODE + "001"
    community = Node(
        kind=NodeKind.COMMUNITY,
        name=name,
        code=f"{street_code}{index % COMMUNITIES_PER_STREET + 1:03d}",
        parent=street,
        geometry=_polygon(comm_box),
        lat=clat,
        lng=clng,
        sort_order=index + 1,
    )
    l1: list[Node] = []
    l2: list[Node] = []
    l2_boxes: dict[str, Box] = {}
    for k in range(L1_GRIDS):
        box = _l1_box(comm_box, k)
        lat, lng = _centre(box)
        grid = Node(
            kind=NodeKind.GRID_L1,
            name=L1_NAMES[k],
            code=str(k + 1),
            parent=community,
            community=community,
            geometry=_polygon(box),
            lat=lat,
            lng=lng,
            sort_order=k + 1,
        )
        l1.append(grid)
        for j in range(L2_PER_L1):
            sub = _l2_box(box, j)
            lat, lng = _centre(sub)
            code = f"{k + 1}-{j + 1}"
            l2.append(
                Node(
                    kind=NodeKind.GRID_L2,
                    name=f"{L1_NAMES[k]}第{j + 1}片区",
                    code=code,
                    parent=grid,
                    community=community,
                    geometry=_polygon(sub),
                    lat=lat,
                    lng=lng,
                    sort_order=j + 1,
                )
            )
            l2_boxes[code] = sub
    by_code = {g.code: g for g in l2}

    # Compounds: (name, L2 code, year built, management, target households).
    seed_community = index == 0
    if seed_community:
        grid1_names = list(N.OLD_COMPOUNDS_SEED)
        other_old_pool = list(N.OLD_COMPOUNDS_MORE)
    else:
        pool = N.OLD_COMPOUNDS_SEED[1:] + N.OLD_COMPOUNDS_MORE
        pool = rng.sample(pool, len(pool))
        grid1_names, other_old_pool = pool[:GRID1_OLD_COMPOUNDS], pool[GRID1_OLD_COMPOUNDS:]
    specs: list[dict[str, Any]] = []
    for i, cname in enumerate(grid1_names):
        specs.append(
            {
                "name": cname,
                "grid": f"1-{i % L2_PER_L1 + 1}",
                "year": 1986 if i == 0 else rng.randint(1978, 1996),
                "pm": PropertyManagement.NONE,
                "target": BIG_COMPOUND_HOUSEHOLDS if i == 0 else rng.randint(22, 60),
                "big": i == 0,
            }
        )
    other_grids = [g.code for g in l2 if not g.code.startswith("1-")]
    slots = other_grids * 2 + rng.sample(other_grids, OTHER_COMPOUNDS - 2 * len(other_grids))
    rng.shuffle(slots)
    unmanaged_elsewhere = COMPOUNDS_WITHOUT_MANAGEMENT - GRID1_OLD_COMPOUNDS
    old_names = rng.sample(other_old_pool, unmanaged_elsewhere)
    new_names = [w + s for w in N.NEW_COMPOUND_WORDS for s in N.NEW_COMPOUND_SUFFIXES]
    new_names = rng.sample(new_names, OTHER_COMPOUNDS - unmanaged_elsewhere)
    for i, code in enumerate(slots):
        if i < unmanaged_elsewhere:
            specs.append(
                {
                    "name": old_names[i],
                    "grid": code,
                    "year": rng.randint(1980, 1998),
                    "pm": PropertyManagement.NONE,
                    "target": rng.randint(25, 70),
                    "big": False,
                }
            )
        else:
            year = rng.randint(1996, 2019)
            pm = (
                PropertyManagement.SELF
                if year < 2004 and rng.random() < 0.6
                else (
                    PropertyManagement.COMPANY if rng.random() < 0.85 else PropertyManagement.SELF
                )
            )
            specs.append(
                {
                    "name": new_names[i - unmanaged_elsewhere],
                    "grid": code,
                    "year": year,
                    "pm": pm,
                    "target": rng.randint(45, 120),
                    "big": False,
                }
            )
    specs.sort(key=lambda s: (s["grid"], not s["big"]))
    per_grid = Counter(s["grid"] for s in specs)
    seen_in_grid: Counter[str] = Counter()
    compounds: list[Compound] = []
    buildings: list[Building] = []
    households: list[HouseholdPlan] = []
    plan = CommunityPlan(index, community, l1, l2, compounds, buildings, households)
    street_of_l1 = {g.code: rng.choice(N.STREETS_PUER) for g in l1}
    for spec in specs:
        grid = by_code[spec["grid"]]
        box = _slot(l2_boxes[spec["grid"]], seen_in_grid[spec["grid"]], per_grid[spec["grid"]])
        seen_in_grid[spec["grid"]] += 1
        lat, lng = _centre(box)
        road = (
            street_of_l1[spec["grid"].split("-")[0]]
            if rng.random() < 0.7
            else rng.choice(N.STREETS_PUER)
        )
        compound = Compound(
            community=community,
            grid=grid,
            name=spec["name"],
            address=f"{road}{rng.randint(1, 360)}号",
            year_built=spec["year"],
            property_management=spec["pm"],
            management_company=(
                rng.choice(N.PROPERTY_COMPANIES) if spec["pm"] == PropertyManagement.COMPANY else ""
            ),
            geometry=_polygon(box),
            lat=lat,
            lng=lng,
        )
        compounds.append(compound)
        old = spec["pm"] == PropertyManagement.NONE
        rooms = _plan_buildings(pl, plan, compound, box, spec)
        for building, unit, room in sorted(
            rng.sample(rooms, spec["target"]),
            key=lambda r: (int(r[0].number.removesuffix("栋")), int(r[1]), int(r[2])),
        ):
            hh = Household(
                community=community,
                grid=grid,
                building=building,
                unit=unit,
                room=room,
                sort_key=household_sort_key(unit=unit, room=room, address=""),
            )
            address_text = (
                f"云南省普洱市思茅区{compound.address}{compound.name}{building.number}"
                f"{unit}单元{room}室"
            )
            households.append(
                HouseholdPlan(
                    household=hh,
                    compound=compound,
                    address_text=address_text,
                    old=old,
                    factory=_factory_of(compound.name) if old else "",
                )
            )
        if spec["big"] and seed_community:
            plan.head1_building = next(b for b in buildings if b.compound is compound)
    # Homes at a free address: villages inside the city (村中村) and at its edge.
    for grid in l2:
        l1_no = int(grid.code.split("-")[0])
        count = rng.randint(6, 10) if l1_no >= 6 else rng.randint(2, 4)
        village = rng.choice(N.VILLAGES)
        numbers = sorted(rng.sample(range(1, 120), count))
        for n in numbers:
            address = f"{village}{n}号"
            hh = Household(
                community=community,
                grid=grid,
                address=address,
                sort_key=household_sort_key(unit="", room="", address=address),
            )
            households.append(
                HouseholdPlan(
                    household=hh, compound=None, address_text=f"云南省普洱市思茅区{address}"
                )
            )

    # Who lives there.
    for hh in households:
        if hh.compound is None:
            p_floating = 0.9
        elif hh.old:
            p_floating = 0.62
        else:
            p_floating = 0.76
        pl.fill(hh, rng.random() < p_floating)
    living_floating = _count_living_floating(households)
    locals_ = [h for h in households if not h.floating]
    rng.shuffle(locals_)
    while living_floating < FLOATING_TARGET and locals_:
        hh = locals_.pop()
        before = sum(1 for m in hh.members if _is_living_floating(m))
        pl.fill(hh, True)
        living_floating += sum(1 for m in hh.members if _is_living_floating(m)) - before

    # The last check at the door (家庭情况清) follows the run date, so the demo's
    # completeness figures stay current; its own generator keeps the people unchanged.
    verify = random.Random(f"banyan-demo-verified:{ctx.seed}:{index}")
    for hh in households:
        if verify.random() < 0.72:
            first = max(hh.since, ctx.today - dt.timedelta(days=330))
            hh.household.verified_on = _days(verify, first, ctx.today)

    _plan_categories(pl, plan)
    _plan_heads(pl, plan)
    _plan_facilities(pl, plan, l2_boxes)
    return plan


def _is_living_floating(m: PersonPlan) -> bool:
    return (
        m.person.residence_type == ResidenceType.FLOATING
        and m.person.status == PersonStatus.LIVING_HERE
    )


def _count_living_floating(households: list[HouseholdPlan]) -> int:
    return sum(1 for h in households for m in h.members if _is_living_floating(m))


# Building shapes per era: (era label, floors range, units range, rooms per floor per unit).
def _era(year: int) -> str:
    return f"{year // 10 * 10}年代"


def _plan_buildings(
    pl: _Planner, plan: CommunityPlan, compound: Compound, box: Box, spec: dict[str, Any]
) -> list[tuple[Building, str, str]]:
    """Buildings of a compound with enough rooms for its households; returns the rooms."""
    rng = pl.rng
    shapes: list[tuple[str, int, int, int, int]] = []  # era, year, floors, units, per floor
    if spec["big"]:
        # 皮鞋厂小区: three compounds once, built in three periods (最旧的30多年前入住).
        shapes += [("1980年代老宿舍", 1986, 4, 2, 2)] * 5
        shapes += [("1990年代职工集资房", 1996, 6, 2, 2)] * 4
        shapes += [("2000年代商品房", 2006, 7, 3, 2)] * 3
    else:
        year = spec["year"]
        if year < 1996:
            floors, units, per = rng.randint(4, 6), rng.randint(1, 3), 2
        elif year < 2008:
            floors, units, per = rng.randint(6, 8), rng.randint(2, 3), 2
        else:
            floors, units, per = rng.randint(7, 18), rng.randint(1, 2), rng.randint(2, 4)
        capacity = floors * units * per
        count = max(1, math.ceil(spec["target"] / (capacity * 0.9)))
        shapes += [(_era(year), year, floors, units, per)] * count
    rooms: list[tuple[Building, str, str]] = []
    s, w, n, e = box
    for i, (era, year, floors, units, per) in enumerate(shapes):
        building = Building(
            community=compound.community,
            grid=compound.grid,
            compound=compound,
            number=f"{i + 1}栋",
            sort_key=natural_key(f"{i + 1}栋"),
            era=era,
            year_built=year,
            floors=floors,
            units=units,
            lat=_dec(s + (n - s) * (0.3 + 0.4 * (i % 2))),
            lng=_dec(w + (e - w) * (i + 0.5) / len(shapes)),
        )
        plan.buildings.append(building)
        for u in range(1, units + 1):
            for f in range(1, floors + 1):
                for r in range(1, per + 1):
                    rooms.append((building, str(u), f"{f}{r:02d}"))
    return rooms


def _plan_categories(pl: _Planner, plan: CommunityPlan) -> None:
    rng, base, today = pl.rng, pl.base, pl.today
    for hh in plan.households:
        if not hh.floating:
            weight = 0.12 if hh.kind == "elderly_alone" else (0.07 if hh.old else 0.025)
            hh.dibao = rng.random() < weight
        dibao_to = today + dt.timedelta(days=rng.randint(-150, 330))
        dibao_from = dibao_to - dt.timedelta(days=364)
        widowed = next(
            (m.person.status_since for m in hh.members if m.person.status == PersonStatus.DECEASED),
            None,
        )
        away = min((m.away_since for m in hh.members if m.away_since), default=None)
        for m in hh.members:
            p = m.person
            age = _age(p.birth_date, base)
            end = p.status_since if p.status == PersonStatus.DECEASED else None
            last = end or base  # ages are taken on this day: the same whatever the run date

            def add(
                code: str,
                start: dt.date,
                to: dt.date | None = None,
                m: PersonPlan = m,
                end: dt.date | None = end,
                **extra: Any,
            ) -> None:
                start = max(start, m.person.birth_date)
                if end is not None and (to is None or to > end):
                    to = end
                if start > (end or today) or (to is not None and to < start):
                    return
                m.categories.append(CategoryPlan(code, start, to, **extra))

            local = p.residence_type != ResidenceType.FLOATING
            if not local:
                add("floating", m.added_on)
            if hh.kind in ("elderly_couple", "elderly_alone") and _age(p.birth_date, last) >= 60:
                add("empty_nest", max(_years_after(p.birth_date, 60), hh.since))
            if hh.kind == "elderly_alone" and p.relation == Relation.HEAD:
                add("living_alone", widowed or max(_years_after(p.birth_date, 60), hh.since))
            if _age(p.birth_date, last) >= 80:
                add("elderly_80", max(_years_after(p.birth_date, 80), m.added_on))
            retired_on = None
            if local and p.gender == Gender.MALE:
                retire_age = 60
            else:
                retire_age = 50 if rng.random() < 0.4 else 55
            if local and _age(p.birth_date, last) >= retire_age and rng.random() < 0.75:
                retired_on = _years_after(p.birth_date, retire_age)
                note = f"原单位：{hh.factory}" if hh.factory else ""
                add("retired", retired_on, note=note)
            if local and 1950 <= p.birth_date.year <= 1975:
                if rng.random() < (0.3 if hh.old else 0.06):
                    start = _days(rng, dt.date(1997, 1, 1), dt.date(2005, 12, 31))
                    start = max(start, _years_after(p.birth_date, 20))
                    factory = hh.factory or _factory_of(rng.choice(N.OLD_COMPOUNDS_MORE))
                    to = retired_on - dt.timedelta(days=1) if retired_on else None
                    add(
                        "laid_off",
                        start,
                        to,
                        note=f"改制企业：{factory}",
                        ended_event=to is not None and to <= today,
                    )
            if m.away_since:
                p.lives_at_registered_address = False  # 人户分离: registered here, away
                add("working_away", m.away_since, note=f"务工地：{rng.choice(N.WORK_AWAY)}")
            if m.left_behind and away:
                add("left_behind_child", max(away, p.birth_date))
            if (
                local
                and 24 <= age <= 36
                and not m.away_since
                and p.status == PersonStatus.LIVING_HERE
                and rng.random() < 0.04
            ):
                lo = max(_years_after(p.birth_date, 22), dt.date(2013, 1, 1))
                start = _days(rng, lo, base - dt.timedelta(days=30))
                add("returned_graduate", start, note=rng.choice(N.RETURNED_TRADES))
            p_disabled = 0.01 if age < 40 else (0.03 if age < 65 else 0.06)
            kind = ""
            if rng.random() < p_disabled * (1 if local else 0.5):
                kind = rng.choice(N.DISABILITY_KINDS)
                grade = rng.choices(N.DISABILITY_GRADES, weights=(10, 25, 30, 35))[0]
                lo = max(_years_after(p.birth_date, 1), dt.date(2005, 1, 1))
                add("disabled", _days(rng, lo, base), grade=grade, note=f"{kind}残疾")
            if age >= 70 and rng.random() < (0.5 if kind == "肢体" else 0.12):
                add(
                    "limited_mobility",
                    _days(rng, max(_years_after(p.birth_date, 70), hh.since), base),
                )
            elif kind == "肢体" and rng.random() < 0.5:
                add("limited_mobility", _days(rng, hh.since, base))
            if age >= 50 and rng.random() < (0.15 if local else 0.06):
                lo = max(_years_after(p.birth_date, 45), dt.date(2008, 1, 1))
                add("chronic_illness", _days(rng, lo, base), note=rng.choice(N.CHRONIC_ILLNESSES))
            if hh.dibao and p.status == PersonStatus.LIVING_HERE:
                add("dibao", max(dibao_from, m.added_on), dibao_to, note="城市居民最低生活保障")


def _plan_heads(pl: _Planner, plan: CommunityPlan) -> None:
    """83 residents become building heads, one per building, one of them in the big
    compound of grid 1 (the `head1` demo login's building)."""
    rng = pl.rng
    residents: dict[int, list[PersonPlan]] = {}
    for hh in plan.households:
        b = hh.household.building
        if b is None:
            continue
        for m in hh.members:
            p = m.person
            if (
                p.status == PersonStatus.LIVING_HERE
                and not m.away_since
                and 28 <= _age(p.birth_date, pl.base) <= 72
            ):
                residents.setdefault(id(b), []).append(m)
    order = list(plan.buildings)
    rng.shuffle(order)
    if plan.head1_building is not None:
        order.remove(plan.head1_building)
        order.insert(0, plan.head1_building)
    for b in order:
        if len(plan.heads) == BUILDING_HEADS:
            break
        candidates = residents.get(id(b), [])
        if not candidates:
            continue
        local = [m for m in candidates if m.person.residence_type != ResidenceType.FLOATING]
        m = rng.choice(local or candidates)
        day = _days(rng, max(m.added_on, dt.date(2012, 6, 1)), max(m.added_on, ARTICLE_DATE))
        b.head = m.person
        plan.heads.append((b, m, day))
    if len(plan.heads) < BUILDING_HEADS:  # pragma: no cover - the plan always has room
        raise RuntimeError(f"only {len(plan.heads)} buildings could get a head")


def _plan_facilities(pl: _Planner, plan: CommunityPlan, l2_boxes: dict[str, Box]) -> None:
    rng = pl.rng
    comm = plan.community
    by_code = {g.code: g for g in plan.l2}

    def at(code: str, kind: str, name: str, note: str = "", compound: Compound | None = None):
        box = l2_boxes[code]
        if compound is not None:
            lat, lng = compound.lat, compound.lng
        else:
            s, w, n, e = box
            lat = _dec(s + (n - s) * rng.uniform(0.2, 0.8))
            lng = _dec(w + (e - w) * rng.uniform(0.2, 0.8))
        facility = Facility(
            community=comm,
            node=by_code[code],
            compound=compound,
            name=name,
            note=note,
            lat=lat,
            lng=lng,
        )
        plan.facilities.append((facility, kind))

    short = comm.name.removesuffix("社区")
    at("2-1", "service_hall", f"{comm.name}服务大厅", "社区服务中心窗口，网格员代办事项在此对接")
    at(
        "2-1",
        "wish_tree",
        "微心愿树",
        f"服务大厅内的“{short}”榕树模型，居民把心愿写在彩色卡片上挂上枝头",
    )
    at(
        "1-2",
        "repair_centre",
        "社区综合物业管理服务中心",
        "为无物业老旧小区提供屋顶漏水、管道堵塞等维修服务",
    )
    at("3-1", "service_post", "爱心服务驿站", "为接送学生的家长设立，可歇脚、避雨、饮水")
    at("7-2", "rest_pavilion", "热心凉亭", "为进城务工的农民工提供歇脚、饮水、充电")
    big = plan.compounds[0]
    at(big.grid.code, "activity_venue", f"{big.name}活动场地", "拆除私搭乱建后新建的活动场地", big)
    for grid in plan.l1:
        code = f"{grid.code}-{rng.randint(1, L2_PER_L1)}"
        at(code, "activity_venue", f"{grid.name}文体活动场地", "广场舞、文艺活动、志愿服务日")
    chosen = rng.sample(plan.compounds[1:], 24)
    for c in chosen[:12]:
        note = "微改造项目安装" if c.property_management == PropertyManagement.NONE else ""
        at(c.grid.code, "gate", f"{c.name}门禁道闸", note, c)
    for c in chosen[12:]:
        at(c.grid.code, "parking", f"{c.name}停车标识", "划设停车位，缓解停车矛盾", c)
    at(big.grid.code, "gate", f"{big.name}门禁道闸", "三个片区统筹管理后安装", big)
    at(big.grid.code, "parking", f"{big.name}停车标识", "划设停车位，缓解停车矛盾", big)


def preview_people(
    seed: int, count: int = 20, today: dt.date | None = None
) -> list[tuple[str, str]]:
    """(name, masked ID) of the first persons the seed community would get, planned in
    memory without the database: what the determinism test compares."""
    ctx = Context(seed=seed, today=today or timezone.localdate(), total=1)
    plan = plan_community(ctx, 0, None)
    return [(m.person.name, m.person.id_number_masked) for m in plan.persons()[:count]]
