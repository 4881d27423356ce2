"""The demo community generator: 倒生根社区 as the seed article describes it, and as many
more plausible communities as a benchmark needs.

Everything is drawn from one `random.Random` per community, seeded from the run's seed,
so the same seed gives the same people. Identities (birth dates, ID numbers) are fixed
relative to `BASE_DATE`; only "current" dates that must stay current for the demo to
make sense (the last household check, the 低保 validity window) follow the run date.

Each community is first planned in memory as unsaved model instances (no queries),
then written with `bulk_create` in dependency order inside one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from banyan.accounts.models import AccessLog, Post
from banyan.accounts.roles import Role
from banyan.common import crypto
from banyan.common.idnumber import make_id_number
from banyan.common.masking import mask_id_number
from banyan.places.models import (
    Building,
    Compound,
    Facility,
    FacilityKind,
    Node,
    NodeKind,
    PropertyManagement,
)
from banyan.registry.models import (
    Category,
    Gender,
    Household,
    Person,
    PersonCategory,
    PersonStatus,
    Relation,
    ResidenceType,
)
from banyan.timeline.models import Event, EventLink

from . import names as N

Progress = Callable[[str], None]

PASSWORD = "banyan-demo"  # noqa: S105 - the documented demo password (DESIGN.md)
DEMO_URL = "http://127.0.0.1:8000"
BATCH_SIZE = 2000

# Identities are generated relative to this date, never to the day of the run.
BASE_DATE = dt.date(2026, 1, 1)
SURVEY_DATE = dt.date(2012, 3, 1)  # 2012年初: the first door-to-door survey of the grids
ARTICLE_DATE = dt.date(2019, 8, 15)

SEED_COMMUNITY = "倒生根社区"
SEED_BIG_COMPOUND = "皮鞋厂小区"
DISTRICT_NAME = "思茅区"
DISTRICT_CODE = "530802"
L1_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格"]
L1_NAMES += ["第五网格", "第六网格", "第七网格", "第八网格"]

# Figures from the seed article, per community.
L1_GRIDS = 8
L2_PER_L1 = 3
GRID1_OLD_COMPOUNDS = 15
COMPOUNDS_WITHOUT_MANAGEMENT = 29
OTHER_COMPOUNDS = 45  # 60 compounds in all
BIG_COMPOUND_HOUSEHOLDS = 287
BUILDING_HEADS = 83
FLOATING_TARGET = 7200  # "流动人口达7000多人"
COMMUNITIES_PER_STREET = 10

# Map layout around the centre of Simao.
CENTER_LAT, CENTER_LNG = 22.78, 100.97
COMMUNITY_DLAT, COMMUNITY_DLNG, COMMUNITY_GAP = 0.012, 0.016, 0.002

Box = tuple[float, float, float, float]  # south, west, north, east


# --- demo accounts ----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPost:
    role: str
    node: str  # "district", "community", an L1 code ("3"), an L2 code ("3-2"), or "building"
    title: str


@dataclass(frozen=True)
class DemoAccount:
    username: str
    description: str
    posts: tuple[DemoPost, ...]


def demo_accounts() -> list[DemoAccount]:
    """The demo logins of DESIGN.md, each with its posts (all in the first community)."""
    accounts = [
        DemoAccount(
            "secretary",
            "社区党总支书记、主任（兼第一网格网格长） community secretary / director",
            (
                DemoPost(Role.COMMUNITY_ADMIN, "community", "党总支书记、主任"),
                DemoPost(Role.GRID_LEADER, "1", "第一网格网格长"),
            ),
        ),
        DemoAccount(
            "district",
            "区委组织部 district viewer (aggregates only)",
            (DemoPost(Role.DISTRICT_VIEWER, "district", "区委组织部"),),
        ),
        DemoAccount(
            "window",
            "社区服务中心窗口 service-centre staff",
            (DemoPost(Role.SERVICE_CENTRE, "community", "社区服务中心窗口"),),
        ),
        DemoAccount(
            "repairs",
            "综合物业管理服务中心 property-repair centre",
            (DemoPost(Role.REPAIR_CENTRE, "community", "综合物业管理服务中心"),),
        ),
    ]
    for i, grid in enumerate(L1_NAMES, start=1):
        accounts.append(
            DemoAccount(
                f"leader{i}",
                f"{grid}网格长 L1 grid leader",
                (DemoPost(Role.GRID_LEADER, str(i), f"{grid}网格长"),),
            )
        )
    for i, grid in enumerate(L1_NAMES, start=1):
        for j in range(1, L2_PER_L1 + 1):
            accounts.append(
                DemoAccount(
                    f"manager{i}-{j}",
                    f"{grid}第{j}片区网格管理员 L2 grid manager",
                    (DemoPost(Role.GRID_MANAGER, f"{i}-{j}", f"{grid}第{j}片区网格员"),),
                )
            )
    for i, grid in enumerate(L1_NAMES, start=1):
        accounts.append(
            DemoAccount(
                f"branch{i}",
                f"第{i}党支部书记（{grid}） branch secretary",
                (DemoPost(Role.BRANCH_SECRETARY, str(i), f"第{i}党支部书记"),),
            )
        )
    accounts += [
        DemoAccount(
            "head1",
            f"{SEED_BIG_COMPOUND}楼栋长 building head",
            (DemoPost(Role.BUILDING_HEAD, "building", "楼栋长"),),
        ),
        DemoAccount(
            "member",
            "社区党员 party member",
            (DemoPost(Role.PARTY_MEMBER, "community", "党员"),),
        ),
        DemoAccount(
            "inservice",
            "在职党员（双报到） in-service party member",
            (DemoPost(Role.INSERVICE_MEMBER, "community", "在职党员"),),
        ),
        DemoAccount(
            "volunteer",
            "志愿者 volunteer",
            (DemoPost(Role.VOLUNTEER, "community", "志愿者"),),
        ),
    ]
    return accounts


DEMO_USERNAMES = [a.username for a in demo_accounts()]


# --- reference data ---------------------------------------------------------------------


def _migration_constant(module: str, name: str) -> list[tuple]:
    return getattr(importlib.import_module(module), name)


def ensure_reference_data() -> None:
    """Recreate shared categories and facility kinds if a flush removed them; the lists
    live in the data migrations that normally create them."""
    categories = _migration_constant(
        "banyan.registry.migrations.0002_default_categories", "CATEGORIES"
    )
    have = set(Category.objects.filter(community=None).values_list("code", flat=True))
    for order, (code, name, name_en, sensitive, grade, validity) in enumerate(categories, 1):
        if code not in have:
            Category.objects.create(
                community=None,
                code=code,
                name=name,
                name_en=name_en,
                sensitive=sensitive,
                has_grade=grade,
                has_validity=validity,
                sort_order=order * 10,
            )
    kinds = _migration_constant(
        "banyan.places.migrations.0003_default_facility_kinds", "FACILITY_KINDS"
    )
    have = set(FacilityKind.objects.values_list("code", flat=True))
    for code, name, name_en in kinds:
        if code not in have:
            FacilityKind.objects.create(code=code, name=name, name_en=name_en)


# --- small helpers ----------------------------------------------------------------------


def _days(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end] (start when the range is empty)."""
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware datetime on `day` in the project's time zone (Asia/Shanghai, no DST)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_tz())


def _tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _dec(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _polygon(box: Box) -> dict[str, Any]:
    s, w, n, e = (round(v, 6) for v in box)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _centre(box: Box) -> tuple[Decimal, Decimal]:
    s, w, n, e = box
    return _dec((s + n) / 2), _dec((w + e) / 2)


def _slot(box: Box, index: int, count: int, inset: float = 0.12) -> Box:
    """Cell `index` of `count` cells laid out on a near-square grid inside `box`."""
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    r, c = divmod(index, cols)
    s, w, n, e = box
    dlat, dlng = (n - s) / rows, (e - w) / cols
    top = n - r * dlat
    left = w + c * dlng
    return (
        top - dlat * (1 - inset),
        left + dlng * inset,
        top - dlat * inset,
        left + dlng * (1 - inset),
    )


def community_box(index: int, total: int) -> Box:
    cols = max(1, math.ceil(math.sqrt(total)))
    r, c = divmod(index, cols)
    south = CENTER_LAT - COMMUNITY_DLAT / 2 - r * (COMMUNITY_DLAT + COMMUNITY_GAP)
    west = CENTER_LNG - COMMUNITY_DLNG / 2 + c * (COMMUNITY_DLNG + COMMUNITY_GAP)
    return (south, west, south + COMMUNITY_DLAT, west + COMMUNITY_DLNG)


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _l1_box(comm: Box, k: int) -> Box:
    """Eight L1 grids: four rows of two, grid 1 top left."""
    s, w, n, e = comm
    row, col = divmod(k, 2)
    dlat, dlng = (n - s) / 4, (e - w) / 2
    top = n - row * dlat
    return (top - dlat, w + col * dlng, top, w + (col + 1) * dlng)


def _l2_box(l1: Box, j: int) -> Box:
    s, w, n, e = l1
    dlng = (e - w) / L2_PER_L1
    return (s, w + j * dlng, n, w + (j + 1) * dlng)


def community_names(total: int) -> list[str]:
    """倒生根社区 first, then other plausible names, deterministic for `total`."""
    out = [SEED_COMMUNITY]
    seen = set(out)
    for variant in N.COMMUNITY_VARIANTS:
        for word in N.COMMUNITY_WORDS:
            name = f"{word}{variant}社区"
            if name not in seen:
                seen.add(name)
                out.append(name)
    k = 2
    while len(out) < total:
        for word in N.COMMUNITY_WORDS:
            out.append(f"{word}第{k}社区")
        k += 1
    return out[:total]


def street_names(total: int) -> list[str]:
    out = list(N.STREET_NAMES)
    k = 2
    while len(out) < total:
        out += [f"{name[:-2]}第{k}街道" for name in N.STREET_NAMES]
        k += 1
    return out[:total]


# --- the plan ---------------------------------------------------------------------------


@dataclass
class CategoryPlan:
    code: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    grade: str = ""
    note: str = ""
    ended_event: bool = False  # ended by a later change (a category_ended event)
    row: PersonCategory | None = None


@dataclass
class PersonPlan:
    person: Person
    added_verb: str
    added_on: dt.date
    destination: str = ""
    away_since: dt.date | None = None
    left_behind: bool = False
    categories: list[CategoryPlan] = field(default_factory=list)


@dataclass
class HouseholdPlan:
    household: Household
    compound: Compound | None
    kind: str = ""
    floating: bool = False
    since: dt.date = SURVEY_DATE
    address_text: str = ""
    old: bool = False
    factory: str = ""
    dibao: bool = False
    residence: str = ""
    members: list[PersonPlan] = field(default_factory=list)


@dataclass
class CommunityPlan:
    index: int
    community: Node
    l1: list[Node]
    l2: list[Node]
    compounds: list[Compound]
    buildings: list[Building]
    households: list[HouseholdPlan]
    facilities: list[tuple[Facility, str]] = field(default_factory=list)  # (row, kind code)
    heads: list[tuple[Building, PersonPlan, dt.date]] = field(default_factory=list)
    head1_building: Building | None = None

    def persons(self) -> list[PersonPlan]:
        return [m for h in self.households for m in h.members]


@dataclass
class Context:
    """What the communities of one run share: the seed, the dates, and the sets that
    keep ID numbers and phones unique across the whole run."""

    seed: int
    today: dt.date
    total: int = 1
    used_ids: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)

    @property
    def base(self) -> dt.date:
        return min(BASE_DATE, self.today)


class _Planner:
    """Plans one community in memory. Never touches the database."""

    def __init__(self, ctx: Context, index: int, street: Node | None) -> None:
        self.ctx = ctx
        self.index = index
        self.street = street
        self.rng = random.Random(f"banyan-demo:{ctx.seed}:{index}")
        self.base = ctx.base
        self.today = ctx.today
        self._surnames = [s for s, _w in N.SURNAMES]
        self._surname_cum: list[int] = []
        total = 0
        for _s, w in N.SURNAMES:
            total += w
            self._surname_cum.append(total)
        self._floating_regions = [(c, n) for c, n, _w in N.REGIONS_FLOATING]
        self._floating_weights = [w for _c, _n, w in N.REGIONS_FLOATING]
        self._puer_regions = [(c, n) for c, n, _w in N.REGIONS_PUER]
        self._puer_weights = [w for _c, _n, w in N.REGIONS_PUER]

    # -- people ------------------------------------------------------------------------

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._surname_cum)[0]

    def given(self, birth: dt.date, gender: str) -> str:
        rng, y, male = self.rng, birth.year, gender == Gender.MALE
        if y < 1960:
            if rng.random() < 0.8:
                return rng.choice(N.GIVEN_OLD_MALE if male else N.GIVEN_OLD_FEMALE)
            pool = N.GIVEN_MID_MALE if male else N.GIVEN_MID_FEMALE
            return rng.choice(pool)
        if y < 1985:
            pool = N.GIVEN_MID_MALE if male else N.GIVEN_MID_FEMALE
            two = rng.random() < 0.45
        elif y < 2000:
            pool = (
                (N.GIVEN_MID_MALE + N.GIVEN_YOUNG_MALE)
                if male
                else (N.GIVEN_MID_FEMALE + N.GIVEN_YOUNG_FEMALE)
            )
            two = rng.random() < 0.6
        else:
            pool = N.GIVEN_YOUNG_MALE if male else N.GIVEN_YOUNG_FEMALE
            two = rng.random() < 0.85
        first = rng.choice(pool)
        if not two or len(first) > 1:
            return first
        second = rng.choice(pool)
        while second == first or len(second) > 1:
            second = rng.choice(pool)
        return first + second

    def birth(self, age_min: float, age_max: float) -> dt.date:
        lo, hi = int(age_min * 365.25), int((age_max + 1) * 365.25) - 1
        return self.base - dt.timedelta(days=self.rng.randint(lo, max(lo, hi)))

    def id_number(self, region: str, birth: dt.date, gender: str) -> str:
        parity = 1 if gender == Gender.MALE else 0
        for _attempt in range(200):
            number = make_id_number(region, birth, self.rng.randrange(500) * 2 + parity)
            if number not in self.ctx.used_ids:
                self.ctx.used_ids.add(number)
                return number
        raise RuntimeError("ran out of ID sequence numbers")  # pragma: no cover

    def phone(self) -> str:
        while True:
            number = self.rng.choice(N.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.ctx.used_phones:
                self.ctx.used_phones.add(number)
                return number

    def home_address(self, region_name: str) -> str:
        rng = self.rng
        town = rng.choice(N.TOWNSHIP_WORDS) + rng.choice(N.VILLAGE_PARTS)
        village = rng.choice(N.TOWNSHIP_WORDS) + "村"
        return f"{region_name}{town}{village}{rng.randint(1, 12)}组"

    def person(
        self,
        hh: HouseholdPlan,
        relation: str,
        gender: str,
        birth: dt.date,
        surname: str,
        *,
        region: tuple[str, str] | None = None,
        residence: str | None = None,
    ) -> PersonPlan:
        rng = self.rng
        floating = hh.floating
        residence = residence or (ResidenceType.FLOATING if floating else ResidenceType.REGISTERED)
        if not dt.date(1900, 1, 1) < birth <= self.base:
            raise AssertionError(f"planned a birth date out of range: {birth}")
        age = _age(birth, self.base)
        if region is None:
            region = (
                self.floating_region()
                if residence == ResidenceType.FLOATING
                else rng.choices(self._puer_regions, weights=self._puer_weights)[0]
            )
        # Who has an ID number on record: adults nearly all; children of registered
        # families from their 户口 registration; newborns and some floating people none.
        if age >= 16:
            has_id = rng.random() < (0.9 if residence == ResidenceType.FLOATING else 0.995)
        elif age < 1:
            has_id = rng.random() < 0.4
        else:
            has_id = rng.random() < (0.6 if residence == ResidenceType.FLOATING else 0.9)
        number = self.id_number(region[0], birth, gender) if has_id else ""
        if age >= 80:
            has_phone = rng.random() < 0.5
        elif age >= 16:
            has_phone = rng.random() < (0.95 if residence == ResidenceType.FLOATING else 0.9)
        else:
            has_phone = False
        if residence == ResidenceType.REGISTERED:
            registered_address, lives = hh.address_text, True
        else:
            registered_address, lives = self.home_address(region[1]), False
        if birth > hh.since:
            verb, added = "person_born", birth
        elif hh.since <= SURVEY_DATE + dt.timedelta(days=60):
            verb, added = "person_registered", hh.since
        else:
            verb, added = "person_moved_in", hh.since
        created = _at(added, 10)
        p = Person(
            community=hh.household.community,
            grid=hh.household.grid,
            household=hh.household,
            name=surname + self.given(birth, gender),
            gender=gender,
            birth_date=birth,
            id_number_encrypted=crypto.encrypt(number) if number else "",
            id_number_hash=crypto.lookup_hash(number) if number else "",
            id_number_masked=mask_id_number(number),
            phone=self.phone() if has_phone else "",
            relation=relation,
            residence_type=residence,
            registered_address=registered_address,
            lives_at_registered_address=lives,
            status=PersonStatus.LIVING_HERE,
            status_since=added,
            created_at=created,
        )
        plan = PersonPlan(person=p, added_verb=verb, added_on=added)
        hh.members.append(plan)
        return plan

    def floating_region(self) -> tuple[str, str]:
        return self.rng.choices(self._floating_regions, weights=self._floating_weights)[0]

    def _die(self, plan: PersonPlan, not_before: dt.date) -> None:
        p = plan.person
        day = _days(self.rng, max(not_before, plan.added_on) + dt.timedelta(days=90), self.base)
        p.status, p.status_since = PersonStatus.DECEASED, day

    def _move_out(self, plan: PersonPlan) -> None:
        p = plan.person
        day = _days(self.rng, plan.added_on + dt.timedelta(days=60), self.base)
        p.status, p.status_since = PersonStatus.MOVED_OUT, day
        plan.destination = self.rng.choice(N.DESTINATIONS)

    def spouse_birth(self, birth: dt.date, male_head: bool) -> dt.date:
        shift = (
            self.rng.randint(-2 * 365, 6 * 365)
            if male_head
            else self.rng.randint(-6 * 365, 2 * 365)
        )
        return min(birth + dt.timedelta(days=shift), self.base - dt.timedelta(days=18 * 366))

    def child_birth(self, mother_birth: dt.date) -> dt.date:
        hi = min(_years_after(mother_birth, 40), self.base - dt.timedelta(days=20))
        lo = min(_years_after(mother_birth, 20), hi - dt.timedelta(days=365))
        return _days(self.rng, lo, hi)

    # -- households ----------------------------------------------------------------------

    LOCAL_KINDS = (
        ("elderly_couple", 18),
        ("elderly_alone", 12),
        ("nuclear", 25),
        ("three_gen", 14),
        ("left_behind", 5),
        ("couple", 10),
        ("single", 8),
        ("single_parent", 4),
        ("adult_child", 4),
    )
    FLOATING_KINDS = (
        ("worker_single", 30),
        ("worker_couple", 22),
        ("worker_family", 30),
        ("shared_rent", 12),
        ("family_with_parent", 6),
    )

    def fill(self, hh: HouseholdPlan, floating: bool) -> None:
        """(Re)generate the members of a household."""
        rng = self.rng
        hh.members = []
        hh.floating = floating
        hh.residence = ""
        survey_day = SURVEY_DATE + dt.timedelta(days=rng.randint(0, 45))
        if floating:
            kinds = self.FLOATING_KINDS
            hh.since = (
                survey_day
                if rng.random() < 0.35
                else _days(rng, dt.date(2012, 6, 1), self.base - dt.timedelta(days=45))
            )
        else:
            kinds = self.LOCAL_KINDS
            hh.since = survey_day
        hh.kind = rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]
        getattr(self, f"_fill_{hh.kind}")(hh)
        hh.household.created_at = _at(hh.since, 9, 30)
        hh.household.situation_note = self.situation(hh)

    def _residence(self, hh: HouseholdPlan) -> str:
        # One local household in five is 人户分离: living here, 户籍 elsewhere in Pu'er.
        if hh.floating:
            return ResidenceType.FLOATING
        if not hh.residence:
            hh.residence = (
                ResidenceType.PERMANENT if self.rng.random() < 0.2 else ResidenceType.REGISTERED
            )
        return hh.residence

    def _couple(
        self, hh: HouseholdPlan, age_min: float, age_max: float, region: tuple[str, str] | None
    ) -> tuple[PersonPlan, PersonPlan]:
        male_head = self.rng.random() < 0.85
        hb = self.birth(age_min, age_max)
        head_gender = Gender.MALE if male_head else Gender.FEMALE
        res = self._residence(hh)
        head = self.person(
            hh, Relation.HEAD, head_gender, hb, self.surname(), region=region, residence=res
        )
        sb = self.spouse_birth(hb, male_head)
        spouse_gender = Gender.FEMALE if male_head else Gender.MALE
        spouse_region = region if region and self.rng.random() < 0.7 else None
        spouse = self.person(
            hh,
            Relation.SPOUSE,
            spouse_gender,
            sb,
            self.surname(),
            region=spouse_region,
            residence=res,
        )
        return head, spouse

    def _children(
        self,
        hh: HouseholdPlan,
        head: PersonPlan,
        spouse: PersonPlan | None,
        count: int,
        region: tuple[str, str] | None,
        relation: str = Relation.CHILD,
        min_age: int = 0,
    ) -> list[PersonPlan]:
        father = head if head.person.gender == Gender.MALE else spouse
        mother = spouse if father is head else head
        mother_birth = (mother or head).person.birth_date
        surname = self._surname_of(father or head)
        out = []
        for _ in range(count):
            birth = self.child_birth(mother_birth)
            if _age(birth, self.base) < min_age:
                birth = _days(
                    self.rng,
                    _years_after(mother_birth, 20),
                    min(_years_after(mother_birth, 42), _years_after(self.base, -min_age)),
                )
            gender = self.rng.choice((Gender.MALE, Gender.FEMALE))
            res = self._residence(hh)
            out.append(
                self.person(hh, relation, gender, birth, surname, region=region, residence=res)
            )
        return out

    def _surname_of(self, plan: PersonPlan) -> str:
        name = plan.person.name
        return name[:2] if name[:2] in {"欧阳", "司马"} else name[:1]

    def _fill_elderly_couple(self, hh: HouseholdPlan) -> None:
        self._couple(hh, 60, 88, None)

    def _fill_elderly_alone(self, hh: HouseholdPlan) -> None:
        rng = self.rng
        gender = Gender.FEMALE if rng.random() < 0.65 else Gender.MALE
        birth = self.birth(62, 94)
        res = self._residence(hh)
        self.person(hh, Relation.HEAD, gender, birth, self.surname(), residence=res)
        if rng.random() < 0.55:  # widowed since the survey
            other = Gender.MALE if gender == Gender.FEMALE else Gender.FEMALE
            sb = self.spouse_birth(birth, gender == Gender.MALE)
            spouse = self.person(hh, Relation.SPOUSE, other, sb, self.surname(), residence=res)
            self._die(spouse, hh.since)

    def _fill_nuclear(self, hh: HouseholdPlan) -> None:
        rng = self.rng
        head, spouse = self._couple(hh, 28, 56, None)
        kids = self._children(hh, head, spouse, rng.choice((1, 1, 1, 2, 2)), None)
        adults = [k for k in kids if _age(k.person.birth_date, self.base) >= 20]
        if adults and rng.random() < 0.35:
            self._move_out(adults[0])
        if rng.random() < 0.05:
            (head if rng.random() < 0.7 else spouse).away_since = _days(
                rng, dt.date(2013, 1, 1), self.base - dt.timedelta(days=60)
            )

    def _fill_three_gen(self, hh: HouseholdPlan) -> None:
        rng = self.rng
        head, spouse = self._couple(hh, 32, 55, None)
        self._children(hh, head, spouse, rng.choice((1, 1, 2)), None)
        res = self._residence(hh)
        hb = head.person.birth_date
        surname = self._surname_of(head)
        father_birth = min(
            hb - dt.timedelta(days=rng.randint(22 * 365, 35 * 365)), self.birth(60, 92)
        )
        grandpa = self.person(
            hh, Relation.PARENT, Gender.MALE, father_birth, surname, residence=res
        )
        if rng.random() < 0.6:
            mb = self.spouse_birth(father_birth, True)
            self.person(hh, Relation.PARENT, Gender.FEMALE, mb, self.surname(), residence=res)
        if rng.random() < 0.12:
            self._die(grandpa, hh.since)

    def _fill_left_behind(self, hh: HouseholdPlan) -> None:
        rng = self.rng
        head, spouse = self._couple(hh, 56, 75, None)
        res = self._residence(hh)
        surname = self._surname_of(head)
        mother = spouse if spouse.person.gender == Gender.FEMALE else head
        son_birth = self.child_birth(mother.person.birth_date)
        if _age(son_birth, self.base) < 22:
            son_birth = self.birth(22, 40)
        son = self.person(hh, Relation.CHILD, Gender.MALE, son_birth, surname, residence=res)
        away = _days(
            rng,
            max(dt.date(2012, 6, 1), _years_after(son_birth, 18)),
            self.base - dt.timedelta(days=120),
        )
        son.away_since = away
        if rng.random() < 0.75:
            dil = self.person(
                hh,
                Relation.CHILD_IN_LAW,
                Gender.FEMALE,
                self.spouse_birth(son_birth, True),
                self.surname(),
                residence=res,
            )
            dil.away_since = away
            kid_mother = dil.person.birth_date
        else:
            kid_mother = self.spouse_birth(son_birth, True)
        for _ in range(rng.choice((1, 1, 2))):
            hi = self.base - dt.timedelta(days=200)
            lo = max(_years_after(kid_mother, 20), self.base - dt.timedelta(days=int(15.5 * 365)))
            birth = _days(rng, min(lo, hi), hi)
            kid = self.person(
                hh,
                Relation.GRANDCHILD,
                rng.choice((Gender.MALE, Gender.FEMALE)),
                birth,
                surname,
                residence=res,
            )
            kid.left_behind = True

    def _fill_couple(self, hh: HouseholdPlan) -> None:
        self._couple(hh, 24, 62, None)

    def _fill_single(self, hh: HouseholdPlan) -> None:
        gender = self.rng.choice((Gender.MALE, Gender.FEMALE))
        self.person(
            hh,
            Relation.HEAD,
            gender,
            self.birth(22, 60),
            self.surname(),
            residence=self._residence(hh),
        )

    def _fill_single_parent(self, hh: HouseholdPlan) -> None:
        gender = Gender.FEMALE if self.rng.random() < 0.75 else Gender.MALE
        head = self.person(
            hh,
            Relation.HEAD,
            gender,
            self.birth(30, 52),
            self.surname(),
            residence=self._residence(hh),
        )
        self._children(hh, head, None, 1, None)

    def _fill_adult_child(self, hh: HouseholdPlan) -> None:
        head, spouse = self._couple(hh, 60, 85, None)
        self._children(hh, head, spouse, 1, None, min_age=24)

    def _fill_worker_single(self, hh: HouseholdPlan) -> None:
        gender = Gender.MALE if self.rng.random() < 0.62 else Gender.FEMALE
        self.person(hh, Relation.HEAD, gender, self.birth(18, 48), self.surname())

    def _fill_worker_couple(self, hh: HouseholdPlan) -> None:
        self._couple(hh, 20, 50, self.floating_region())

    def _fill_worker_family(self, hh: HouseholdPlan) -> None:
        region = self.floating_region()
        head, spouse = self._couple(hh, 26, 46, region)
        count = self.rng.choices((1, 2, 3), weights=(50, 40, 10))[0]
        self._children(hh, head, spouse, count, region)
        for kid in hh.members[2:]:
            if _age(kid.person.birth_date, self.base) > 17:
                self._move_out(kid)

    def _fill_shared_rent(self, hh: HouseholdPlan) -> None:
        rng = self.rng
        gender = Gender.MALE if rng.random() < 0.7 else Gender.FEMALE
        region = self.floating_region()
        self.person(hh, Relation.HEAD, gender, self.birth(19, 42), self.surname(), region=region)
        for _ in range(rng.randint(1, 3)):
            mate_region = region if rng.random() < 0.5 else None
            self.person(
                hh, Relation.TENANT, gender, self.birth(18, 40), self.surname(), region=mate_region
            )
        if rng.random() < 0.3 and hh.since < self.base - dt.timedelta(days=200):
            self._move_out(hh.members[-1])

    def _fill_family_with_parent(self, hh: HouseholdPlan) -> None:
        region = self.floating_region()
        head, spouse = self._couple(hh, 26, 42, region)
        self._children(hh, head, spouse, 1, region)
        mother = spouse if spouse.person.gender == Gender.FEMALE else head
        gb = min(
            self.birth(48, 72),
            mother.person.birth_date - dt.timedelta(days=20 * 365),
        )
        self.person(hh, Relation.PARENT, Gender.FEMALE, gb, self.surname(), region=region)

    def situation(self, hh: HouseholdPlan) -> str:
        notes = {
            "elderly_couple": "老两口同住，子女在外地工作",
            "elderly_alone": "独居老人，需定期走访",
            "nuclear": "",
            "three_gen": "三代同堂",
            "left_behind": "子女外出务工，老人照看孙辈",
            "couple": "",
            "single": "",
            "single_parent": "单亲家庭",
            "adult_child": "老人与子女同住",
            "worker_single": "租户，在附近务工",
            "worker_couple": "租户夫妇，务工",
            "worker_family": "务工家庭，子女在附近就学",
            "shared_rent": "合租务工人员",
            "family_with_parent": "务工家庭，老人帮忙照看孩子",
        }
        return notes.get(hh.kind, "")


# --- planning a whole community -----------------------------------------------------


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
            hh = Household(community=community, grid=grid, building=building, unit=unit, room=room)
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
            hh = Household(community=community, grid=grid, address=address)
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


# --- writing ----------------------------------------------------------------------------


class _Writer:
    def __init__(self, say: Progress, detail: bool) -> None:
        self.say = say
        self.detail = detail
        self.counts: Counter[str] = Counter()

    def bulk(self, label: str, model: type, rows: list, **kw: Any) -> list:
        start = time.perf_counter()
        out = model.objects.bulk_create(rows, batch_size=BATCH_SIZE, **kw)
        self.counts[label] += len(rows)
        self.report(label, len(rows), time.perf_counter() - start)
        return out

    def report(self, label: str, rows: int, seconds: float) -> None:
        if self.detail:
            rate = rows / seconds if seconds > 0 else 0.0
            self.say(f"    {label:<18} {rows:>8,} rows  {seconds:6.2f} s  {rate:>10,.0f} rows/s")


def _write_nodes(w: _Writer, plan: CommunityPlan) -> None:
    start = time.perf_counter()
    comm = plan.community
    comm.path = ""
    comm.depth = (comm.parent.depth + 1) if comm.parent else 0
    comm.save()
    comm.path = (comm.parent.path if comm.parent else "") + f"{comm.pk}/"
    comm.community = comm
    comm.save(update_fields=["path", "community"])
    for level in (plan.l1, plan.l2):
        for node in level:
            node.path = ""
            node.depth = node.parent.depth + 1
        Node.objects.bulk_create(level, batch_size=BATCH_SIZE)
        for node in level:
            node.path = f"{node.parent.path}{node.pk}/"
        Node.objects.bulk_update(level, ["path"], batch_size=BATCH_SIZE)
    rows = 1 + len(plan.l1) + len(plan.l2)
    w.counts["nodes"] += rows
    w.report("nodes", rows, time.perf_counter() - start)


def _write_community(w: _Writer, plan: CommunityPlan, ctx: Context) -> None:
    categories = {c.code: c for c in Category.objects.filter(community=None)}
    kinds = {k.code: k for k in FacilityKind.objects.all()}
    _write_nodes(w, plan)
    w.bulk("compounds", Compound, plan.compounds)
    heads = [b.head for b in plan.buildings]
    for b in plan.buildings:
        b.head = None  # the heads are written after the persons
    w.bulk("buildings", Building, plan.buildings)
    w.bulk("households", Household, [h.household for h in plan.households])
    persons = plan.persons()
    w.bulk("persons", Person, [m.person for m in persons])
    pcs = []
    for m in persons:
        for c in m.categories:
            c.row = PersonCategory(
                community=plan.community,
                person=m.person,
                category=categories[c.code],
                valid_from=c.valid_from,
                valid_to=c.valid_to,
                grade=c.grade,
                note=c.note,
            )
            pcs.append(c.row)
    w.bulk("person categories", PersonCategory, pcs)
    start = time.perf_counter()
    for b, head in zip(plan.buildings, heads, strict=True):
        b.head = head
    headed = [b for b in plan.buildings if b.head is not None]
    Building.objects.bulk_update(headed, ["head"], batch_size=BATCH_SIZE)
    w.report("building heads", len(headed), time.perf_counter() - start)
    w.counts["building heads"] += len(headed)
    facilities = []
    for f, code in plan.facilities:
        f.kind = kinds[code]
        facilities.append(f)
    w.bulk("facilities", Facility, facilities)
    _write_events(w, plan, persons, categories, ctx)


def _write_events(
    w: _Writer,
    plan: CommunityPlan,
    persons: list[PersonPlan],
    categories: dict[str, Category],
    ctx: Context,
) -> None:
    comm = plan.community
    events: list[Event] = []
    links: list[tuple[int, int | None]] = []  # household id, person id (per event)

    def add(
        verb: str,
        day: dt.date,
        summary: str,
        data: dict[str, Any],
        subject: Any,
        household_id: int,
        person_id: int | None,
        sensitive: bool = False,
    ) -> None:
        events.append(
            Event(
                community=comm,
                verb=verb,
                occurred_on=day,
                recorded_at=_at(day, 9 + len(events) % 8),
                summary=summary[:300],
                data=data,
                sensitive=sensitive,
                subject_type=subject._meta.model_name,
                subject_id=subject.pk,
            )
        )
        links.append((household_id, person_id))

    for hp in plan.households:
        hh = hp.household
        label = hh.label
        add("household_created", hp.since, label, {"label": label}, hh, hh.pk, None)
        if hh.verified_on is not None:
            add("household_verified", hh.verified_on, label, {}, hh, hh.pk, None)
    for m in persons:
        p = m.person
        data = {"name": p.name}
        add(m.added_verb, m.added_on, p.name, data, p, p.household_id, p.pk)
        for c in m.categories:
            cat = categories[c.code]
            add(
                "category_added",
                min(c.valid_from, ctx.today),
                p.name,
                {"name": p.name, "category": cat.name, "valid_from": c.valid_from.isoformat()},
                c.row,
                p.household_id,
                p.pk,
                cat.sensitive,
            )
            if c.ended_event and c.valid_to is not None:
                add(
                    "category_ended",
                    min(c.valid_to, ctx.today),
                    p.name,
                    {"name": p.name, "category": cat.name, "valid_to": c.valid_to.isoformat()},
                    c.row,
                    p.household_id,
                    p.pk,
                    cat.sensitive,
                )
        if p.status == PersonStatus.DECEASED:
            add("person_died", p.status_since, p.name, {"name": p.name}, p, p.household_id, p.pk)
        elif p.status == PersonStatus.MOVED_OUT:
            add(
                "person_moved_out",
                p.status_since,
                p.name,
                {"name": p.name, "destination": m.destination},
                p,
                p.household_id,
                p.pk,
            )
    for b, m, day in plan.heads:
        label = f"{b.compound.name} {b.number}"
        add(
            "building_head_set",
            day,
            m.person.name,
            {"name": m.person.name, "building": label},
            b,
            m.person.household_id,
            m.person.pk,
        )
    w.bulk("events", Event, events)
    w.bulk(
        "event links",
        EventLink,
        [
            EventLink(event_id=e.pk, household_id=h, person_id=p)
            for e, (h, p) in zip(events, links, strict=True)
        ],
    )


def _write_users(w: _Writer, plan: CommunityPlan, district: Node, pl_rng: random.Random) -> None:
    """The demo logins, all in the first community; one password hash for all."""
    start = time.perf_counter()
    User = get_user_model()
    password = make_password(PASSWORD)
    nodes: dict[str, Node] = {"community": plan.community, "district": district}
    nodes.update({g.code: g for g in plan.l1})
    nodes.update({g.code: g for g in plan.l2})
    building = plan.head1_building
    assert building is not None and building.head is not None
    namer = _Planner(Context(seed=0, today=BASE_DATE), 0, None)
    namer.rng = pl_rng
    users = []
    for account in demo_accounts():
        if account.username == "head1":
            first_name = building.head.name
        else:
            gender = pl_rng.choice((Gender.MALE, Gender.FEMALE))
            first_name = namer.surname() + namer.given(namer.birth(28, 58), gender)
        users.append(
            User(
                username=account.username,
                password=password,
                first_name=first_name,
                is_active=True,
            )
        )
    users = User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    by_name = {u.username: u for u in users}
    posts = []
    for account in demo_accounts():
        for post in account.posts:
            if post.node == "building":
                node, bound = building.grid, building
            else:
                node, bound = nodes[post.node], None
            posts.append(
                Post(
                    user=by_name[account.username],
                    role=post.role,
                    node=node,
                    building=bound,
                    community=None if node.kind == NodeKind.DISTRICT else plan.community,
                    title=post.title,
                )
            )
    Post.objects.bulk_create(posts, batch_size=BATCH_SIZE)
    _grant_reference_data_admin(by_name["secretary"])
    w.counts["users"] += len(users)
    w.counts["posts"] += len(posts)
    w.report("users + posts", len(users) + len(posts), time.perf_counter() - start)


def _grant_reference_data_admin(user: Any) -> None:
    """The secretary keeps the community's categories and facility kinds in the Django admin."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["registry", "places"],
            content_type__model__in=["category", "facilitykind"],
            codename__regex=r"^(add|change|view)_",
        )
    )


# --- the entry points ---------------------------------------------------------------------


class DemoExists(RuntimeError):
    """The database already holds communities; reset first."""


def _write_tree(ctx: Context) -> tuple[Node, list[Node]]:
    district_box = _union([community_box(i, ctx.total) for i in range(ctx.total)])
    lat, lng = _centre(district_box)
    district = Node(
        kind=NodeKind.DISTRICT,
        name=DISTRICT_NAME,
        code=DISTRICT_CODE,
        geometry=_polygon(district_box),
        lat=lat,
        lng=lng,
        path="",
        depth=0,
    )
    district.save()
    district.path = f"{district.pk}/"
    district.save(update_fields=["path"])
    n_streets = max(1, math.ceil(ctx.total / COMMUNITIES_PER_STREET))
    streets = []
    for s, name in enumerate(street_names(n_streets)):
        members = range(
            s * COMMUNITIES_PER_STREET, min(ctx.total, (s + 1) * COMMUNITIES_PER_STREET)
        )
        box = _union([community_box(i, ctx.total) for i in members])
        lat, lng = _centre(box)
        streets.append(
            Node(
                kind=NodeKind.STREET,
                name=name,
                code=f"{DISTRICT_CODE}{s + 1:03d}",
                parent=district,
                geometry=_polygon(box),
                lat=lat,
                lng=lng,
                path="",
                depth=1,
                sort_order=s + 1,
            )
        )
    Node.objects.bulk_create(streets)
    for street in streets:
        street.path = f"{district.path}{street.pk}/"
    Node.objects.bulk_update(streets, ["path"])
    return district, streets


def build(
    *,
    seed: int = 2019,
    communities: int = 1,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Build the demo: district → streets → `communities` communities (the first is
    倒生根社区, with the demo logins). Returns rows written per table and the time."""
    say = progress or (lambda _msg: None)
    if communities < 1:
        raise ValueError("communities must be at least 1")
    if Node.objects.filter(kind=NodeKind.COMMUNITY).exists():
        raise DemoExists("the database already holds communities")
    started = time.perf_counter()
    with _sqlite_cache():
        return _build(seed, communities, say, today, started)


@contextlib.contextmanager
def _sqlite_cache(kib: int = 256_000) -> Iterator[None]:
    """On SQLite, a larger page cache for the build: inserts into indexed tables then
    stop spilling pages to the write-ahead log in the middle of a transaction."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _build(
    seed: int, communities: int, say: Progress, today: dt.date | None, started: float
) -> dict[str, Any]:
    ctx = Context(seed=seed, today=today or timezone.localdate(), total=communities)
    w = _Writer(say, detail=True)
    with transaction.atomic():
        ensure_reference_data()
        district, streets = _write_tree(ctx)
    w.counts["nodes"] += 1 + len(streets)
    say(f"{DISTRICT_NAME}: {len(streets)} street(s), {communities} communit(y/ies), seed {seed}")
    for i in range(communities):
        t0 = time.perf_counter()
        before = sum(w.counts.values())
        w.detail = i == 0 or communities <= 3
        street = streets[i // COMMUNITIES_PER_STREET]
        with transaction.atomic():
            plan = plan_community(ctx, i, street)
            planned = time.perf_counter() - t0
            name = plan.community.name
            if w.detail:
                say(f"  [{i + 1}/{communities}] {name}: planned in {planned:.2f} s")
            _write_community(w, plan, ctx)
            if i == 0:
                _write_users(w, plan, district, random.Random(f"banyan-demo-users:{seed}"))
        rows = sum(w.counts.values()) - before
        secs = time.perf_counter() - t0
        say(
            f"  [{i + 1}/{communities}] {name}: {rows:,} rows in {secs:.1f} s "
            f"({rows / secs:,.0f} rows/s)"
        )
        del plan
    result: dict[str, Any] = dict(w.counts)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


# Tables wiped by `reset`, children before parents.
_WIPE_ORDER = (
    EventLink,
    Event,
    AccessLog,
    Post,
    PersonCategory,
    Person,
    Household,
    Facility,
    Building,
    Compound,
)
_KEEP = {Category, FacilityKind, Node}


def _wipe(model: type) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a table name from the model
        return max(cursor.rowcount, 0)


def _delete_other_app_rows(say: Progress) -> None:
    """Rows of later apps (cases, wishes, party …) that belong to a community go first;
    their order is found by retrying, since a row may protect another."""
    known = set(_WIPE_ORDER) | _KEEP
    others = [
        m
        for m in apps.get_models()
        if m.__module__.startswith("banyan.")
        and m not in known
        and any(f.name == "community" and f.is_relation for f in m._meta.concrete_fields)
    ]
    for _round in range(len(others) + 1):
        left = []
        for model in others:
            try:
                with transaction.atomic():
                    model.objects.filter(community__isnull=False).delete()
            except (ProtectedError, DatabaseError):
                left.append(model)
        if not left:
            return
        others = left
    say("could not empty: " + ", ".join(m._meta.label for m in others))


def reset(progress: Progress | None = None) -> dict[str, int]:
    """Delete all domain data and the demo users; keep the shared reference data."""
    say = progress or (lambda _msg: None)
    counts: dict[str, int] = {}
    started = time.perf_counter()
    with transaction.atomic():
        _delete_other_app_rows(say)
        Building.objects.update(head=None)
        for model in _WIPE_ORDER:
            counts[model._meta.label] = _wipe(model)
        Category.objects.exclude(community=None).delete()
        Node.objects.update(parent=None, community=None)
        counts[Node._meta.label] = _wipe(Node)
        deleted, _per = get_user_model().objects.filter(username__in=DEMO_USERNAMES).delete()
        counts["demo users (with their rows)"] = deleted
    say(f"reset: {sum(counts.values()):,} rows deleted in {time.perf_counter() - started:.1f} s")
    return counts


def preview_people(
    seed: int, count: int = 20, today: dt.date | None = None
) -> list[tuple[str, str]]:
    """(name, masked ID) of the first persons the seed community would get, planned in
    memory without the database: what the determinism test compares."""
    ctx = Context(seed=seed, today=today or timezone.localdate(), total=1)
    plan = plan_community(ctx, 0, None)
    return [(m.person.name, m.person.id_number_masked) for m in plan.persons()[:count]]
