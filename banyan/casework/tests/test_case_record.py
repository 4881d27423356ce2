"""A building head (dave) sees what he reported and the state of his building's cases,
never a case's record: no dispute parties, mediation sessions, agreement, description,
reporter or internal history (Cap.VIEW_CASE_RECORD, in the roles table). HTML and API."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from banyan.accounts.roles import CAPABILITIES, Cap, Role
from banyan.accounts.tokens import token_issue
from banyan.casework import selectors, services

from .factories import add_centres, category

# What staff wrote down about the dispute, and who is in it.
SECRETS = ("张桂英说楼上漏水三个月", "双方各让一步", "楼上赔偿八百元", "13812345678")
TODAY = "2026-05-01 09:00 +0800"


def jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buf, format="JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def dispute(world):
    """A dispute in dave's building, worked by bob: a party, a session, an agreement."""
    add_centres(world)
    with time_machine.travel(TODAY, tick=False):
        case = services.case_create(
            actor=world.bob,
            category=category("neighbour_dispute"),
            description=SECRETS[0],
            channel="visit",
            household=world.household_1_1,
            reporter_name="张桂英",
            reporter_phone=SECRETS[3],
            photos=[jpeg()],
        )
        services.dispute_party_add(actor=world.bob, case=case, person=world.person_1_1)
        services.mediation_session_add(
            actor=world.bob,
            case=case,
            held_on=dt.date(2026, 4, 30),
            attendees="双方、网格员",
            summary=SECRETS[1],
            agreed=SECRETS[2],
        )
        services.dispute_record_agreement(actor=world.bob, case=case, agreement=SECRETS[2])
    world.case = case
    return world


def api(world, who, path, **params):
    token = token_issue(user=getattr(world, who))
    from django.test import Client

    return Client().get(f"/api/v1{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_roles_table_keeps_the_record_from_building_heads():
    assert Cap.VIEW_CASE_RECORD not in CAPABILITIES[Role.BUILDING_HEAD]
    assert Cap.VIEW_CASES in CAPABILITIES[Role.BUILDING_HEAD]
    for role in (Role.GRID_MANAGER, Role.COMMUNITY_ADMIN, Role.SERVICE_CENTRE):
        assert Cap.VIEW_CASE_RECORD in CAPABILITIES[role]


def test_the_building_head_sees_the_state_of_a_dispute_and_nothing_of_its_record(client, dispute):
    client.force_login(dispute.dave)
    page = client.get(reverse("casework:case-detail", args=[dispute.case.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert dispute.case.get_state_display() in html and "邻里纠纷" in html
    for secret in (*SECRETS, dispute.person_1_1.name, "138****5678", 'id="dispute"'):
        assert secret not in html, secret
    listing = client.get(reverse("casework:case-list")).content.decode()
    assert f"#{dispute.case.pk}" in listing and SECRETS[0] not in listing
    # No search probes the record either.
    found = client.get(reverse("casework:case-list"), {"q": "漏水", "open": "on"})
    assert f"#{dispute.case.pk}" not in found.content.decode()
    # The report photo may show a person: only public photos for him.
    photo = dispute.case.photos.get()
    for size in ("thumb", "medium"):
        url = reverse(
            "casework:case-photo",
            args=[dispute.case.pk, photo.pk, size, photo.photo_token(size)],
        )
        assert client.get(url).status_code == 404, size
    # Bob, who works it, still reads all of it.
    client.force_login(dispute.bob)
    html = client.get(reverse("casework:case-detail", args=[dispute.case.pk])).content.decode()
    assert all(s in html for s in SECRETS[:3]) and dispute.person_1_1.name in html
    assert client.get(url).status_code == 200  # the very URL he was refused


def test_the_api_gives_the_building_head_the_state_only(dispute):
    r = api(dispute, "dave", f"/cases/{dispute.case.pk}")
    assert r.status_code == 200
    body = r.json()
    text = json.dumps(body, ensure_ascii=False)
    for secret in (*SECRETS, dispute.person_1_1.name, "138****5678"):
        assert secret not in text, secret
    assert body["title"] == "邻里纠纷" and body["description"] == ""
    assert body["persons"] == [] and body["household"] is None
    assert {e["verb"] for e in body["history"]} <= {"case_created", "case_accepted"}
    listed = api(dispute, "dave", "/cases").json()["items"]
    assert [c["title"] for c in listed] == ["邻里纠纷"]
    assert SECRETS[0] not in json.dumps(listed, ensure_ascii=False)
    assert api(dispute, "dave", "/cases", q="漏水").json()["count"] == 0
    # bob's view is whole.
    full = api(dispute, "bob", f"/cases/{dispute.case.pk}").json()
    assert full["description"] == SECRETS[0] and full["persons"] == [dispute.person_1_1.pk]
    assert "mediation_held" in {e["verb"] for e in full["history"]}


def test_the_building_head_reads_what_he_reported_himself(client, dispute):
    own = services.case_create(
        actor=dispute.dave,
        category=category("blocked_pipe"),
        description="3单元下水道堵了，住户说是楼上倒油",
        channel="building_head",
        building=dispute.building_1_1,
    )
    assert selectors.can_read_record(dispute.dave, own)
    assert not selectors.can_read_record(dispute.dave, dispute.case)
    client.force_login(dispute.dave)
    html = client.get(reverse("casework:case-detail", args=[own.pk])).content.decode()
    assert "3单元下水道堵了，住户说是楼上倒油" in html
    body = api(dispute, "dave", f"/cases/{own.pk}").json()
    assert body["description"] == "3单元下水道堵了，住户说是楼上倒油"
    assert body["title"] == "3单元下水道堵了，住户说是楼上倒油"
    # Even a dispute he reported shows him no mediation: that is the capability's alone.
    reported = services.case_create(
        actor=dispute.dave,
        category=category("neighbour_dispute"),
        description="楼道堆物纠纷",
        channel="building_head",
        building=dispute.building_1_1,
    )
    reported = services.case_accept(actor=dispute.bob, case=reported)
    services.mediation_session_add(
        actor=dispute.bob,
        case=reported,
        held_on=dt.date.today(),
        attendees="双方",
        summary="李家不肯搬",
    )
    html = client.get(reverse("casework:case-detail", args=[reported.pk])).content.decode()
    assert "楼道堆物纠纷" in html and "李家不肯搬" not in html and 'id="sessions"' not in html


def test_the_building_head_notes_only_what_he_reported(client, dispute):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.case_note(actor=dispute.dave, case=dispute.case, note="楼上那家又吵", public=True)
    client.force_login(dispute.dave)
    url = reverse("casework:case-move", args=[dispute.case.pk, "note"])
    note = {"note": "x", "public": "on", "version": dispute.case.version}
    assert client.post(url, note).status_code == 403
    page = client.get(reverse("casework:case-detail", args=[dispute.case.pk])).content.decode()
    assert url not in page
    assert api(dispute, "dave", f"/cases/{dispute.case.pk}").json()["actions"] == []
    own = services.case_create(
        actor=dispute.dave,
        category=category("blocked_pipe"),
        description="下水道堵了",
        channel="building_head",
        building=dispute.building_1_1,
    )
    services.case_note(actor=dispute.dave, case=own, note="今天又堵了")
    assert api(dispute, "dave", f"/cases/{own.pk}").json()["actions"] == ["note"]
