"""The demo generator builds the seed community with the article's figures.

One community is built once for the module (committed outside the per-test
transactions) and removed again at the end; each test only reads it, or changes it
inside its own transaction, which is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F

from banyan.accounts.models import Post
from banyan.accounts.roles import ROLE_NODE_KINDS, Role
from banyan.common import crypto
from banyan.common.idnumber import birth_date_of, gender_of, normalize_id_number
from banyan.common.masking import mask_id_number
from banyan.common.phone import normalize_phone
from banyan.demo.builder import (
    DEMO_USERNAMES,
    PASSWORD,
    Context,
    build,
    community_names,
    demo_accounts,
    plan_community,
    preview_people,
    reset,
    street_names,
)
from banyan.places.models import Building, Compound, Facility, FacilityKind, Node, NodeKind
from banyan.registry.models import (
    Category,
    Household,
    Person,
    PersonCategory,
    PersonStatus,
    ResidenceType,
)
from banyan.timeline.models import Event, EventLink

SEED = 2019
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reset()
        counts = build(seed=SEED, communities=1, progress=None, today=TODAY)
    yield counts
    with django_db_blocker.unblock():
        reset()


@pytest.fixture
def community(demo, db) -> Node:
    return Node.objects.get(kind=NodeKind.COMMUNITY)


def test_tree_has_8_first_and_24_second_level_grids(community):
    assert community.name == "倒生根社区"
    assert community.community_id == community.pk
    l1 = Node.objects.filter(kind=NodeKind.GRID_L1, parent=community).order_by("sort_order")
    assert [g.code for g in l1] == [str(i) for i in range(1, 9)]
    assert l1[0].name == "第一网格" and l1[7].name == "第八网格"
    l2 = Node.objects.filter(kind=NodeKind.GRID_L2, community=community)
    assert sorted(g.code for g in l2) == sorted(f"{i}-{j}" for i in range(1, 9) for j in (1, 2, 3))
    assert l2.get(code="1-1").name == "第一网格第1片区"
    street = community.parent
    assert street.kind == NodeKind.STREET and street.name == "思茅街道"
    assert street.parent.kind == NodeKind.DISTRICT and street.parent.name == "思茅区"


def test_paths_depths_and_communities_are_consistent(community):
    nodes = {n.pk: n for n in Node.objects.all()}
    for node in nodes.values():
        if node.parent_id is None:
            assert node.path == f"{node.pk}/" and node.depth == 0
        else:
            parent = nodes[node.parent_id]
            assert node.path.startswith(parent.path)
            assert node.path == f"{parent.path}{node.pk}/"
            assert node.depth == parent.depth + 1
        if node.kind in (NodeKind.DISTRICT, NodeKind.STREET):
            assert node.community_id is None
        else:
            assert node.community_id == community.pk
        assert node.geometry["type"] == "Polygon"
        assert abs(float(node.lat) - 22.78) < 0.1 and abs(float(node.lng) - 100.97) < 0.1


def test_compounds_match_the_article(community):
    grid1 = Node.objects.get(kind=NodeKind.GRID_L1, community=community, code="1")
    compounds = Compound.objects.filter(community=community)
    assert 55 <= compounds.count() <= 65
    in_grid1 = compounds.filter(grid__parent=grid1)
    assert in_grid1.count() == 15
    assert {c.grid.code for c in in_grid1} == {"1-1", "1-2", "1-3"}
    assert all(c.property_management == "none" for c in in_grid1)
    assert compounds.filter(property_management="none").count() == 29
    assert all(c.geometry and c.lat and c.address for c in compounds)

    big = compounds.get(name="皮鞋厂小区")
    assert big.grid.parent_id == grid1.pk
    assert Household.objects.filter(building__compound=big).count() == 287
    eras = set(Building.objects.filter(compound=big).values_list("era", flat=True))
    years = set(Building.objects.filter(compound=big).values_list("year_built", flat=True))
    assert len(eras) == 3 and len(years) == 3
    assert all(Household.objects.filter(building__compound=big, building__era=e) for e in eras)


def test_rooms_are_unique_and_free_addresses_exist(community):
    rooms = Household.objects.filter(community=community, building__isnull=False)
    keys = list(rooms.values_list("building_id", "unit", "room"))
    assert len(keys) == len(set(keys))
    free = Household.objects.filter(community=community, building__isnull=True)
    assert free.count() >= 24
    assert all(h.address for h in free)
    assert 3500 <= Household.objects.filter(community=community).count() <= 4500


def test_83_building_heads_live_in_their_building(community):
    headed = Building.objects.filter(community=community, head__isnull=False).select_related(
        "head__household"
    )
    assert headed.count() == 83
    for b in headed:
        assert b.head.household.building_id == b.pk
        assert b.head.status == PersonStatus.LIVING_HERE


def test_population_is_mostly_floating(community):
    persons = Person.objects.filter(community=community)
    assert 9000 <= persons.count() <= 11500
    floating = persons.filter(
        residence_type=ResidenceType.FLOATING, status=PersonStatus.LIVING_HERE
    )
    assert floating.count() >= 7000
    holders = set(
        PersonCategory.objects.filter(category__code="floating").values_list("person_id", flat=True)
    )
    assert set(floating.values_list("pk", flat=True)) <= holders
    assert persons.exclude(residence_type=ResidenceType.FLOATING).count() >= 1500
    # 人户分离 among the registered population, moves and deaths.
    assert persons.filter(
        residence_type=ResidenceType.PERMANENT, lives_at_registered_address=False
    ).exclude(registered_address="")
    assert persons.filter(status=PersonStatus.MOVED_OUT).exclude(status_since=None).exists()
    assert persons.filter(status=PersonStatus.DECEASED).exclude(status_since=None).exists()
    # Every household has a head; ages and genders are plausible.
    heads = Counter(persons.filter(relation="head").values_list("household_id", flat=True))
    assert set(heads.values()) == {1}
    assert len(heads) == Household.objects.filter(community=community).count()
    assert persons.filter(gender="M").count() > 3000 and persons.filter(gender="F").count() > 3000


def test_id_numbers_are_valid_encrypted_and_unique(community):
    rows = list(
        Person.objects.filter(community=community)
        .exclude(id_number_encrypted="")
        .values_list(
            "id_number_encrypted", "id_number_hash", "id_number_masked", "birth_date", "gender"
        )
    )
    total = Person.objects.filter(community=community).count()
    assert len(rows) > 0.8 * total  # most have one; newborns and some floating do not
    seen = set()
    regions = Counter()
    for encrypted, digest, masked, birth, gender in rows:
        number = crypto.decrypt(encrypted)
        assert normalize_id_number(number, today=TODAY) == number
        assert birth_date_of(number) == birth
        assert gender_of(number) == gender
        assert crypto.lookup_hash(number) == digest
        assert mask_id_number(number) == masked
        seen.add(number)
        regions[number[:4]] += 1
    assert len(seen) == len(rows)
    assert regions["5308"] > 0.4 * len(rows)  # Pu'er
    assert len(regions) > 10  # and elsewhere
    without = Person.objects.filter(community=community, id_number_encrypted="")
    assert not without.exclude(id_number_hash="").exists()
    assert not without.exclude(id_number_masked="").exists()


def test_phones_are_valid_mobile_numbers(community):
    phones = list(
        Person.objects.filter(community=community).exclude(phone="").values_list("phone", flat=True)
    )
    assert len(phones) > 0.6 * Person.objects.filter(community=community).count()
    assert all(normalize_phone(p) == p for p in phones)


def test_categories_are_plausible(community):
    per_code = Counter(
        PersonCategory.objects.filter(community=community).values_list("category__code", flat=True)
    )
    for code in (
        "empty_nest",
        "living_alone",
        "dibao",
        "disabled",
        "retired",
        "laid_off",
        "working_away",
        "returned_graduate",
        "limited_mobility",
        "elderly_80",
        "chronic_illness",
        "left_behind_child",
    ):
        assert per_code[code] > 0, code
    assert per_code["floating"] > per_code["retired"] > per_code["dibao"]
    dibao = PersonCategory.objects.filter(community=community, category__code="dibao")
    assert not dibao.filter(valid_to=None).exists()
    assert dibao.filter(valid_from__lte=TODAY, valid_to__gte=TODAY).exists()  # some current
    disabled = PersonCategory.objects.filter(community=community, category__code="disabled")
    assert set(disabled.values_list("grade", flat=True)) <= {"一级", "二级", "三级", "四级"}
    laid_off = PersonCategory.objects.filter(community=community, category__code="laid_off")
    assert all(n.startswith("改制企业") for n in laid_off.values_list("note", flat=True))
    for pc in PersonCategory.objects.filter(community=community).select_related("person"):
        assert pc.valid_from >= pc.person.birth_date
        assert pc.valid_to is None or pc.valid_to >= pc.valid_from
        if pc.person.status == PersonStatus.DECEASED:
            assert pc.valid_to is not None and pc.valid_to <= pc.person.status_since
    # Category rows are the shared reference categories.
    assert not Category.objects.exclude(community=None).exists()


def test_events_give_every_household_and_person_a_timeline(community):
    events = Event.objects.filter(community=community)
    verbs = Counter(events.values_list("verb", flat=True))
    households = Household.objects.filter(community=community).count()
    persons = Person.objects.filter(community=community).count()
    assert verbs["household_created"] == households
    assert verbs["person_registered"] + verbs["person_born"] + verbs["person_moved_in"] == persons
    assert verbs["person_died"] == Person.objects.filter(status=PersonStatus.DECEASED).count()
    assert verbs["person_moved_out"] == Person.objects.filter(status=PersonStatus.MOVED_OUT).count()
    assert verbs["category_added"] == PersonCategory.objects.filter(community=community).count()
    assert verbs["building_head_set"] == 83
    # Each person-added event links to exactly that person and their household.
    added = EventLink.objects.filter(
        event__verb__in=["person_registered", "person_born", "person_moved_in"]
    )
    assert added.values("person_id").distinct().count() == persons
    sample = added.select_related("event", "person")[:200]
    for link in sample:
        assert link.household_id == link.person.household_id
        assert link.event.data == {"name": link.person.name}
        assert link.event.summary == link.person.name
        assert link.event.subject_type == "person" and link.event.subject_id == link.person_id
    created = EventLink.objects.filter(event__verb="household_created").select_related(
        "event", "household__building__compound"
    )[:200]
    for link in created:
        assert link.event.data == {"label": link.household.label}
        assert link.person_id is None
    # A birth is dated on the birth date; the survey in 2012.
    for link in EventLink.objects.filter(event__verb="person_born").select_related(
        "event", "person"
    )[:200]:
        assert link.event.occurred_on == link.person.birth_date
    survey = events.filter(verb="person_registered").values_list("occurred_on", flat=True)
    assert {d.year for d in survey} == {2012}
    # Sensitive categories make sensitive events, and only those.
    sensitive = events.filter(verb="category_added", sensitive=True)
    assert set(sensitive.values_list("data__category", flat=True)) == {
        "低保",
        "残疾",
        "行动不便",
        "慢性病",
    }
    assert not events.exclude(verb__in=["category_added", "category_ended"]).filter(sensitive=True)
    assert not events.filter(occurred_on__gt=TODAY).exists()
    assert EventLink.objects.count() == events.count()


def test_facilities_are_mapped_in_the_grids(community):
    kinds = Counter(
        Facility.objects.filter(community=community).values_list("kind__code", flat=True)
    )
    for code in ("service_post", "rest_pavilion", "wish_tree", "service_hall", "repair_centre"):
        assert kinds[code] == 1, code
    assert kinds["activity_venue"] >= 8 and kinds["gate"] >= 8 and kinds["parking"] >= 8
    nodes = Facility.objects.filter(community=community).values_list("node__kind", flat=True)
    assert set(nodes) == {NodeKind.GRID_L2}
    assert len(set(Facility.objects.values_list("node__parent__code", flat=True))) == 8


def test_demo_users_and_their_posts(community):
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    assert set(users) == set(DEMO_USERNAMES)
    assert len(DEMO_USERNAMES) == 48
    assert not User.objects.filter(is_superuser=True).exists()
    assert all(u.first_name for u in users.values())
    assert users["secretary"].check_password(PASSWORD)
    assert users["manager8-3"].password == users["leader1"].password  # hashed once

    def posts(username):
        return {
            (p.role, p.node.kind, p.node.code)
            for p in Post.objects.filter(user=users[username]).select_related("node")
        }

    assert posts("secretary") == {
        (Role.COMMUNITY_ADMIN, NodeKind.COMMUNITY, community.code),
        (Role.GRID_LEADER, NodeKind.GRID_L1, "1"),
    }
    assert posts("leader1") == {(Role.GRID_LEADER, NodeKind.GRID_L1, "1")}
    assert posts("district") == {(Role.DISTRICT_VIEWER, NodeKind.DISTRICT, "530802")}
    assert posts("window") == {(Role.SERVICE_CENTRE, NodeKind.COMMUNITY, community.code)}
    assert posts("repairs") == {(Role.REPAIR_CENTRE, NodeKind.COMMUNITY, community.code)}
    for i in range(1, 9):
        assert posts(f"leader{i}") == {(Role.GRID_LEADER, NodeKind.GRID_L1, str(i))}
        assert posts(f"branch{i}") == {(Role.BRANCH_SECRETARY, NodeKind.GRID_L1, str(i))}
        for j in (1, 2, 3):
            assert posts(f"manager{i}-{j}") == {(Role.GRID_MANAGER, NodeKind.GRID_L2, f"{i}-{j}")}
    for username, role in (
        ("member", Role.PARTY_MEMBER),
        ("inservice", Role.INSERVICE_MEMBER),
        ("volunteer", Role.VOLUNTEER),
    ):
        assert posts(username) == {(role, NodeKind.COMMUNITY, community.code)}

    head_post = Post.objects.select_related("building__compound", "building__head", "node").get(
        user=users["head1"]
    )
    assert head_post.role == Role.BUILDING_HEAD
    assert head_post.building.compound.name == "皮鞋厂小区"
    assert head_post.node_id == head_post.building.grid_id
    assert head_post.building.head.name == users["head1"].first_name

    for post in Post.objects.select_related("node"):
        assert post.node.kind in ROLE_NODE_KINDS[post.role]
        if post.node.kind == NodeKind.DISTRICT:
            assert post.community_id is None
        else:
            assert post.community_id == community.pk
        assert post.active


def test_counts_returned_match_the_database(demo, db):
    assert demo["persons"] == Person.objects.count()
    assert demo["households"] == Household.objects.count()
    assert demo["events"] == Event.objects.count()
    assert demo["nodes"] == Node.objects.count() == 35
    assert demo["users"] == 48
    assert demo["seconds"] > 0


def test_the_same_seed_gives_the_same_people(demo, db):
    first = preview_people(SEED, 20, today=TODAY)
    assert first == preview_people(SEED, 20, today=dt.date(2030, 1, 1))  # run date irrelevant
    assert len({name for name, _m in first}) > 15
    assert any(masked for _n, masked in first)
    built = list(Person.objects.order_by("id").values_list("name", "id_number_masked")[:20])
    assert built == first
    assert preview_people(SEED + 1, 20, today=TODAY) != first


def test_reset_keeps_reference_data(demo, db):
    # Inside this test's transaction: rolled back afterwards, so the build survives.
    categories = Category.objects.count()
    kinds = FacilityKind.objects.count()
    reset()
    assert categories >= 13 and kinds >= 8
    assert Category.objects.count() == categories
    assert FacilityKind.objects.count() == kinds
    for model in (Node, Compound, Building, Household, Person, PersonCategory, Event, Post):
        assert not model.objects.exists(), model
    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()


def test_command_refuses_to_build_twice(demo, db):
    out = StringIO()
    call_command("demo_build", "--if-empty", stdout=out)
    assert "demo already built" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("demo_build", "--quiet", stdout=StringIO())


def test_demo_logins_command_lists_every_account(demo, db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert PASSWORD in text and "http://127.0.0.1:8000" in text
    for account in demo_accounts():
        assert account.username in text
    assert "do not exist" not in text


def test_reference_data_comes_from_the_migrations(db):
    codes = set(Category.objects.filter(community=None).values_list("code", flat=True))
    assert {"floating", "dibao", "disabled", "empty_nest", "left_behind_child"} <= codes
    dibao = Category.objects.get(community=None, code="dibao")
    assert dibao.name == "低保" and dibao.sensitive and dibao.has_validity
    disabled = Category.objects.get(community=None, code="disabled")
    assert disabled.sensitive and disabled.has_grade
    assert Category.objects.get(community=None, code="limited_mobility").sensitive
    assert not Category.objects.get(community=None, code="floating").sensitive
    kinds = dict(FacilityKind.objects.values_list("code", "name"))
    assert kinds["wish_tree"] == "微心愿树" and kinds["rest_pavilion"] == "热心凉亭"
    assert len(kinds) >= 8


def test_households_per_grid_and_counts_by_grid(community):
    per_grid = dict(
        Household.objects.filter(community=community)
        .values_list("grid__code")
        .annotate(n=Count("id"))
    )
    assert len(per_grid) == 24
    assert all(n > 20 for n in per_grid.values())
    mismatched = Person.objects.filter(community=community).exclude(grid_id=F("household__grid_id"))
    assert not mismatched.exists()


def test_further_communities_have_the_same_shape_and_other_names():
    # Planned in memory only: no database needed.
    names = community_names(100)
    assert names[0] == "倒生根社区" and len(set(names)) == 100
    assert all(n.endswith("社区") for n in names)
    assert len(set(street_names(10))) == 10 and street_names(1) == ["思茅街道"]
    plan = plan_community(Context(seed=SEED, today=TODAY, total=12), 11, None)
    assert plan.community.name == names[11]
    assert "皮鞋厂小区" not in {c.name for c in plan.compounds}
    assert len(plan.l1) == 8 and len(plan.l2) == 24
    assert sum(1 for c in plan.compounds if c.grid.code.startswith("1-")) == 15
    assert sum(1 for c in plan.compounds if c.property_management == "none") == 29
    assert len({c.name for c in plan.compounds}) == len(plan.compounds)
    assert len(plan.heads) == 83
    big = plan.compounds[0]
    assert sum(1 for h in plan.households if h.compound is big) == 287
    floating = [
        m
        for m in plan.persons()
        if m.person.residence_type == ResidenceType.FLOATING
        and m.person.status == PersonStatus.LIVING_HERE
    ]
    assert len(floating) >= 7000
    lat = float(plan.community.lat)
    assert abs(lat - 22.78) < 0.1


def test_reset_empties_a_demo_with_a_year_of_casework_and_party_life(community):
    # `make demo-reset` after `make demo`: cases protect their duplicates, mediation
    # sessions their cases, branches their sub-branches and members.
    from banyan.casework.demo import build_casework
    from banyan.casework.models import Case, MediationSession
    from banyan.party.demo import build_party
    from banyan.party.models import Member, Org

    build_casework(community=community, seed=SEED, today=TODAY, cases_per_year=120)
    build_party(community=community, seed=SEED, today=TODAY, photos=False)
    # Whatever the draw gave, one case is a duplicate of another (as the demo has).
    first, second = Case.objects.order_by("id").values_list("id", flat=True)[:2]
    Case.objects.filter(pk=second).update(duplicate_of=first)
    assert Org.objects.filter(parent__isnull=False).exists()
    reset()
    for model in (Case, MediationSession, Member, Org, Node, Household, Person):
        assert not model.objects.exists(), model
    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()


def test_a_rebuilt_demo_draws_the_same_casework_and_party_life_whatever_its_keys(community):
    # PostgreSQL's sequences run on after a reset, so the rebuilt community has other keys;
    # the draws follow the seed and the community's code, not its key.
    from django.db import connection

    from banyan.casework.demo import build_casework
    from banyan.casework.models import Case
    from banyan.party.demo import build_party
    from banyan.party.models import Contact, Member

    now = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)

    def life(community: Node) -> tuple[list, list, list]:
        build_casework(community=community, seed=SEED, today=TODAY, now=now, cases_per_year=60)
        build_party(community=community, seed=SEED, today=TODAY, photos=False)
        cases = list(
            Case.objects.order_by("created_at", "title", "grid__code").values_list(
                "category__code", "title", "grid__code", "state", "created_at"
            )
        )
        members = sorted(Member.objects.values_list("name", "branch__name", "joined_on"))
        contacts = sorted(
            Contact.objects.values_list("member__name", "kind", "contacted_on", "notes")
        )
        return cases, members, contacts

    first_key = community.pk
    first = life(community)
    reset()
    build(seed=SEED, communities=1, progress=None, today=TODAY)
    again = Node.objects.get(kind=NodeKind.COMMUNITY)
    if connection.vendor == "postgresql":
        assert again.pk != first_key
    assert life(again) == first
    assert len(first[0]) > 30 and len(first[1]) > 100 and len(first[2]) > 100
