"""Planning people: who lives in each household, drawn from one `random.Random` per
community. Never touches the database: the rows are unsaved model instances.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from banyan.common import crypto
from banyan.common.idnumber import make_id_number
from banyan.common.masking import mask_id_number
from banyan.common.pinyin import name_initials
from banyan.places.models import Building, Compound, Facility, Node
from banyan.registry.models import (
    Gender,
    Household,
    Person,
    PersonStatus,
    Relation,
    ResidenceType,
)

from .. import names as N
from .layout import BASE_DATE, SURVEY_DATE, _age, _at, _days, _years_after
from .sink import unsaved

# ID numbers and phones are unique across a run of up to this many communities by
# construction (each community draws from its own slice of the number space), so
# communities can be planned independently, in any order, in parallel processes.
PARTITIONS = 100
ID_SLOTS = 5  # 500 sequence numbers per (region, birth date, gender) / PARTITIONS
PHONE_SLOTS = 10**6  # 10**8 subscriber numbers per prefix / PARTITIONS

# --- the plan ---------------------------------------------------------------------------


@dataclass
class CategoryPlan:
    code: str
    valid_from: dt.date
    valid_to: dt.date | None = None
    grade: str = ""
    note: str = ""
    ended_event: bool = False  # ended by a later change (a category_ended event)
    row_id: int | None = None  # the PersonCategory's primary key, once reserved


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
    """What the communities of one run share: the seed, the dates and their number.
    Nothing else: community `i` is planned from (seed, i, total) alone."""

    seed: int
    today: dt.date
    total: int = 1

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
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
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
        """A valid ID number, unique in the run: this community's slice of the sequence
        numbers first (scrambled so that they look drawn at random)."""
        parity = 1 if gender == Gender.MALE else 0
        part = self.index % PARTITIONS
        first = self.rng.randrange(ID_SLOTS)
        for j in range(ID_SLOTS):
            k = (first + j) % ID_SLOTS
            half = (263 * (k * PARTITIONS + part) + 17) % 500
            number = make_id_number(region, birth, half * 2 + parity)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
        # Six people of one community born on one day in one county: any free number.
        for _attempt in range(200):
            number = make_id_number(region, birth, self.rng.randrange(500) * 2 + parity)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number
        raise RuntimeError("ran out of ID sequence numbers")  # pragma: no cover

    def phone(self) -> str:
        part = self.index % PARTITIONS
        while True:
            x = part * PHONE_SLOTS + self.rng.randrange(PHONE_SLOTS)
            number = self.rng.choice(N.MOBILE_PREFIXES) + f"{(7919 * x + 12345) % 10**8:08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
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
        name = surname + self.given(birth, gender)
        p = unsaved(
            Person,
            community=hh.household.community,
            grid=hh.household.grid,
            household=hh.household,
            name=name,
            name_initials=name_initials(name),
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
