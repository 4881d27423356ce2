"""Reads of the registry, always through the user's scope.

`get_<thing>_for_user` is the only way a view or API endpoint loads one object:
outside the scope it raises Http404.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common import crypto
from banyan.common.errors import ValidationFailed
from banyan.common.idnumber import normalize_id_number
from banyan.common.phone import normalize_phone
from banyan.places.models import Node, building_label

from .models import (
    Category,
    Household,
    HouseholdStatus,
    Person,
    PersonCategory,
    PersonStatus,
    household_label,
)

User = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=Model)


def current_categories_prefetch(*, include_sensitive: bool) -> Prefetch:
    today = timezone.localdate()
    qs = PersonCategory.objects.filter(valid_from__lte=today).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    )
    if not include_sensitive:
        qs = qs.filter(category__sensitive=False)
    return Prefetch(
        "categories", queryset=qs.select_related("category"), to_attr="current_categories"
    )


def household_list(
    *,
    user: User,
    node: Node | None = None,
    building_id: int | None = None,
    compound_id: int | None = None,
    q: str = "",
    include_inactive: bool = False,
) -> QuerySet[Household]:
    """Households in the user's scope, optionally narrowed to a subtree, compound or building.

    Narrowing never widens: a filter pointing outside the scope simply matches nothing.
    """
    scope = get_scope(user)
    qs = scope.filter(Household.objects.all(), Cap.VIEW_REGISTRY)
    if not include_inactive:
        qs = qs.filter(status=HouseholdStatus.ACTIVE)
    if node is not None:
        qs = _under(qs, node)
    if compound_id is not None:
        qs = qs.filter(building__compound_id=compound_id)
    if building_id is not None:
        qs = qs.filter(building_id=building_id)
    if q:
        qs = qs.filter(_household_match(user, parse_search(q)))
    return _listed(qs)


def _listed(qs: QuerySet[Household]) -> QuerySet[Household]:
    """Households as lists show them: with building, compound and grid, in address order.
    The grid's and compound's outlines (GeoJSON) are never shown in a list."""
    return (
        qs.select_related("building__compound", "grid")
        .defer("grid__geometry", "building__compound__geometry")
        .order_by("building__compound__name", "building__sort_key", "sort_key", "id")
    )


def with_member_counts(qs: QuerySet[Household]) -> QuerySet[Household]:
    """`member_count` (persons living here) on each household, computed in the same
    query for the rows fetched (a correlated count on the persons' household index)."""
    living = (
        Person.objects.filter(household_id=OuterRef("pk"), status=PersonStatus.LIVING_HERE)
        .order_by()
        .values("household_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(member_count=Coalesce(Subquery(living), 0))


def household_rows(*, user: User, qs: QuerySet[Household]) -> QuerySet[Household, dict[str, Any]]:
    """A household list as plain rows (dicts) in list order, with `member_count` and the
    building's number and compound (`building_number`, `compound_id`, `compound_name`).

    Building and compound are joined tenant first: the join itself carries the scope's
    communities, so PostgreSQL reads the community's buildings and compounds by their
    community index (204 and 60 rows) rather than hash-joining all of the district's
    (19,806 and 6,000 at 100 communities) to sort a community's 3,991 households:
    18 -> 6 ms for that query. A building always lies in its household's community.
    """
    communities = sorted(get_scope(user).community_ids(Cap.VIEW_REGISTRY))
    return (
        with_member_counts(qs)
        .annotate(
            b=FilteredRelation("building", condition=Q(building__community_id__in=communities)),
            c=FilteredRelation(
                "b__compound", condition=Q(b__compound__community_id__in=communities)
            ),
        )
        .order_by("c__name", "b__sort_key", "sort_key", "id")
        .values(
            "id",
            "community_id",
            "grid_id",
            "building_id",
            "unit",
            "room",
            "address",
            "status",
            "verified_on",
            "situation_note",
            "member_count",
            "version",
            building_number=F("b__number"),
            compound_id=F("b__compound_id"),
            compound_name=F("c__name"),
        )
    )


def row_label(row: dict[str, Any]) -> str:
    """The label of a household_rows() row, as Household.label gives it."""
    building = (
        building_label(row["compound_name"], row["building_number"]) if row["compound_id"] else None
    )
    return household_label(
        building=building, unit=row["unit"], room=row["room"], address=row["address"]
    )


def household_row(*, user: User, household: Household) -> dict[str, Any]:
    """One household (already loaded through the scope) as a household_rows() row."""
    return household_rows(user=user, qs=Household.objects.filter(pk=household.pk)).get()


def _under(qs: QuerySet[M], node: Node, grid: str = "grid") -> QuerySet[M]:
    """Rows in the node's subtree, through the row's own L2-grid column where possible."""
    if node.kind == "grid_l2":
        return qs.filter(**{f"{grid}_id": node.pk})
    if node.kind == "grid_l1":
        return qs.filter(**{f"{grid}__parent_id": node.pk})
    if node.kind == "community":
        return qs.filter(community_id=node.pk)
    return qs.filter(**{f"{grid}__path__startswith": node.path})


def person_list(
    *,
    user: User,
    node: Node | None = None,
    compound_id: int | None = None,
    building_id: int | None = None,
    household_id: int | None = None,
    category: Category | None = None,
    q: str = "",
    status: str | None = None,
) -> QuerySet[Person]:
    """Persons in the user's scope, optionally narrowed; narrowing never widens.

    `status` None means every status (moved-out and deceased persons stay on record).
    A sensitive `category` narrows further to where the user may see sensitive data.
    """
    scope = get_scope(user)
    qs = scope.filter(Person.objects.all(), Cap.VIEW_REGISTRY, building="household__building_id")
    if status:
        qs = qs.filter(status=status)
    if node is not None:
        qs = _under(qs, node)
    if category is not None:
        if category.sensitive:
            qs = scope.filter(qs, Cap.VIEW_SENSITIVE, building="household__building_id")
        today = timezone.localdate()
        holds = PersonCategory.objects.filter(
            person_id=OuterRef("pk"), category=category, valid_from__lte=today
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        qs = qs.filter(Exists(holds))
    if compound_id is not None:
        qs = qs.filter(household__building__compound_id=compound_id)
    if building_id is not None:
        qs = qs.filter(household__building_id=building_id)
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    if q:
        query = parse_search(q)
        if query.is_identifier or query.is_long_tail:
            # Only the search (its guard, its log) takes a number; never a list's filter.
            raise ValidationFailed(
                _("Search by ID number or phone with the search, not a list's filter."),
                field="q",
            )
        qs = qs.filter(pk__in=search_persons(user=user, query=query).order_by().values("pk"))
    return qs.select_related("household").order_by("household_id", "id")


def living_count(*, user: User, node: Node | None = None, category: Category | None = None) -> int:
    """How many people live in the user's scope (under `node`, holding `category` now),
    counted with Cap.VIEW_AGGREGATES: the figure an aggregates-only post sees, without
    a single person. A sensitive category counts only where sensitive data may be seen."""
    scope = get_scope(user)
    qs = scope.filter(
        Person.objects.filter(status=PersonStatus.LIVING_HERE),
        Cap.VIEW_AGGREGATES,
        building="household__building_id",
    )
    if node is not None:
        qs = _under(qs, node)
    if category is not None:
        if category.sensitive:
            qs = scope.filter(qs, Cap.VIEW_SENSITIVE, building="household__building_id")
        today = timezone.localdate()
        holds = PersonCategory.objects.filter(
            person_id=OuterRef("pk"), category=category, valid_from__lte=today
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        qs = qs.filter(Exists(holds))
    return qs.count()


def building_counts(*, user: User, building_id: int) -> dict[str, int]:
    """A building's active households and the people living in them, counted with
    Cap.VIEW_AGGREGATES: what an aggregates-only post sees of a building, without a
    single household."""
    scope = get_scope(user)
    households = scope.filter(
        Household.objects.filter(status=HouseholdStatus.ACTIVE, building_id=building_id),
        Cap.VIEW_AGGREGATES,
    )
    persons = scope.filter(
        Person.objects.filter(status=PersonStatus.LIVING_HERE, household__building_id=building_id),
        Cap.VIEW_AGGREGATES,
        building="household__building_id",
    )
    return {"households": households.count(), "persons": persons.count()}


def get_household_for_user(user: User, pk: int, cap: str = Cap.VIEW_REGISTRY) -> Household:
    """One household in the user's scope with `cap`, or Http404."""
    scope = get_scope(user)
    household = (
        scope.filter(Household.objects.all(), cap)
        .select_related("building__compound", "grid__parent", "community")
        .filter(pk=pk)
        .first()
    )
    if household is None:
        raise Http404
    return household


def get_person_for_user(user: User, pk: int, cap: str = Cap.VIEW_REGISTRY) -> Person:
    """One person in the user's scope with `cap`, or Http404."""
    scope = get_scope(user)
    person = (
        scope.filter(Person.objects.all(), cap, building="household__building_id")
        .select_related("household__building__compound", "grid", "community")
        .filter(pk=pk)
        .first()
    )
    if person is None:
        raise Http404
    return person


def get_person_category_for_user(user: User, pk: int, cap: str) -> PersonCategory:
    scope = get_scope(user)
    pc = (
        scope.filter(
            PersonCategory.objects.all(),
            cap,
            grid="person__grid_id",
            building="person__household__building_id",
        )
        .select_related("person", "category")
        .filter(pk=pk)
        .first()
    )
    if pc is None or (pc.category.sensitive and not _can_see_sensitive(user, pc.person)):
        raise Http404
    return pc


def _can_see_sensitive(user: User, person: Person) -> bool:
    return Cap.VIEW_SENSITIVE in caps_for_person(user, person)


def caps_for_household(user: User, household: Household) -> frozenset[str]:
    return get_scope(user).caps_at(
        community_id=household.community_id,
        grid_id=household.grid_id,
        building_id=household.building_id,
    )


def caps_for_person(user: User, person: Person) -> frozenset[str]:
    return get_scope(user).caps_at(
        community_id=person.community_id,
        grid_id=person.grid_id,
        building_id=person.household.building_id,
    )


def household_members(*, household: Household, include_sensitive: bool) -> list[Person]:
    """Everyone ever in the household, living members first, with current categories."""
    return list(
        household.members.prefetch_related(
            current_categories_prefetch(include_sensitive=include_sensitive)
        ).order_by(
            # living first, then by relation to the head, then by age
            "status",
            "relation",
            "birth_date",
        )
    )


def person_categories(*, person: Person, include_sensitive: bool) -> QuerySet[PersonCategory]:
    """All categories the person ever held, current and ended."""
    qs = person.categories.select_related("category")
    if not include_sensitive:
        qs = qs.filter(category__sensitive=False)
    return qs.order_by("-valid_from")


def get_category_for_user(user: User, *, code: str, node: Node | None) -> Category:
    """A category by code that the user may filter by (sensitive ones need the post), or 404."""
    scope = get_scope(user)
    community_ids = scope.community_ids(Cap.VIEW_REGISTRY) | scope.community_ids(
        Cap.VIEW_AGGREGATES
    )
    if node is not None and node.community_id is not None:
        community_ids = community_ids & {node.community_id}
    qs = Category.objects.for_communities(community_ids).filter(code=code)
    if not scope.can(Cap.VIEW_SENSITIVE):
        qs = qs.filter(sensitive=False)
    category = qs.order_by("community_id").first()
    if category is None:
        raise Http404
    return category


def categories_for(*, community_id: int, include_sensitive: bool) -> QuerySet[Category]:
    qs = Category.objects.for_community(community_id)
    if not include_sensitive:
        qs = qs.filter(sensitive=False)
    return qs


# --- search ------------------------------------------------------------------------------


class SearchKind:
    EMPTY = "empty"
    TEXT = "text"  # a name, a name fragment, pinyin initials, an address or part of one
    PHONE_TAIL = "phone_tail"  # 4–10 digits: the end of a phone (and a room number)
    MASKED_PHONE = "masked_phone"  # 138****5678, as a masked phone is shown
    PHONE = "phone"  # a whole mobile number
    ID_NUMBER = "id_number"  # a whole resident ID number


# The part of a phone a masked number shows (138****5678): anyone who sees the masked
# phone may search by it; a longer tail would confirm digits the mask hides.
VISIBLE_TAIL = 4
SEARCH_MAX_LENGTH = 100


@dataclass(frozen=True)
class SearchQuery:
    """What a search box's text means: its kind and the value to look up."""

    kind: str
    text: str = ""
    value: str = ""

    @property
    def is_identifier(self) -> bool:
        """A whole ID number or phone: only posts that may reveal search by it, and each
        such search passes the lookup guard (accounts.lookups) and is logged."""
        return self.kind in (SearchKind.ID_NUMBER, SearchKind.PHONE)

    @property
    def is_long_tail(self) -> bool:
        """More of a phone's end than a masked number shows."""
        return self.kind == SearchKind.PHONE_TAIL and len(self.value) > VISIBLE_TAIL


_DIGITISH = re.compile(r"^[\d\sxX+\-]+$", re.ASCII)
_MASKED_PHONE = re.compile(r"^(1[3-9]\d)\*{4}(\d{4})$", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INITIALS = re.compile(r"^[a-z]{2,10}$")


def parse_search(q: str) -> SearchQuery:
    """Read a search box: a whole ID number or phone, a phone's tail or its masked form,
    or text. Raises ValidationFailed naming `q` for input no search could take."""
    text = " ".join((q or "").split())
    if _CONTROL.search(q or ""):
        raise ValidationFailed(_("The search contains control characters."), field="q")
    if len(text) > SEARCH_MAX_LENGTH:
        raise ValidationFailed(_("At most %(n)s characters.") % {"n": SEARCH_MAX_LENGTH}, field="q")
    if not text:
        return SearchQuery(SearchKind.EMPTY)
    masked = _MASKED_PHONE.match(text.replace(" ", ""))
    if masked:
        return SearchQuery(SearchKind.MASKED_PHONE, text, masked.group(1) + masked.group(2))
    if _DIGITISH.match(text):
        digits = re.sub(r"[\s\-]", "", text)
        if len(digits) == 18:
            try:
                return SearchQuery(SearchKind.ID_NUMBER, text, normalize_id_number(digits))
            except ValidationFailed as err:
                raise ValidationFailed(err.message, field="q") from None
        if len(digits) >= 11 or digits.startswith("+"):
            return SearchQuery(SearchKind.PHONE, text, normalize_phone(digits, field="q"))
        if digits.isdigit() and VISIBLE_TAIL <= len(digits) <= 10:
            return SearchQuery(SearchKind.PHONE_TAIL, text, digits)
    return SearchQuery(SearchKind.TEXT, text, text)


def search_persons(*, user: User, query: SearchQuery) -> QuerySet[Person]:
    """Persons matching a parsed search, in the user's scope, by name.

    What a search can match never exceeds what the user may see: a whole ID number or
    phone (and a phone tail longer than the masked one shows) matches only where the
    post may reveal (Cap.REVEAL_PII), the visible tail and the masked form only where
    the masked phone is shown (Cap.VIEW_FULL_RECORD). The caller passes identifier
    searches through the lookup guard first. The query itself is never logged.
    """
    scope = get_scope(user)
    persons = scope.filter(
        Person.objects.all(), Cap.VIEW_REGISTRY, building="household__building_id"
    ).select_related("household__building__compound")
    where = {"building": "household__building_id"}
    kind, value = query.kind, query.value
    if kind == SearchKind.ID_NUMBER:
        # Every key's hash: rows not yet rotated to a new key are found too.
        found = persons.filter(id_number_hash__in=crypto.lookup_hashes(value))
        found = scope.filter(found, Cap.REVEAL_PII, **where)
    elif kind == SearchKind.PHONE:
        found = scope.filter(persons.filter(phone=value), Cap.REVEAL_PII, **where)
    elif kind == SearchKind.MASKED_PHONE:
        found = persons.filter(phone__startswith=value[:3], phone__endswith=value[3:])
        found = scope.filter(found, Cap.VIEW_FULL_RECORD, **where)
    elif kind == SearchKind.PHONE_TAIL:
        cap = Cap.REVEAL_PII if query.is_long_tail else Cap.VIEW_FULL_RECORD
        found = scope.filter(persons.filter(phone__endswith=value), cap, **where)
    elif kind == SearchKind.TEXT:
        match = Q(name__icontains=value)
        initials = value.replace(" ", "").lower()
        if _INITIALS.match(initials):
            match |= Q(name_initials__startswith=initials) | Q(
                name_initials__contains=" " + initials
            )
        found = persons.filter(match)
    else:
        found = persons.none()
    return found.order_by("name", "id")


# A token of an address as people write it: 皮鞋厂小区, 1栋, 3号楼, 1单元, 101, A座.
_TOKEN = re.compile(r"[0-9A-Za-z]+(?:栋|幢|座|号楼|单元|室|号)?|[^\s0-9A-Za-z\-#/,，、]+", re.ASCII)
_BUILDING_WORD = re.compile(r"^(.+?)(栋|幢|座|号楼)$")
_UNIT_WORD = re.compile(r"^(.+?)单元$")
_UNIT_EN = re.compile(r"\bunit\s*(\w+)", re.IGNORECASE)


def address_tokens(text: str) -> list[str]:
    """The parts of an address as typed or as displayed ("皮鞋厂小区 1栋 1单元 101",
    "皮鞋厂小区 1栋 unit 1 101", "1栋101", "1-1-101")."""
    text = _UNIT_EN.sub(lambda m: f" {m.group(1)}单元 ", text)
    return [t.removesuffix("室") for t in _TOKEN.findall(text) if t.strip()][:8]


def _token_q(token: str) -> Q:
    """Households one address token names: a compound, a building, a unit, a room, or a
    piece of a free address. Numbers match whole values (1栋 is not 11栋)."""
    building = _BUILDING_WORD.match(token)
    if building:
        return Q(building__number__iexact=token) | Q(address__icontains=token)
    unit = _UNIT_WORD.match(token)
    if unit:
        return Q(unit__iexact=unit.group(1)) | Q(address__icontains=token)
    if any(c.isdigit() for c in token):
        return (
            Q(room__iexact=token)
            | Q(unit__iexact=token)
            | Q(building__number__iexact=token)
            | Q(address__icontains=token)
        )
    return Q(building__compound__name__icontains=token) | Q(address__icontains=token)


def search_households(*, user: User, query: SearchQuery) -> QuerySet[Household]:
    """Active households in the user's scope matching a text (or room-number) search,
    in list order: every address token must match (compound, building, unit, room or
    free address), or a living member's name holds the whole text."""
    if query.kind not in (SearchKind.TEXT, SearchKind.PHONE_TAIL):
        return Household.objects.none()
    scope = get_scope(user)
    qs = scope.filter(Household.objects.all(), Cap.VIEW_REGISTRY).filter(
        status=HouseholdStatus.ACTIVE
    )
    return _listed(qs.filter(_household_match(user, query)))


def _household_match(user: User, query: SearchQuery) -> Q:
    """The filter behind search_households (and the household list's `q`)."""
    if query.kind not in (SearchKind.TEXT, SearchKind.PHONE_TAIL):
        return Q(pk__in=[])
    tokens = address_tokens(query.text)
    match = Q(pk__in=[])
    if tokens:
        every = Q()
        for token in tokens:
            every &= _token_q(token)
        match |= every
    if query.kind == SearchKind.TEXT and len(query.text) >= 2:
        # Tenant first: the members searched are the scope's communities' own.
        communities = sorted(get_scope(user).community_ids(Cap.VIEW_REGISTRY))
        members = Person.objects.filter(
            community_id__in=communities,
            status=PersonStatus.LIVING_HERE,
            name__icontains=query.text,
        ).values("household_id")
        match |= Q(pk__in=members)
    return match


def node_counts(*, user: User, nodes: list[Node]) -> dict[int, dict[str, int]]:
    """Households and living persons per child node, counted in one query each."""
    scope = get_scope(user)
    if not nodes:
        return {}
    out: dict[int, dict[str, int]] = {n.pk: {"households": 0, "persons": 0} for n in nodes}
    kind = nodes[0].kind
    key = {
        "grid_l2": "grid_id",
        "grid_l1": "grid__parent_id",
        "community": "community_id",
        "street": "community__parent_id",
        "district": "community__parent__parent_id",
    }.get(kind)
    if key is None:
        return out
    ids = [n.pk for n in nodes]
    hh = (
        scope.filter(Household.objects.filter(status=HouseholdStatus.ACTIVE), Cap.VIEW_AGGREGATES)
        .filter(**{f"{key}__in": ids})
        .values(key)
        .annotate(n=Count("id"))
    )
    for row in hh:
        out[row[key]]["households"] = row["n"]
    pp = (
        scope.filter(
            Person.objects.filter(status=PersonStatus.LIVING_HERE),
            Cap.VIEW_AGGREGATES,
            building="household__building_id",
        )
        .filter(**{f"{key}__in": ids})
        .values(key)
        .annotate(n=Count("id"))
    )
    for row in pp:
        out[row[key]]["persons"] = row["n"]
    return out


def category_counts(*, user: User, node: Node) -> list[tuple[Category, int]]:
    """People living in the node's subtree with each current category (the 人员类别清 view)."""
    scope = get_scope(user)
    today = timezone.localdate()
    qs = scope.filter(
        PersonCategory.objects.filter(
            person__status=PersonStatus.LIVING_HERE, valid_from__lte=today
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)),
        Cap.VIEW_AGGREGATES,
        grid="person__grid_id",
        building=None,
    )
    qs = _under(qs, node, grid="person__grid")
    # Tenant first on the joined person too (a person-category row and its person are
    # always of one community): PostgreSQL then reads the community's persons by their
    # community index and hash-joins them, instead of one primary-key probe per row.
    qs = qs.filter(person__community_id__in=sorted(scope.community_ids(Cap.VIEW_AGGREGATES)))
    # Sensitive categories count only where a post grants sensitive data.
    qs = qs.filter(
        Q(category__sensitive=False)
        | scope.q(Cap.VIEW_SENSITIVE, grid="person__grid_id", building=None)
    )
    rows = dict(qs.values_list("category_id").annotate(n=Count("person_id", distinct=True)))
    cats = Category.objects.filter(pk__in=rows)
    return [(c, rows[c.pk]) for c in cats]
