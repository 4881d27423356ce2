"""Nothing staff write is public (SECURITY.md 17): every channel a case comes in by, against
every public output (Open311 lists and single requests as JSON and XML, the tracking and
thank-you pages, the posters). Only a resident's own words from the QR poster or Open311
are published, as a separate public text that staff may correct or hide (one event each).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from banyan.accounts.tokens import token_issue
from banyan.casework import services
from banyan.casework.models import Case
from banyan.casework.services.intake import building_intake_token
from banyan.common.errors import ValidationFailed
from banyan.open311 import services as open311_services
from banyan.timeline.models import Event

from .factories import add_centres, category

# What staff wrote about the resident in each case: never in a public output.
STAFF = "王秀英残疾，低保户，电话13712345678"
J = {"jurisdiction_id": "daoshenggen"}


@pytest.fixture
def matrix(world, client):
    """A roof leak (a problem with a place: the kind Open311 shows most of) in building
    1-1 through every channel: staff on the page, staff over the API (a grid manager and
    the building head, who name no channel), the QR poster, Open311."""
    w = world
    w.client = client
    add_centres(w)
    w.community.code = "daoshenggen"
    w.community.save(update_fields=["code"])
    w.building_1_1.lat, w.building_1_1.lng = Decimal("22.780100"), Decimal("100.977300")
    w.building_1_1.save(update_fields=["lat", "lng"])
    w.key, w.raw_key = open311_services.open311_key_issue(community=w.community, name="应用")
    leak = category("roof_leak")
    w.cases = {}
    for channel, who in (
        ("visit", w.bob),
        ("phone", w.bob),
        ("walk_in", w.bob),
        ("building_head", w.dave),
    ):
        w.cases[channel] = services.case_create(
            actor=who,
            category=leak,
            description=f"{channel}：{STAFF}",
            channel=channel,
            building=w.building_1_1,
        )
    for name, who in (("api", w.bob), ("api_head", w.dave)):
        r = w.client.post(
            "/api/v1/cases",
            json.dumps(
                {
                    "category": "roof_leak",
                    "description": f"{name}：{STAFF}",
                    "building": w.building_1_1.pk,
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token_issue(user=who)}",
        )
        assert r.status_code == 201, r.content
        w.cases[name] = Case.objects.get(pk=r.json()["id"])
    w.cases["qr"] = services.intake_submit(
        building=w.building_1_1,
        category=leak,
        description="顶楼漏水，QR居民原话",
        client_key="client:test",
    )
    r = w.client.post(
        reverse("open311:requests", args=["json"]),
        {
            **J,
            "api_key": w.raw_key,
            "service_code": "roof_leak",
            "address_id": str(w.building_1_1.pk),
            "description": "楼顶渗水，Open311居民原话",
        },
    )
    assert r.status_code == 200, r.content
    w.cases["open311"] = Case.objects.get(pk=int(r.json()[0]["service_request_id"]))
    return w


def public_outputs(client, w) -> dict[str, str]:
    """Every public output there is, by name, as text (anonymous, then staff for posters)."""
    client.logout()
    out = {}
    for fmt in ("json", "xml"):
        out[f"requests.{fmt}"] = client.get(
            reverse("open311:requests", args=[fmt]), J
        ).content.decode()
        for name, case in w.cases.items():
            detail = reverse("open311:request-detail", args=[case.pk, fmt])
            out[f"{name} requests/{case.pk}.{fmt}"] = client.get(detail, J).content.decode()
            token = reverse("open311:token", args=[case.tracking_code, fmt])
            out[f"{name} tokens.{fmt}"] = client.get(token, J).content.decode()
    for name, case in w.cases.items():
        for page in ("intake:track", "intake:thanks"):
            r = client.get(reverse(page, args=[case.tracking_code]))
            assert r.status_code == 200, (name, page)
            out[f"{name} {page}"] = r.content.decode()
    out["lookup"] = client.get(reverse("intake:track-lookup")).content.decode()
    token = building_intake_token(building=w.building_1_1)
    out["form"] = client.get(reverse("intake:form", args=[token])).content.decode()
    client.force_login(w.alice)
    out["poster"] = client.get(reverse("intake:poster", args=[w.building_1_1.pk])).content.decode()
    out["posters"] = client.get(
        reverse("intake:poster-compound", args=[w.compound_1_1.pk])
    ).content.decode()
    client.logout()
    return out


def descriptions(client) -> dict[str, str | None]:
    body = json.loads(client.get(reverse("open311:requests", args=["json"]), J).content)
    return {item["service_request_id"]: item["description"] for item in body}


def test_staff_text_reaches_no_public_output_whatever_the_channel(client, matrix):
    outputs = public_outputs(client, matrix)
    leaks = [name for name, text in outputs.items() if "王秀英" in text or "13712345678" in text]
    assert leaks == []
    # A staff case shows its category only; the residents' own words are published.
    shown = descriptions(client)
    for name, case in matrix.cases.items():
        expected = {
            "qr": "顶楼漏水，QR居民原话",
            "open311": "楼顶渗水，Open311居民原话",
        }.get(name)
        assert shown[str(case.pk)] == expected, name
    xml = outputs["requests.xml"]
    assert xml.count("<description>") == 2 and "QR居民原话" in xml


def test_staff_over_the_api_default_to_their_own_channel_never_a_residents(matrix):
    assert matrix.cases["api"].channel == "api" and matrix.cases["api_head"].channel == "api"
    assert not matrix.cases["api"].came_from_resident
    assert (matrix.cases["open311"].channel, matrix.cases["qr"].channel) == ("open311", "qr")
    assert all(c.public_text == "" for n, c in matrix.cases.items() if n not in ("qr", "open311"))


@pytest.mark.parametrize("channel", ["qr", "open311"])
def test_staff_may_not_name_a_residents_channel(matrix, channel):
    auth = f"Bearer {token_issue(user=matrix.bob)}"
    before = Case.objects.count()
    r = matrix.client.post(
        "/api/v1/cases",
        json.dumps(
            {
                "category": "roof_leak",
                "description": STAFF,
                "building": matrix.building_1_1.pk,
                "channel": channel,
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert r.status_code in (400, 422) and "channel" in r.content.decode()
    with pytest.raises(ValidationFailed) as err:
        services.case_create(
            actor=matrix.bob,
            category=category("roof_leak"),
            description=STAFF,
            channel=channel,
            building=matrix.building_1_1,
            public_text=STAFF,
        )
    assert err.value.field == "channel"
    assert Case.objects.count() == before


def test_a_people_request_from_a_resident_still_shows_no_text(client, matrix):
    """Requests about people show their grid only (docs/open311.md), even in a resident's
    own words."""
    case = services.intake_submit(
        building=matrix.building_1_1,
        category=category("elderly_care"),
        description="我家老人独居，需要助餐",
        client_key="client:other",
    )
    assert case.public_text == "我家老人独居，需要助餐"
    assert descriptions(client)[str(case.pk)] is None


def test_staff_correct_and_hide_the_public_text_one_event_each(client, matrix):
    case = matrix.cases["qr"]
    before = Event.objects.count()
    services.case_public_text_edit(actor=matrix.bob, case=case, text="顶楼漏水")
    assert descriptions(client)[str(case.pk)] == "顶楼漏水"
    services.case_public_text_hide(actor=matrix.bob, case=case)
    assert descriptions(client)[str(case.pk)] is None
    services.case_public_text_hide(actor=matrix.bob, case=case, hidden=False)
    assert descriptions(client)[str(case.pk)] == "顶楼漏水"
    events = list(Event.objects.order_by("id")[before:])
    assert [e.verb for e in events] == [
        "case_public_text_edited",
        "case_public_text_hidden",
        "case_public_text_shown",
    ]
    assert events[0].data["before"] == "顶楼漏水，QR居民原话"
    assert not any(e.data["public"] for e in events)  # not steps on the tracking page
    track = client.get(reverse("intake:track", args=[case.tracking_code]))
    assert "QR居民原话" not in track.content.decode() and "顶楼漏水" in track.content.decode()
    # The internal description is untouched.
    assert Case.objects.get(pk=case.pk).description == "顶楼漏水，QR居民原话"


def test_moderation_is_for_those_who_handle_the_case(matrix):
    qr = matrix.cases["qr"]
    with pytest.raises(PermissionDenied):  # the building head sees it, does not handle it
        services.case_public_text_hide(actor=matrix.dave, case=qr)
    for outsider in (matrix.charlie, matrix.mallory, matrix.eve):
        with pytest.raises(Http404):
            services.case_public_text_edit(actor=outsider, case=qr, text="x")
    # A staff case has no public text to give: staff words are never published.
    with pytest.raises(ValidationFailed) as err:
        services.case_public_text_edit(actor=matrix.bob, case=matrix.cases["visit"], text="x")
    assert err.value.field == "public_text"
    assert Case.objects.get(pk=qr.pk).public_text == "顶楼漏水，QR居民原话"
    assert not Event.objects.filter(verb__startswith="case_public_text")


def test_the_case_page_moderates_through_its_moves(client, matrix):
    qr = matrix.cases["qr"]
    client.force_login(matrix.bob)
    page = client.get(reverse("casework:case-detail", args=[qr.pk])).content.decode()
    assert 'id="public-text"' in page
    assert reverse("casework:case-move", args=[qr.pk, "hide_public_text"]) in page
    r = client.post(
        reverse("casework:case-move", args=[qr.pk, "public_text"]),
        {"text": "屋顶漏水", "version": qr.version},
    )
    assert r.status_code == 302
    qr.refresh_from_db()
    r = client.post(
        reverse("casework:case-move", args=[qr.pk, "hide_public_text"]), {"version": qr.version}
    )
    assert r.status_code == 302
    qr.refresh_from_db()
    assert (qr.public_text, qr.public_text_hidden) == ("屋顶漏水", True)
    # A case staff recorded offers no public text at all.
    visit = matrix.cases["visit"]
    page = client.get(reverse("casework:case-detail", args=[visit.pk])).content.decode()
    assert 'id="public-text"' not in page
    r = client.post(
        reverse("casework:case-move", args=[visit.pk, "public_text"]),
        {"text": "x", "version": visit.version},
    )
    assert r.status_code == 200 and r.context["form"].errors
    # And through the API.
    r = matrix.client.post(
        f"/api/v1/cases/{qr.pk}/transitions",
        json.dumps({"action": "show_public_text"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_issue(user=matrix.bob)}",
    )
    assert r.status_code == 200 and r.json()["public_text_hidden"] is False
    assert "hide_public_text" in r.json()["actions"]


def test_a_resolution_note_stays_inside_unless_written_for_the_resident(client, matrix):
    case = services.case_accept(actor=matrix.bob, case=matrix.cases["qr"])
    case = services.case_assign(actor=matrix.bob, case=case, route="repair")
    case = services.case_resolve(actor=matrix.repairs, case=case, note=f"已修，{STAFF}")
    texts = public_outputs(client, matrix)
    assert [n for n, t in texts.items() if "王秀英" in t] == []
    assert Case.objects.get(pk=case.pk).public_note == ""


# serialized_rollback: a transactional test empties the tables afterwards; this restores
# the reference data the migrations seeded (case categories), here and for what follows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_publishes_only_what_residents_wrote(world):
    old, new = (
        ("casework", "0005_photo_sizes"),
        ("casework", "0006_public_text_visit_purpose_and_teams"),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([old])
    try:
        _migrate_and_check(world, old, new)
    finally:
        # Whatever happened, later tests find the schema the models describe.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate_and_check(world, old, new):
    executor = MigrationExecutor(connection)
    apps = executor.loader.project_state([old]).apps
    OldCase = apps.get_model("casework", "Case")
    OldVisit = apps.get_model("casework", "Visit")
    leak = apps.get_model("casework", "CaseCategory").objects.get(code="roof_leak")
    common = {
        "community_id": world.community.pk,
        "grid_id": world.l2_1_1.pk,
        "building_id": world.building_1_1.pk,
        "kind": "repair",
        "category_id": leak.pk,
        "title": "t",
        "due_at": timezone.now(),
    }
    rows = {
        "qr": OldCase.objects.create(
            **common, channel="qr", description="居民：顶楼漏水", tracking_code="A2345678AA"
        ),
        "open311": OldCase.objects.create(
            **common, channel="api", description="居民：楼顶渗水", tracking_code="A2345678AB"
        ),
        "staff_api": OldCase.objects.create(
            **common,
            channel="api",
            description=STAFF,
            entered_by_id=world.bob.pk,
            tracking_code="A2345678AC",
        ),
        "staff_qr": OldCase.objects.create(
            **common,
            channel="qr",
            description=STAFF,
            entered_by_id=world.bob.pk,
            tracking_code="A2345678AD",
        ),
        "visit": OldCase.objects.create(
            **common,
            channel="visit",
            description=STAFF,
            entered_by_id=world.bob.pk,
            tracking_code="A2345678AE",
        ),
    }
    visits = {
        text: OldVisit.objects.create(
            community_id=world.community.pk,
            grid_id=world.l2_1_1.pk,
            household_id=world.household_1_1.pk,
            visited_on="2026-04-01",
            visitor_id=world.bob.pk,
            purpose=text,
        ).pk
        for text in ("日常走访", "矛盾回访", "关爱探访：高龄老人", "帮老人换灯泡")
    }
    executor = MigrationExecutor(connection)
    executor.migrate([new])
    # The models as the migration left them (later migrations may add columns).
    apps = executor.loader.project_state([new]).apps
    NewCase, NewVisit = apps.get_model("casework", "Case"), apps.get_model("casework", "Visit")
    got = {name: NewCase.objects.get(pk=row.pk) for name, row in rows.items()}
    assert {n: (c.channel, c.public_text) for n, c in got.items()} == {
        "qr": ("qr", "居民：顶楼漏水"),
        "open311": ("open311", "居民：楼顶渗水"),
        "staff_api": ("api", ""),
        "staff_qr": ("api", ""),
        "visit": ("visit", ""),
    }
    new_visits = {text: NewVisit.objects.get(pk=pk) for text, pk in visits.items()}
    assert {t: (v.purpose, v.purpose_note) for t, v in new_visits.items()} == {
        "日常走访": ("routine", ""),
        "矛盾回访": ("follow_up", ""),
        "关爱探访：高龄老人": ("care", "高龄老人"),
        "帮老人换灯泡": ("other", "帮老人换灯泡"),
    }
