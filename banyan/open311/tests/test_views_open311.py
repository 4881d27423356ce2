"""Open311 GeoReport v2, field by field against the spec, and nothing personal let out."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from banyan.casework import services as casework
from banyan.casework.models import Case, CaseCategory, Open311Key, Route
from banyan.casework.tests.factories import add_centres, category
from banyan.casework.workflow import State
from banyan.open311 import services
from banyan.timeline.models import Event

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
PHONE = "13812345678"


@pytest.fixture
def o311(world):
    """A QR report (roof leak), a staff-recorded social-assistance request about a person,
    a dispute (not public) and a case in the other community; an api_key for alice's."""
    add_centres(world)
    w = world
    w.community.code = "daoshenggen"
    w.community.save(update_fields=["code"])
    w.building_1_1.lat, w.building_1_1.lng = Decimal("22.780100"), Decimal("100.977300")
    w.building_1_1.save(update_fields=["lat", "lng"])
    w.l2_2_1.lat, w.l2_2_1.lng = Decimal("22.790000"), Decimal("100.980000")
    w.l2_2_1.save(update_fields=["lat", "lng"])
    w.leak = casework.intake_submit(
        building=w.building_1_1,
        category=category("roof_leak"),
        description="顶楼漏水",
        where="3单元502门口",
        phone=PHONE,
        client_key="client:test",
    )
    w.assistance = casework.case_create(
        actor=w.charlie,
        category=category("social_assistance"),
        description="李秀兰独居，申请低保",
        channel="visit",
        household=w.household_2_1,
        persons=[w.person_2_1],
        reporter_name="李秀兰",
        reporter_phone="13700001111",
    )
    w.dispute = casework.case_create(
        actor=w.bob,
        category=category("neighbour_dispute"),
        description="楼上楼下噪音纠纷",
        channel="visit",
        household=w.household_1_1,
    )
    w.elsewhere = casework.case_create(
        actor=w.mallory,
        category=category("roof_leak"),
        description="月光漏水",
        channel="phone",
        grid=w.other_l2,
    )
    w.key, w.raw_key = services.open311_key_issue(community=w.community, name="测试应用")
    w.other_key, w.other_raw_key = services.open311_key_issue(
        community=w.other_community, name="月光应用"
    )
    return w


def url(name: str, fmt: str = "json", *args) -> str:
    return reverse(f"open311:{name}", args=[*args, fmt])


def get_json(client, name, *args, **params):
    r = client.get(url(name, "json", *args), params)
    assert r["Content-Type"] == "application/json; charset=utf-8"
    return r, json.loads(r.content)


def get_xml(client, name, *args, **params):
    r = client.get(url(name, "xml", *args), params)
    assert r["Content-Type"] == "text/xml; charset=utf-8"
    assert r.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return r, ET.fromstring(r.content)  # noqa: S314 (our own document)


J = {"jurisdiction_id": "daoshenggen"}


# --- services -------------------------------------------------------------------------------


def test_services_json_lists_the_public_categories_field_by_field(client, o311):
    r, body = get_json(client, "services", **J)
    assert r.status_code == 200
    assert all(list(s) == SERVICE_FIELDS for s in body)
    by_code = {s["service_code"]: s for s in body}
    assert "neighbour_dispute" not in by_code  # disputes are not offered to residents
    roof = by_code["roof_leak"]
    assert roof["service_name"] == "屋顶漏水"
    assert roof["metadata"] is False and roof["type"] == "realtime"
    assert roof["group"] == "repair"
    assert "roof_leak" in roof["keywords"] and "Roof leak" in roof["keywords"]
    assert "3" in roof["description"]  # dealt with within 3 days


def test_services_xml_has_the_same_services(client, o311):
    _r, root = get_xml(client, "services", **J)
    _r, body = get_json(client, "services", **J)
    assert root.tag == "services"
    assert [s.tag for s in root] == ["service"] * len(body)
    first = root[0]
    assert [c.tag for c in first] == SERVICE_FIELDS
    assert first.findtext("service_code") == body[0]["service_code"]
    assert first.findtext("metadata") == "false"


def test_services_name_the_community_by_id_or_code(client, o311):
    by_id = get_json(client, "services", jurisdiction_id=o311.community.pk)[1]
    by_code = get_json(client, "services", **J)[1]
    assert by_id == by_code


def test_a_community_category_replaces_the_shared_one(client, o311):
    CaseCategory.objects.create(
        community=o311.community, code="roof_leak", name="屋面渗漏", kind="repair",
        default_route="repair", deadline_hours=48,
    )  # fmt: skip
    body = get_json(client, "services", **J)[1]
    roofs = [s for s in body if s["service_code"] == "roof_leak"]
    assert [s["service_name"] for s in roofs] == ["屋面渗漏"]


def test_service_definition(client, o311):
    r, body = get_json(client, "service-definition", "roof_leak", **J)
    assert r.status_code == 200 and body == {"service_code": "roof_leak", "attributes": []}
    r, root = get_xml(client, "service-definition", "roof_leak", **J)
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    r, body = get_json(client, "service-definition", "neighbour_dispute", **J)
    assert r.status_code == 404 and body[0]["code"] == 404


def test_discovery(client, o311):
    _r, body = get_json(client, "discovery")
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert "text/xml" in endpoint["formats"] and "application/json" in endpoint["formats"]
    _r, root = get_xml(client, "discovery")
    assert root.find("endpoints/endpoint/formats/format") is not None


# --- errors ---------------------------------------------------------------------------------


def test_errors_come_in_the_specs_format(client, o311):
    r, body = get_json(client, "services", jurisdiction_id="nowhere.gov")
    assert r.status_code == 404
    assert body == [{"code": 404, "description": body[0]["description"]}]
    assert "nowhere.gov" in body[0]["description"]
    r, root = get_xml(client, "services", jurisdiction_id="nowhere.gov")
    assert r.status_code == 404 and root.tag == "errors"
    assert root.findtext("error/code") == "404" and root.findtext("error/description")


def test_several_communities_need_a_jurisdiction_id(client, o311):
    r, body = get_json(client, "services")
    assert r.status_code == 400 and "jurisdiction_id" in body[0]["description"]
    r, body = get_json(client, "requests")
    assert r.status_code == 400


def test_a_wrong_method_is_an_error_document(client, o311):
    r = client.post(url("services"), J)
    assert r.status_code == 405 and json.loads(r.content)[0]["code"] == 405


# --- GET requests ---------------------------------------------------------------------------


def test_requests_json_field_by_field(client, o311):
    r, body = get_json(client, "requests", **J)
    assert r.status_code == 200
    assert all(list(item) == REQUEST_FIELDS for item in body)
    leak = next(i for i in body if i["service_request_id"] == str(o311.leak.pk))
    assert leak["status"] == "open"
    assert leak["service_code"] == "roof_leak" and leak["service_name"] == "屋顶漏水"
    assert leak["description"] == "顶楼漏水"  # written by the resident for the public form
    assert leak["address"] == "1栋, 皮鞋厂小区, 倒生根社区"
    assert leak["address_id"] == str(o311.building_1_1.pk)
    assert (leak["lat"], leak["long"]) == (22.7801, 100.9773)
    assert leak["media_url"] is None and leak["zipcode"] is None
    assert leak["agency_responsible"] == "倒生根社区"
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert W3C.match(leak[field]), leak[field]
    assert leak["requested_datetime"].endswith("+08:00")


def test_requests_about_people_show_only_their_grid(client, o311):
    body = get_json(client, "requests", **J)[1]
    item = next(i for i in body if i["service_request_id"] == str(o311.assistance.pk))
    assert item["address"] == "网格2-1, 倒生根社区"
    assert item["address_id"] is None and item["description"] is None
    assert (item["lat"], item["long"]) == (22.79, 100.98)  # the grid's, not the home's


def test_no_personal_field_ever_leaves(client, o311):
    casework.case_resolve(
        actor=o311.charlie,
        case=casework.case_assign(
            actor=o311.charlie, case=o311.assistance, route="errand", assignee=o311.charlie
        ),
        note="已为李秀兰办好",
        public_note="已为李秀兰办好低保",
        photos=[_jpeg()],
    )
    texts = []
    for fmt in ("json", "xml"):
        texts.append(client.get(url("requests", fmt), J).content.decode())
        for case in (o311.leak, o311.assistance):
            texts.append(client.get(url("request-detail", fmt, case.pk), J).content.decode())
    text = "\n".join(texts)
    for secret in (
        PHONE,
        "13700001111",
        "李秀兰",
        "办好低保",  # the public note of a request about a person
        o311.person_1_1.name,
        o311.household_1_1.room,
        "3单元502",  # the resident's "where" text
        o311.charlie.first_name,
        o311.leak.tracking_code,  # the resident's credential
    ):
        assert secret not in text, secret


def _jpeg():
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="JPEG")
    return SimpleUploadedFile("x.jpg", buf.getvalue())


def test_disputes_and_other_communities_are_never_listed(client, o311):
    ids = {i["service_request_id"] for i in get_json(client, "requests", **J)[1]}
    assert str(o311.dispute.pk) not in ids and str(o311.elsewhere.pk) not in ids
    r, body = get_json(client, "request-detail", o311.dispute.pk, **J)
    assert r.status_code == 404 and body[0]["code"] == 404
    r, _body = get_json(client, "request-detail", o311.elsewhere.pk, **J)
    assert r.status_code == 404


def test_status_maps_the_workflow_to_open_and_closed(client, o311):
    def status(case):
        body = get_json(client, "request-detail", case.pk, **J)[1]
        return body[0]["status"]

    assert status(o311.leak) == "open"
    case = casework.case_accept(actor=o311.bob, case=o311.leak)
    case = casework.case_assign(actor=o311.bob, case=case, route="repair")
    assert status(case) == "open"
    case = casework.case_resolve(
        actor=o311.repairs, case=case, note="修好了，302老人独居", public_note="顶楼已修好"
    )
    assert status(case) == "closed"
    detail = get_json(client, "request-detail", case.pk, **J)[1][0]
    assert detail["status_notes"] == "顶楼已修好"  # the note for the resident, not the staff's
    with translation.override("zh-hans"):
        assert detail["agency_responsible"] == str(Route.REPAIR.label)
    case = casework.case_reopen(actor=None, case=case, comment="又漏了")
    assert status(case) == "open"
    rejected = casework.case_reject(actor=o311.charlie, case=o311.assistance, reason="不符合")
    assert status(rejected) == "closed"


def test_requests_filter_by_id_code_status_and_dates(client, o311):
    def ids(**params):
        return {i["service_request_id"] for i in get_json(client, "requests", **J, **params)[1]}

    leak, assistance = str(o311.leak.pk), str(o311.assistance.pk)
    assert ids() == {leak, assistance}
    assert ids(service_code="roof_leak") == {leak}
    assert ids(service_code="roof_leak,social_assistance") == {leak, assistance}
    casework.case_reject(actor=o311.charlie, case=o311.assistance, reason="不符合")
    assert ids(status="open") == {leak}
    assert ids(status="closed") == {assistance}
    assert ids(status="open,closed") == {leak, assistance}
    # service_request_id overrides every other filter.
    assert ids(service_request_id=f"{leak},{assistance}", status="open") == {leak, assistance}
    # Dates: requests made in the range only.
    old = Case.objects.filter(pk=o311.leak.pk)
    old.update(created_at=dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC))
    assert ids() == {assistance}  # older than the default 90 days
    assert ids(start_date="2025-02-01T00:00:00+08:00", end_date="2025-03-31T00:00:00Z") == {leak}
    assert ids(start_date="2025-02-01T00:00:00Z") == {leak}
    assert ids(end_date="2025-03-02") == {leak}


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"start_date": "yesterday"},
        {"service_request_id": "1,abc"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
        {"start_date": "2025-06-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"},
    ],
)
def test_bad_filters_are_400_errors(client, o311, params):
    r, body = get_json(client, "requests", **J, **params)
    assert r.status_code == 400 and body[0]["code"] == 400 and body[0]["description"]


def test_request_detail_and_its_xml(client, o311):
    r, body = get_json(client, "request-detail", o311.leak.pk, **J)
    assert r.status_code == 200 and len(body) == 1
    r, root = get_xml(client, "request-detail", o311.leak.pk, **J)
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]
    assert [c.tag for c in root[0]] == REQUEST_FIELDS
    assert root[0].findtext("service_request_id") == str(o311.leak.pk)
    assert root[0].findtext("description") == "顶楼漏水"
    assert get_json(client, "request-detail", "999999", **J)[0].status_code == 404
    assert get_json(client, "request-detail", "abc", **J)[0].status_code == 404


def test_tokens_are_tracking_codes(client, o311):
    code = o311.leak.tracking_code
    r, body = get_json(client, "token", code.lower(), **J)
    assert r.status_code == 200
    assert body == [{"service_request_id": str(o311.leak.pk), "token": code}]
    r, root = get_xml(client, "token", code, **J)
    assert root.findtext("request/service_request_id") == str(o311.leak.pk)
    assert root.findtext("request/token") == code
    r, body = get_json(client, "token", "ZZZZZZZZZZ", **J)
    assert r.status_code == 404 and body[0]["code"] == 404


# --- POST requests --------------------------------------------------------------------------


def post(client, o311, fmt="json", **fields):
    data = {
        "api_key": o311.raw_key,
        "jurisdiction_id": "daoshenggen",
        "service_code": "roof_leak",
        "address_id": str(o311.building_1_1.pk),
        "description": "楼顶防水层破了",
        "first_name": "桂英",
        "last_name": "张",
        "phone": "+86 139-0000-2222",
        "email": "someone@example.cn",
        "media_url": "http://example.com/photo.jpg",
        **fields,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(url("requests", fmt), data)


def test_post_with_a_valid_key_creates_a_submitted_request(client, o311):
    r = post(client, o311)
    assert r.status_code == 200
    body = json.loads(r.content)
    assert list(body[0]) == ["service_request_id", "service_notice", "account_id"]
    case = Case.objects.get(pk=int(body[0]["service_request_id"]))
    assert (case.channel, case.state, case.entered_by) == ("open311", State.SUBMITTED, None)
    assert case.building == o311.building_1_1
    assert case.reporter_name == "张 桂英" and case.reporter_phone == "13900002222"
    assert body[0]["account_id"] is None
    assert f"/r/track/{case.tracking_code}/" in body[0]["service_notice"]
    # What the client sent about the person never comes back out.
    text = client.get(url("request-detail", "json", case.pk), J).content.decode()
    text += client.get(url("requests", "xml"), J).content.decode()
    for secret in ("桂英", "13900002222", "someone@example.cn", "photo.jpg"):
        assert secret not in text


def test_post_answers_in_xml_too(client, o311):
    r = post(client, o311, fmt="xml")
    root = ET.fromstring(r.content)  # noqa: S314 (our own document)
    assert root.tag == "service_requests"
    assert [c.tag for c in root[0]] == ["service_request_id", "service_notice", "account_id"]


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"api_key": None}, 403),
        ({"api_key": "not-a-key"}, 403),
        ({"jurisdiction_id": "nowhere.gov"}, 404),
        ({"service_code": "neighbour_dispute"}, 404),
        ({"service_code": ""}, 400),
        ({"address_id": None}, 400),
        ({"address_id": "abc"}, 400),
        ({"lat": "22.78", "address_id": None}, 400),
        ({"phone": "12345"}, 400),
    ],
)
def test_post_refusals_write_nothing(client, o311, fields, status):
    before = (Case.objects.count(), Event.objects.count())
    r = post(client, o311, **fields)
    assert r.status_code == status, r.content
    body = json.loads(r.content)
    assert body[0]["code"] == status and body[0]["description"]
    assert (Case.objects.count(), Event.objects.count()) == before


@pytest.mark.parametrize(
    ("lat", "long", "field"),
    [
        ("1000", "100.97", "lat"),
        ("1e22", "100.97", "lat"),
        ("NaN", "100.97", "lat"),
        ("22.78", "-Infinity", "long"),
        ("22.78", "1e90", "long"),
        ("abc", "100.97", "lat"),
        ("22.78", "", "long"),
    ],
)
def test_a_bad_point_is_a_400_naming_it_in_either_format(client, o311, lat, long, field):
    before = (Case.objects.count(), Event.objects.count())
    for fmt in ("json", "xml"):
        r = post(client, o311, fmt, address_id=None, lat=lat, long=long)
        assert r.status_code == 400, r.content
        text = r.content.decode()
        assert f"{field}: " in text, text
    assert (Case.objects.count(), Event.objects.count()) == before


def test_a_key_works_only_for_its_community(client, o311):
    r = post(client, o311, api_key=o311.other_raw_key)
    assert r.status_code == 403
    # Without a jurisdiction_id the key's own community is meant; bob's building is not in it.
    r = post(client, o311, api_key=o311.other_raw_key, jurisdiction_id=None)
    assert r.status_code == 400 and "address_id" in json.loads(r.content)[0]["description"]


def test_a_revoked_key_is_refused(client, o311):
    services.open311_key_revoke(key=o311.key)
    assert post(client, o311).status_code == 403


def test_a_point_is_placed_at_the_nearest_building(client, o311):
    r = post(client, o311, address_id=None, lat="22.780200", long="100.977350")
    case = Case.objects.get(pk=int(json.loads(r.content)[0]["service_request_id"]))
    assert case.building == o311.building_1_1
    assert case.lat == Decimal("22.780200")
    # Far from every building and every mapped grid: refused.
    r = post(client, o311, address_id=None, lat="31.2", long="121.5")
    assert r.status_code == 400


def test_a_point_inside_a_grid_without_a_building_is_placed_in_the_grid(client, o311):
    o311.l2_2_1.geometry = {
        "type": "Polygon",
        "coordinates": [
            [[100.0, 22.0], [100.1, 22.0], [100.1, 22.1], [100.0, 22.1], [100.0, 22.0]]
        ],
    }
    o311.l2_2_1.save(update_fields=["geometry"])
    r = post(client, o311, address_id=None, lat="22.05", long="100.05", service_code="environment")
    case = Case.objects.get(pk=int(json.loads(r.content)[0]["service_request_id"]))
    assert case.grid == o311.l2_2_1 and case.building is None


def test_posts_count_against_the_buildings_daily_limit(client, o311, settings):
    settings.BANYAN_INTAKE_PER_BUILDING_DAY = 1  # the QR report in the fixture took it
    r = post(client, o311)
    assert r.status_code == 429 and json.loads(r.content)[0]["code"] == 429


# --- keys -----------------------------------------------------------------------------------


def test_the_key_command_prints_a_key_once_and_stores_its_hash(o311):
    out = io.StringIO()
    call_command("open311_key", "daoshenggen", "--name", "微信小程序", stdout=out)
    raw = out.getvalue().splitlines()[1].strip()
    key = Open311Key.objects.get(name="微信小程序")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert key.community == o311.community and len(raw) >= 40
    listing = io.StringIO()
    call_command("open311_key", "--list", stdout=listing)
    assert "微信小程序" in listing.getvalue() and raw not in listing.getvalue()
    call_command("open311_key", "--revoke", str(key.pk), stdout=io.StringIO())
    key.refresh_from_db()
    assert key.active is False


def test_requests_json_costs_the_same_few_queries_however_many_requests(
    client, o311, django_assert_max_num_queries
):
    for _ in range(5):
        casework.intake_submit(
            building=o311.building_1_1,
            category=category("blocked_pipe"),
            description="下水道堵了",
            client_key="client:many",
        )
    # The community, the page of requests (with their buildings joined), and once (not
    # per row) their categories, and their grids and community together.
    with django_assert_max_num_queries(4):
        r = client.get(url("requests"), J)
    assert len(json.loads(r.content)) == 7
