"""SECURITY.md 1–4, walked over every URL pattern.

Each route must be either public (an explicit allow-list) or scope-tested here:
routes that load an object are requested by outsiders — charlie (a sibling grid),
mallory (another community) and eve (no post) — with bob's objects, and must
answer 404; routes without an object name the test that covers their scope.
A new route that is in neither list fails `test_every_route_is_public_or_scope_tested`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from banyan.accounts.roles import Role
from banyan.accounts.tests.factories import make_post
from banyan.accounts.tokens import token_issue
from banyan.casework.models import CaseCategory
from banyan.casework.services import case_create, meeting_create
from banyan.casework.services.visits import visit_record
from banyan.party.tests.factories import party_objects
from banyan.places.models import Facility, FacilityKind
from banyan.registry.models import Category, PersonCategory
from banyan.registry.services import category_add

# Pages anyone may open, or whose own access control is not the scope mechanism.
PUBLIC = {
    "accounts:login",
    "accounts:logout",  # POST only; signs the caller out
    "set_language",
    "favicon",  # the site's icon
    "api-v1:openapi-json",
    "api-v1:openapi-view",
    "api-v1:api-root",
    "api-v1:issue_token",
    "api-v1:revoke_token",  # acts on the caller's own token only
    # In-service members report to a community: rate-limited, CSRF-checked, it reads no
    # data (banyan.party.tests.test_views_party).
    "party:register",
    "party:register-done",
    # {"ok": true} and nothing else: the benchmark's throughput ceiling, served only by
    # the benchmark's URL conf (banyan.bench.urls); it reads no data.
    "bench-ping",
    # Residents without an account: the poster's unguessable token or the case's tracking
    # code is the credential (banyan.casework.tests.test_public).
    "intake:form",
    "intake:thanks",
    "intake:track-lookup",
    "intake:track",
    "intake:track-confirm",
    "intake:track-reopen",
    "intake:track-photo",
    # Open311 GeoReport v2: public data for any client, POST with an api_key
    # (banyan.open311.tests.test_views_open311).
    "open311:discovery",
    "open311:services",
    "open311:service-definition",
    "open311:requests",
    "open311:request-detail",
    "open311:token",
}
PUBLIC_NAMESPACES = {"admin"}  # Django admin: staff-only reference data, its own permissions

# Routes without an object in the URL, and the test that proves their scope.
SCOPED_ELSEWHERE = {
    "home": "banyan.places.tests.test_views_places::test_home_sends_each_post_to_its_work",
    "registry:search": "banyan.registry.tests.test_views_registry"
    "::test_search_never_reaches_outside_the_scope",
    "registry:person-list": "banyan.registry.tests.test_views_registry"
    "::test_people_by_category_lists_only_the_scope",
    "registry:household-list": "banyan.tests.test_access_walk"
    "::test_the_household_list_shows_outsiders_none_of_bobs_households",
    "registry:household-create": "banyan.places.tests.test_views_places"
    "::test_household_create_outside_scope_is_404",
    "accounts:posts": "banyan.accounts.tests.test_views_accounts::test_bob_sees_only_his_own_posts",
    "accounts:post-grant": "banyan.accounts.tests.test_views_accounts"
    "::test_non_admins_get_404_on_every_management_page",
    "accounts:user-create": "banyan.accounts.tests.test_views_accounts"
    "::test_non_admins_get_404_on_every_management_page",
    "accounts:access-log": "banyan.accounts.tests.test_views_accounts"
    "::test_the_access_log_lists_only_alices_community",
    "party:home": "banyan.party.tests.test_views_party::test_every_party_list_shows_only_the_scope",
    "party:obligations": "banyan.party.tests.test_views_party"
    "::test_every_party_list_shows_only_the_scope",
    "party:member-list": "banyan.party.tests.test_views_party"
    "::test_every_party_list_shows_only_the_scope",
    "party:tracing-list": "banyan.party.tests.test_views_party"
    "::test_every_party_list_shows_only_the_scope",
    "party:compliance": "banyan.party.tests.test_views_party::test_compliance_counts_per_branch",
    "party:presence": "banyan.party.tests.test_views_party"
    "::test_grid_managers_see_member_households_only_where_the_community_allows",
    "party:rule-list": "banyan.party.tests.test_views_party"
    "::test_party_admin_pages_are_404_for_everyone_else",
    "party:rule-create": "banyan.party.tests.test_views_party"
    "::test_party_admin_pages_are_404_for_everyone_else",
    "party:settings": "banyan.party.tests.test_views_party"
    "::test_party_admin_pages_are_404_for_everyone_else",
    "party:registration-list": "banyan.party.tests.test_views_party"
    "::test_party_admin_pages_are_404_for_everyone_else",
    "casework:case-list": "banyan.casework.tests.test_views_cases"
    "::test_the_case_list_shows_only_the_scope",
    "casework:my-work": "banyan.casework.tests.test_views_cases::test_my_work_lists_only_the_scope",
    "casework:case-create": "banyan.casework.tests.test_views_cases"
    "::test_recording_a_case_outside_the_scope_is_404",
    "casework:inbox": "banyan.casework.tests.test_views_cases"
    "::test_the_inbox_shows_only_ones_own_notifications",
    "casework:inbox-read": "banyan.casework.tests.test_views_cases"
    "::test_marking_read_touches_only_ones_own_notifications",
    "casework:notification-settings": "banyan.casework.tests.test_views_cases"
    "::test_the_email_setting_is_ones_own",
    "casework:visit-list": "banyan.casework.tests.test_views_visits"
    "::test_the_visit_log_shows_only_the_scope",
    "casework:visit-create": "banyan.casework.tests.test_views_visits"
    "::test_visiting_a_household_outside_the_scope_is_404",
    "casework:visits-due": "banyan.casework.tests.test_views_visits"
    "::test_households_not_visited_outside_the_scope_is_404",
    "casework:meeting-list": "banyan.casework.tests.test_meetings"
    "::test_meeting_pages_are_404_without_chair_meetings_there",
    "casework:meeting-create": "banyan.casework.tests.test_meetings"
    "::test_mallory_lists_only_her_own_meetings",
}

# Web routes with an object: which of bob's objects to ask for.
WEB_OBJECTS = {
    "places:node-detail": "l2_1_1",
    "places:compound-detail": "compound_1_1",
    "places:building-detail": "building_1_1",
    "registry:household-detail": "household_1_1",
    "registry:household-edit": "household_1_1",
    "registry:household-verify": "household_1_1",
    "registry:household-split": "household_1_1",
    "registry:household-merge": "household_1_1",
    "registry:person-add": "household_1_1",
    "registry:person-birth": "household_1_1",
    "registry:person-detail": "person_1_1",
    "registry:person-edit": "person_1_1",
    "registry:person-reveal": "person_1_1",
    "registry:person-move": "person_1_1",
    "registry:person-move-out": "person_1_1",
    "registry:person-death": "person_1_1",
    "registry:category-add": "person_1_1",
    "registry:category-end": "person_category",
    "intake:poster": "building_1_1",
    "intake:poster-renew": "building_1_1",
    "intake:poster-compound": "compound_1_1",
    "accounts:post-revoke": "bob_post",
    # Party rows of a branch bound to L1 grid 1 (banyan.party.tests.factories).
    "party:member-detail": "party_member",
    "party:member-edit": "party_member",
    "party:member-reveal": "party_member",
    "party:contact-log": "party_member",
    "party:admission-add": "party_member",
    "party:member-mobile": "party_member",
    "party:member-transfer": "party_member",
    "party:member-lost": "party_member",
    "party:service-add": "party_member",
    "party:service-record": "party_member",
    "party:org-detail": "party_branch",
    "party:member-create": "party_branch",
    "party:themed-day-create": "party_branch",
    "party:themed-day-detail": "themed_day",
    "party:themed-day-attendance": "themed_day",
    "party:themed-day-photos": "themed_day",
    "party:photo": "party_photo",
    "party:tracing-detail": "tracing_case",
    "party:tracing-add-lead": "tracing_case",
    "party:tracing-attempt": "tracing_case",
    "party:tracing-verify": "tracing_case",
    "party:tracing-return": "tracing_case",
    "party:tracing-support": "tracing_case",
    "party:tracing-close": "tracing_case",
    "party:rule-change": "party_rule",
    "party:registration-detail": "party_registration",
    "party:registration-reject": "party_registration",
    # Moves, dispute actions and photos take a second part (an action name, a photo id)
    # that the walker fills with nonsense: the case is loaded first, so an outsider's
    # answer is 404 whatever follows. banyan.casework.tests.test_views_cases tries the
    # real actions and a real photo as outsiders too.
    "casework:case-detail": "case",
    "casework:case-move": "case",
    "casework:case-dispute": "case",
    "casework:case-photo": "case",
    # A visit (bob's, at his household) and its photo.
    "casework:visit-detail": "visit",
    "casework:visit-photo": "visit",
    # Committee meetings: alice's, which only a chair of her community may open. Item
    # routes get the meeting's id twice; the meeting is loaded (404) before the item.
    "casework:meeting-detail": "meeting",
    "casework:meeting-edit": "meeting",
    "casework:meeting-add-escalated": "meeting",
    "casework:meeting-add-case": "meeting",
    "casework:meeting-add-report": "meeting",
    "casework:meeting-item-decide": "meeting",
    "casework:meeting-item-remove": "meeting",
    "casework:meeting-finalise": "meeting",
    "casework:meeting-minutes": "meeting",
}

# API routes: the first path segment says which of bob's objects fills {id}.
API_OBJECTS = {
    "nodes": "l2_1_1",
    "compounds": "compound_1_1",
    "buildings": "building_1_1",
    "households": "household_1_1",
    "persons": "person_1_1",
    "facilities": "facility",
    "party/orgs": "party_branch",
    "party/members": "party_member",
    "party/contacts": "party_contact",
    "party/themed-days": "themed_day",
    "party/tracing": "tracing_case",
    "cases": "case",
    "meetings": "meeting",
    "visits": "visit",  # list and create only; the list must not show it to outsiders
}
# API routes without an object, and the test that proves their scope.
API_SCOPED_ELSEWHERE = {
    "party/obligations": "banyan.api.tests.test_api_party::test_obligations_are_only_in_the_scope",
    "party/compliance": "banyan.api.tests.test_api_party"
    "::test_compliance_needs_party_figures_there",
}
API_BODIES = {
    "reveal": {"field": "phone"},
    "head": {"person": None},  # filled with bob's person
}


def routes() -> list[tuple[str, str, URLPattern]]:
    def walk(patterns, prefix: str, namespace: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace or ""]))
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            else:
                name = ":".join(filter(None, [namespace, p.name or ""]))
                yield prefix + str(p.pattern), name, p

    return list(walk(get_resolver().url_patterns, "", ""))


def _is_api(route: str) -> bool:
    return route.startswith("api/")


def _api_key(route: str) -> str:
    """Which API_OBJECTS entry a route belongs to: its first path segment, or the first
    two under /party/ (one app, several kinds of object)."""
    parts = route.removeprefix("api/v1/").split("/")
    return "/".join(parts[:2]) if parts[0] == "party" else parts[0]


def test_every_route_is_public_or_scope_tested():
    untested = []
    for route, name, _p in routes():
        if name in PUBLIC or name.split(":")[0] in PUBLIC_NAMESPACES:
            continue
        if _is_api(route):
            segment = _api_key(route)
            if segment in API_OBJECTS or segment in API_SCOPED_ELSEWHERE:
                continue
        elif name in WEB_OBJECTS or name in SCOPED_ELSEWHERE:
            continue
        untested.append(f"{route} ({name})")
    assert untested == [], "routes neither public nor scope-tested: " + ", ".join(untested)


@pytest.mark.parametrize(
    "name", sorted(set(SCOPED_ELSEWHERE.values()) | set(API_SCOPED_ELSEWHERE.values()))
)
def test_the_named_scope_tests_exist(name):
    module, func = name.split("::")
    assert callable(getattr(importlib.import_module(module), func, None)), name


@pytest.fixture
def objects(world):
    """bob's objects (grid 1-1), including the sub-records some routes act on."""
    kind = FacilityKind.objects.first()
    facility = Facility.objects.create(
        community=world.community, node=world.l2_1_1, kind=kind, name="服务驿站"
    )
    pc = category_add(
        actor=world.alice,
        person=world.person_1_1,
        category=Category.objects.get(code="retired", community=None),
        valid_from=world.person_1_1.birth_date.replace(year=2010),
    )
    case = case_create(
        actor=world.bob,
        category=CaseCategory.objects.get(code="neighbour_dispute", community=None),
        description="楼上漏水到楼下，两家吵起来了",
        channel="visit",
        household=world.household_1_1,
        persons=[world.person_1_1],
    )
    meeting = meeting_create(
        actor=world.alice,
        community=world.community,
        held_on=dt.date(2026, 5, 8),
        title="五月党总支会议",
        attendees="王丽, 赵波",
    )
    visit = visit_record(
        actor=world.bob,
        household=world.household_1_1,
        visited_on=timezone.localdate(),
        purpose="routine",
    )
    return SimpleNamespace(
        **vars(world),
        **party_objects(world),
        facility=facility,
        case=case,
        meeting=meeting,
        visit=visit,
        person_category=PersonCategory.objects.get(pk=pc.pk),
        bob_post=world.posts.bob,
    )


def _web_url(route: str, pk: int) -> str:
    return "/" + re.sub(r"<int:\w+>", str(pk), route)


OUTSIDERS = ["charlie", "mallory", "eve"]


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_web_object_route(client, objects, outsider):
    client.force_login(getattr(objects, outsider))
    answers = {}
    for route, name, _p in routes():
        if name not in WEB_OBJECTS:
            continue
        url = _web_url(route, getattr(objects, WEB_OBJECTS[name]).pk)
        get, post = client.get(url).status_code, client.post(url, {}).status_code
        # A POST-only view may answer 405 to GET for any id: that confirms nothing.
        if get not in (404, 405) or post != 404:
            answers[name] = (get, post)
    assert answers == {}
    assert set(WEB_OBJECTS) <= {n for _r, n, _p in routes()}


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_get_404_on_every_api_object_route(client, objects, outsider):
    token = token_issue(user=getattr(objects, outsider))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    answers = {}
    seen = set()
    for route, _name, _p in routes():
        if not _is_api(route) or "<id>" not in route or route in seen:
            continue
        seen.add(route)
        _segment, *rest = route.removeprefix("api/v1/").split("/")
        obj = getattr(objects, API_OBJECTS[_api_key(route)])
        url = "/" + route.replace("<id>", str(obj.pk))
        body = dict(API_BODIES.get(rest[-1], {})) if len(rest) > 1 else {}
        if "person" in body:
            body["person"] = objects.person_1_1.pk
        for method in ("get", "post", "patch", "put"):
            if method == "get":
                r = client.get(url, **auth)
            else:
                r = getattr(client, method)(
                    url, data=json.dumps(body), content_type="application/json", **auth
                )
            if r.status_code not in (404, 405):
                answers[f"{method.upper()} {url}"] = r.status_code
    assert answers == {}
    assert len(seen) >= 10


@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_never_see_bobs_objects_in_api_lists(client, objects, outsider):
    token = token_issue(user=getattr(objects, outsider))
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    leaks = {}
    for segment, attr in API_OBJECTS.items():
        r = client.get(f"/api/v1/{segment}", {"limit": 500}, **auth)
        assert r.status_code == 200, segment
        ids = {item["id"] for item in r.json()["items"]}
        if getattr(objects, attr).pk in ids:
            leaks[segment] = getattr(objects, attr).pk
    assert leaks == {}


@pytest.mark.parametrize("param", ["node", "compound", "building", "household"])
def test_api_filters_pointing_outside_the_scope_are_rejected(client, objects, param):
    target = {
        "node": objects.l2_1_1,
        "compound": objects.compound_1_1,
        "building": objects.building_1_1,
        "household": objects.household_1_1,
    }[param]
    token = token_issue(user=objects.charlie)
    r = client.get("/api/v1/persons", {param: target.pk}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 404


def test_a_post_whose_node_is_gone_sees_nothing(client, world):
    """A revoked (inactive) post grants nothing: the page that worked now answers 404.
    (Bob keeps another post; without one he would be signed out: test_tokens.)"""
    make_post(world.bob, Role.GRID_MANAGER, world.l2_2_1)
    client.force_login(world.bob)
    url = f"/registry/households/{world.household_1_1.pk}/"
    assert client.get(url).status_code == 200
    world.posts.bob.active = False
    world.posts.bob.save(update_fields=["active"])
    assert client.get(url).status_code == 404


def test_the_household_list_shows_outsiders_none_of_bobs_households(client, world):
    url = "/registry/households/"
    client.force_login(world.bob)
    r = client.get(url, {"node": world.l2_1_1.pk})
    assert r.status_code == 200
    assert [pk for pk, _label, _n in r.context["rows"]] == [world.household_1_1.pk]
    for outsider in ("charlie", "mallory", "eve"):
        client.force_login(getattr(world, outsider))
        assert client.get(url, {"node": world.l2_1_1.pk}).status_code == 404, outsider
        r = client.get(url)
        assert r.status_code == 200
        shown = {pk for pk, _label, _n in r.context["rows"]}
        assert world.household_1_1.pk not in shown, outsider
