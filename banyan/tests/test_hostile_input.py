"""SECURITY.md 19, beyond control characters: hostile values in every API parameter and
body field, every page's query, malformed bodies and wrong content types get a 4xx, never
a 5xx; and what such requests wrote never makes a page fail afterwards.

Found this way (each a 500 before): "²" or five thousand nines as an id in a page's query
(str.isdigit() says yes, int() says no), a JSON body nested past the stack, a multipart
body sent to a JSON endpoint once the form had been read, coordinates and periods (their
own tests: banyan.common.tests).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from banyan.accounts.tokens import token_issue

from . import test_access_walk as walk
from .test_access_walk import WEB_OBJECTS, _web_url, routes

# The access walk's fixture: bob's objects in grid 1-1 (a case, a meeting, party rows).
walk_objects = walk.objects

# JSON values a client could put in any field.
HOSTILE_JSON: list[Any] = [
    1e90,
    2**64,
    -(2**63) - 1,
    float("nan"),
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "²",
    "9" * 5000,
    "x" * 100_000,
    [],
    {},
    [2**64],
]
# Query values: huge, negative, not ASCII digits, past the calendar.
HOSTILE_QUERY = ["1e90", "99999999999999999999", "-1", "²", "9" * 5000, "9999-12-31", "2026-02-30"]
MALFORMED_BODIES = [
    ("{", "application/json"),
    ("[]", "application/json"),
    ("null", "application/json"),
    ('"x"', "application/json"),
    ("\xff\xfe", "application/json"),
    ('{"a": 1}', "text/plain"),
    ("<x/>", "application/xml"),
    ("a=1&b=2", "application/x-www-form-urlencoded"),
]

# Which of the walk's objects an API path's {id} names (by its first segments).
API_IDS = {
    "nodes": "l2_1_1",
    "compounds": "compound_1_1",
    "buildings": "building_1_1",
    "households": "household_1_1",
    "persons": "person_1_1",
    "facilities": "facility",
    "cases": "case",
    "meetings": "meeting",
    "party/orgs": "party_branch",
    "party/members": "party_member",
    "party/themed-days": "themed_day",
    "party/tracing": "tracing_case",
}


# Plausible values for required fields, so that a request gets past the schema to the
# service with the one hostile field.
def _ids(o) -> dict[str, Any]:
    return {
        "grid": o.l2_1_1.pk,
        "node": o.l2_1_1.pk,
        "compound": o.compound_1_1.pk,
        "building": o.building_1_1.pk,
        "household": o.household_1_1.pk,
        "person": o.person_1_1.pk,
        "member": o.party_member.pk,
        "branch": o.party_branch.pk,
        "original": o.case.pk,
        "category": "parking",
        "kind": "venue",
    }


def _resolve(schemas: dict, s: dict) -> dict:
    if "$ref" in s:
        return _resolve(schemas, schemas[s["$ref"].rsplit("/", 1)[-1]])
    for combinator in ("anyOf", "allOf", "oneOf"):
        if combinator in s:
            alternatives = [a for a in s[combinator] if a.get("type") != "null"]
            return _resolve(schemas, alternatives[0])
    return s


def _plausible(name: str, s: dict, ids: dict[str, Any]) -> Any:
    if name in ids:
        return ids[name]
    if "enum" in s:
        return s["enum"][0]
    if s.get("format") == "date":
        return dt.date.today().isoformat()
    return {"integer": 1, "number": 1, "boolean": False, "array": []}.get(s.get("type"), "x")


def _api_url(path: str, o) -> str:
    rest = path.removeprefix("/api/v1/")
    key = "/".join(rest.split("/")[:2]) if rest.startswith("party/") else rest.split("/")[0]
    pk = getattr(o, API_IDS[key]).pk if key in API_IDS else 1
    return path.replace("{id}", str(pk)).replace("{kind}", "households")


@pytest.fixture
def api(walk_objects):
    client = Client(raise_request_exception=False)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_issue(user=walk_objects.alice)}"
    spec = client.get("/api/v1/openapi.json").json()
    return client, spec


def test_api_writes_answer_hostile_fields_with_4xx_and_leave_every_page_working(walk_objects, api):
    client, spec = api
    schemas, ids = spec["components"]["schemas"], _ids(walk_objects)
    errors, tried = {}, 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if method == "get" or not body:
                continue
            schema = _resolve(schemas, body["schema"])
            fields = schema.get("properties", {})
            base = {
                name: _plausible(name, _resolve(schemas, s), ids)
                for name, s in fields.items()
                if name in schema.get("required", [])
            }
            url = _api_url(path, walk_objects)
            for name in fields:
                for value in HOSTILE_JSON:
                    tried += 1
                    r = getattr(client, method)(
                        url, json.dumps({**base, name: value}), content_type="application/json"
                    )
                    if r.status_code >= 500:
                        errors[f"{method} {url} {name}={str(value)[:12]}"] = r.status_code
    assert tried > 1000
    assert errors == {}
    # Whatever those requests wrote, every page and every API read still answers.
    client.force_login(walk_objects.alice)
    failing = {}
    for url in [*_web_pages(walk_objects), *_api_reads(spec, walk_objects)]:
        r = client.get(url)
        if r.status_code >= 500:
            failing[url] = r.status_code
    assert failing == {}


def _web_pages(o) -> list[str]:
    urls = []
    for route, name, _p in routes():
        if route.startswith(("api/", "admin/")) or route.endswith((".xlsx", "reveal/")):
            continue
        if "<" not in route:
            urls.append("/" + route)
        elif name in WEB_OBJECTS and "<str:" not in route and route.count("<") == 1:
            urls.append(_web_url(route, getattr(o, WEB_OBJECTS[name]).pk))
    return urls


def _api_reads(spec: dict, o) -> list[str]:
    return [_api_url(p, o) for p, ops in spec["paths"].items() if "get" in ops]


def test_api_queries_and_ids_answer_hostile_values_with_4xx(walk_objects, api):
    client, spec = api
    errors = {}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            url = _api_url(path, walk_objects)
            names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
            for name in names:
                for value in HOSTILE_QUERY:
                    r = getattr(client, method)(f"{url}?{name}={value}")
                    if r.status_code >= 500:
                        errors[f"{method} {url}?{name}={value[:12]}"] = r.status_code
            if "{id}" in path:
                for value in HOSTILE_QUERY:
                    r = getattr(client, method)(path.replace("{id}", value))
                    if r.status_code >= 500:
                        errors[f"{method} {path} id={value[:12]}"] = r.status_code
    assert errors == {}


def test_api_writes_answer_malformed_bodies_and_wrong_content_types_with_4xx(walk_objects, api):
    client, spec = api
    errors = {}
    for path, operations in spec["paths"].items():
        for method in operations:
            if method == "get":
                continue
            url = _api_url(path, walk_objects)
            for body, content_type in MALFORMED_BODIES:
                r = getattr(client, method)(url, body, content_type=content_type)
                if r.status_code >= 500:
                    errors[f"{method} {url} {content_type} {body!r}"] = r.status_code
            # A form where JSON is expected: the form parsed first must not spend the body.
            r = client.post(url, {"a": "1"}) if method == "post" else None
            if r is not None and r.status_code >= 500:
                errors[f"{method} {url} multipart"] = r.status_code
    assert errors == {}


@pytest.mark.parametrize("value", HOSTILE_QUERY, ids=lambda v: v[:12])
def test_every_page_answers_hostile_query_values_with_4xx(walk_objects, value):
    """Every parameter a page reads, all at once (one request per page and value)."""
    names = (
        "node", "grid", "building", "household", "dispute", "branch", "category", "page",
        "period", "year", "month", "state", "kind", "flag", "q", "code", "channel", "all",
    )  # fmt: skip
    params = dict.fromkeys(names, value)
    client = Client(raise_request_exception=False)
    errors = {}
    for who in (walk_objects.alice, None):
        client.logout()
        if who is not None:
            client.force_login(who)
        for url in _web_pages(walk_objects):
            r = client.get(url, params)
            if r.status_code >= 500:
                errors[f"{who} {url}"] = r.status_code
    assert errors == {}


def test_the_inbox_and_attendance_refuse_ids_that_are_no_ids(client, walk_objects):
    client.force_login(walk_objects.alice)
    for value in ("²", "9" * 5000, "-1"):
        r = client.post("/cases/inbox/read/", {"ids": [value]})
        assert r.status_code < 500
        r = client.post(
            f"/party/themed-days/{walk_objects.themed_day.pk}/attendance/",
            {f"m-{value}": "present"},
        )
        assert r.status_code < 500


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "9" * 5000, "-1"])
def test_a_choice_of_residents_refuses_values_that_are_no_ids(client, walk_objects, value):
    """Splitting a household: SQLite cannot bind 99999999999999999999 in the choice's
    query, so it was a 500 before it was an invalid choice."""
    client.force_login(walk_objects.alice)
    url = f"/registry/households/{walk_objects.household_1_1.pk}/split/"
    r = client.post(url, {"persons": [value], "occurred_on": "2026-01-05"})
    assert r.status_code == 200
    assert r.context["form"].errors["persons"]
