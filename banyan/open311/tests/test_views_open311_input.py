"""Malformed Open311 input, without an account: every error in the spec's format (JSON or
XML, as the URL asks) with a 400 naming the parameter, never a 500, nothing written."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse

from banyan.casework.models import Case
from banyan.casework.tests.factories import add_centres
from banyan.open311 import render, services

J = {"jurisdiction_id": "daoshenggen"}
HUGE = "99999999999999999999"  # past SQLite's 64-bit integers


@pytest.fixture
def o311(world):
    add_centres(world)
    world.community.code = "daoshenggen"
    world.community.save(update_fields=["code"])
    world.building_1_1.lat, world.building_1_1.lng = Decimal("22.7801"), Decimal("100.9773")
    world.building_1_1.save(update_fields=["lat", "lng"])
    world.key, world.raw_key = services.open311_key_issue(community=world.community, name="应用")
    return world


def errors(r, fmt: str) -> list[dict]:
    if fmt == "xml":
        assert r["Content-Type"] == "text/xml; charset=utf-8"
        root = ET.fromstring(r.content)  # noqa: S314 (our own document)
        assert root.tag == "errors"
        return [
            {"code": int(e.findtext("code")), "description": e.findtext("description")}
            for e in root
        ]
    assert r["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(r.content)


BAD_DATES = [
    "2026-02-30",
    "2026-13-45",
    "2026-01-01T25:00:00",
    "2026-01-01T00:00:00+99:00",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00-23:00",
    "9999-12-31T23:59:59+23:00",
    "yesterday",
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
@pytest.mark.parametrize("value", BAD_DATES)
def test_impossible_dates_are_400_naming_the_parameter(client, o311, fmt, name, value):
    r = client.get(reverse("open311:requests", args=[fmt]), {**J, name: value})
    assert r.status_code == 400
    [error] = errors(r, fmt)
    assert error["code"] == 400 and name in error["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"service_request_id": HUGE}, "service_request_id"),
        ({"service_request_id": "1,²"}, "service_request_id"),
        ({"service_request_id": "-1"}, "service_request_id"),
        ({"service_request_id": ",".join(str(i) for i in range(1, 300))}, "service_request_id"),
        ({"service_code": ",".join(f"c{i}" for i in range(300))}, "service_code"),
        ({"status": "maybe"}, "status"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, o311, fmt, params, name):
    r = client.get(reverse("open311:requests", args=[fmt]), {**J, **params})
    assert r.status_code == 400
    [error] = errors(r, fmt)
    assert name in error["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("request_id", [HUGE, "²", "1e3"])
def test_a_request_id_that_cannot_exist_is_404_not_500(client, o311, fmt, request_id):
    r = client.get(reverse("open311:request-detail", args=[request_id, fmt]), J)
    assert r.status_code == 404 and errors(r, fmt)[0]["code"] == 404


@pytest.mark.parametrize("jurisdiction", [HUGE, "²", "x" * 5000])
def test_a_jurisdiction_that_cannot_exist_is_404(client, o311, jurisdiction):
    r = client.get(reverse("open311:services", args=["json"]), {"jurisdiction_id": jurisdiction})
    assert r.status_code == 404 and errors(r, "json")[0]["code"] == 404
    assert len(r.content) < 500  # what the client sent is not echoed in full


@pytest.mark.parametrize("token", [HUGE, "x" * 3000, "²", "a b-c"])
def test_a_token_that_cannot_exist_is_404(client, o311, token):
    r = client.get(reverse("open311:token", args=[token, "xml"]), J)
    assert r.status_code == 404 and errors(r, "xml")[0]["code"] == 404


POST_BAD = [
    ({"address_id": HUGE}, "address_id"),
    ({"address_id": "²"}, "address_id"),
    ({"address_id": "1.5"}, "address_id"),
    ({"address_id": None, "lat": "1000", "long": "100.97"}, "lat"),
    ({"address_id": None, "lat": "1e400", "long": "100.97"}, "lat"),
    ({"address_id": None, "lat": "nan", "long": "100.97"}, "lat"),
    ({"address_id": None, "lat": "22.78", "long": "-inf"}, "long"),
    ({"address_id": None, "lat": "22.78", "long": "0x10"}, "long"),
    ({"jurisdiction_id": HUGE}, "jurisdiction_id"),
    ({"phone": "12345"}, "phone"),
    ({"description": "x" * 4001}, "description"),
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("change", "name"), POST_BAD)
def test_bad_posts_are_errors_naming_the_parameter_and_write_nothing(
    client, o311, fmt, change, name
):
    data = {
        **J,
        "api_key": o311.raw_key,
        "service_code": "roof_leak",
        "address_id": str(o311.building_1_1.pk),
        "description": "楼顶渗水",
        **change,
    }
    data = {k: v for k, v in data.items() if v is not None}
    r = client.post(reverse("open311:requests", args=[fmt]), data)
    assert r.status_code in (400, 404), r.content
    [error] = errors(r, fmt)
    assert name in error["description"], error
    assert not Case.objects.exists()


def test_the_error_helper_answers_in_the_format_the_url_asks_for(rf: RequestFactory):
    """For code that refuses an Open311 request before its view (the NUL-byte middleware)."""
    xml_request = rf.get(reverse("open311:requests", args=["xml"]))
    json_request = rf.get(reverse("open311:requests", args=["json"]))
    assert render.is_open311(xml_request) and not render.is_open311(rf.get("/cases/"))
    r = render.request_error(xml_request, "service_code: no control characters")
    assert r.status_code == 400 and errors(r, "xml") == [
        {"code": 400, "description": "service_code: no control characters"}
    ]
    r = render.request_error(json_request, "x", status=413)
    assert r.status_code == 413 and errors(r, "json") == [{"code": 413, "description": "x"}]
