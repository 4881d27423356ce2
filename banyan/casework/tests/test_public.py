"""Residents without an account: the QR poster, its form, the limits, the tracking page."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from banyan.casework import services
from banyan.casework.models import (
    BuildingIntake,
    Case,
    CaseCategory,
    CasePhoto,
    IntakeCounter,
)
from banyan.casework.services.intake import building_intake_token, client_key_for
from banyan.casework.workflow import State
from banyan.common.tests.photos import png, refuse_decoding
from banyan.places.models import Building
from banyan.registry.tests.test_concurrency import race
from banyan.timeline.models import Event

from .factories import add_centres, category

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def loop(world):
    add_centres(world)
    world.token = building_intake_token(building=world.building_1_1)
    world.form_url = reverse("intake:form", args=[world.token])
    return world


def jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buf, format="JPEG")
    return SimpleUploadedFile("leak.jpg", buf.getvalue(), content_type="image/jpeg")


def report(client, world, *, ip="10.0.0.1", **fields):
    data = {
        "category": category("roof_leak").pk,
        "description": "顶楼漏水，楼道墙皮脱落",
        "where": "2单元顶楼楼道",
        "phone": PHONE,
        **fields,
    }
    return client.post(world.form_url, data, REMOTE_ADDR=ip)


def nothing_written() -> bool:
    return (
        not Case.objects.exists()
        and not CasePhoto.objects.exists()
        and not Event.objects.filter(subject_type="case").exists()
        and not IntakeCounter.objects.exists()
    )


# --- the form -------------------------------------------------------------------------------


def test_a_resident_reports_from_the_qr_form(client, loop):
    page = client.get(loop.form_url)
    assert page.status_code == 200
    assert "皮鞋厂小区 1栋" in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    r = report(client, loop, photo=jpeg(), phone="139 1234 5678")
    case = Case.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("intake:thanks", args=[case.tracking_code])
    assert (case.channel, case.state) == ("qr", State.SUBMITTED)
    assert case.building == loop.building_1_1 and case.grid == loop.l2_1_1
    assert case.reporter_phone == PHONE and case.entered_by is None
    assert case.address == "2单元顶楼楼道"
    assert case.photos.get().public is False
    assert Event.objects.filter(subject_type="case", subject_id=case.pk).count() == 1

    thanks = client.get(r["Location"])
    assert case.tracking_code in thanks.content.decode()
    assert reverse("intake:track", args=[case.tracking_code]) in thanks.content.decode()
    assert "no-store" in thanks["Cache-Control"]


def test_the_form_says_nothing_about_the_buildings_residents(client, loop):
    html = client.get(loop.form_url).content.decode()
    assert loop.person_1_1.name not in html
    assert loop.household_1_1.room not in html


def test_the_form_offers_only_the_communitys_public_categories(client, loop):
    own = CaseCategory.objects.create(
        community=loop.community, code="lift", name="电梯故障", kind="repair",
        default_route="repair", deadline_hours=24,
    )  # fmt: skip
    other = CaseCategory.objects.create(
        community=loop.other_community, code="moon", name="月光专属", kind="request",
        default_route="grid", deadline_hours=24,
    )  # fmt: skip
    options = client.get(loop.form_url).context["form"].fields["category"].queryset
    codes = {c.code for c in options}
    assert {"roof_leak", "lift"} <= codes
    assert "neighbour_dispute" not in codes and other.code not in codes
    r = report(client, loop, category=category("neighbour_dispute").pk)
    assert r.status_code == 200 and "category" in r.context["form"].errors
    assert own.pk and nothing_written()


def test_the_form_link_is_a_token_never_a_building_id(client, loop):
    assert len(loop.token) >= 16 and str(loop.building_1_1.pk) != loop.token
    assert client.get(f"/r/{loop.building_1_1.pk}/").status_code == 404
    assert client.get("/r/AAAAAAAAAAAAAAAAAAAA/").status_code == 404


def test_a_non_image_upload_is_a_field_error_and_writes_no_case(client, loop):
    fake = SimpleUploadedFile("leak.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    r = report(client, loop, photo=fake)
    assert r.status_code == 200
    assert "photo" in r.context["form"].errors
    assert not Case.objects.exists() and not CasePhoto.objects.exists()
    assert not Event.objects.filter(subject_type="case").exists()


def test_a_bad_phone_is_a_field_error_and_writes_nothing(client, loop):
    r = report(client, loop, phone="12345")
    assert "phone" in r.context["form"].errors
    assert nothing_written()


def test_the_form_needs_its_csrf_token(loop):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert report(strict, loop).status_code == 403
    assert not Case.objects.exists()


# --- limits ---------------------------------------------------------------------------------


def test_one_client_is_limited_per_hour(client, loop, settings):
    settings.BANYAN_INTAKE_PER_CLIENT_HOUR = 2
    assert report(client, loop).status_code == 302
    assert report(client, loop).status_code == 302
    r = report(client, loop)
    assert r.status_code == 429
    assert "2" in r.content.decode() and r.context["form"].non_field_errors()
    assert Case.objects.count() == 2
    # Another address is another client; an hour later the first may report again.
    assert report(client, loop, ip="10.0.0.2").status_code == 302
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1), tick=False):
        assert report(client, loop).status_code == 302
    assert Case.objects.count() == 4


def test_one_building_is_limited_per_day(client, loop, settings):
    settings.BANYAN_INTAKE_PER_BUILDING_DAY = 2
    assert report(client, loop, ip="10.0.0.1").status_code == 302
    assert report(client, loop, ip="10.0.0.2").status_code == 302
    r = report(client, loop, ip="10.0.0.3")
    assert r.status_code == 429
    assert Case.objects.count() == 2
    # The limit is the building's: the next building's poster still works.
    other = building_intake_token(building=loop.building_2_1)
    r = client.post(
        reverse("intake:form", args=[other]),
        {"category": category("roof_leak").pk, "description": "漏水"},
        REMOTE_ADDR="10.0.0.3",
    )
    assert r.status_code == 302
    assert Case.objects.count() == 3


def test_a_limited_submission_counts_nothing(client, loop, settings):
    settings.BANYAN_INTAKE_PER_BUILDING_DAY = 1
    report(client, loop, ip="10.0.0.1")
    report(client, loop, ip="10.0.0.2")  # refused by the building limit
    # The refused client's hourly counter rolled back with the refusal.
    assert not IntakeCounter.objects.filter(key=client_key_for("10.0.0.2")).exists()


def counted(ip: str) -> int:
    return sum(IntakeCounter.objects.filter(key=client_key_for(ip)).values_list("count", flat=True))


def test_a_photo_that_fails_to_decode_still_uses_up_a_slot(client, loop, settings):
    """The photo is decoded after the slot is taken, and a failure does not give the slot
    back: a flood of costly photos stops at the limit like any other."""
    settings.BANYAN_INTAKE_PER_CLIENT_HOUR = 3
    for _ in range(3):
        r = report(client, loop, photo=png(2000, 2000, bad_last_row=True))
        assert r.status_code == 200 and "photo" in r.context["form"].errors
    assert counted("10.0.0.1") == 3
    r = report(client, loop, photo=jpeg())
    assert r.status_code == 429
    assert not Case.objects.exists() and not CasePhoto.objects.exists()


def test_a_photo_with_too_many_pixels_is_refused_from_its_header_and_counts(
    client, loop, monkeypatch
):
    no_decoding = refuse_decoding(monkeypatch)
    r = report(client, loop, photo=png(20_000, 20_000, header_only=True))
    assert r.status_code == 200 and "photo" in r.context["form"].errors
    r = report(client, loop, photo=png(6300, 6300, bad_last_row=True))
    assert r.status_code == 200 and "photo" in r.context["form"].errors
    assert no_decoding == [] and counted("10.0.0.1") == 2
    assert not Case.objects.exists()


def test_a_typo_costs_no_slot(client, loop):
    r = report(client, loop, phone="12345", photo=jpeg())
    assert "phone" in r.context["form"].errors
    assert counted("10.0.0.1") == 0


def test_clients_are_counted_without_storing_their_address(client, loop):
    report(client, loop, ip="203.0.113.9")
    keys = list(IntakeCounter.objects.values_list("key", flat=True))
    assert all("203.0.113.9" not in k for k in keys)
    v6 = client_key_for("2001:db8:1:2:aaaa::1")
    assert v6 == client_key_for("2001:db8:1:2:bbbb::7")  # one /64, one household
    assert v6 != client_key_for("2001:db8:1:3::1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_residents_racing_for_the_last_slot_make_one_case(world, settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL (SQLite serialises all writers)")
    settings.BANYAN_INTAKE_PER_BUILDING_DAY = 1
    roof = category("roof_leak")

    def submit(i):
        return lambda: services.intake_submit(
            building=Building.objects.get(pk=world.building_1_1.pk),
            category=roof,
            description="漏水",
            client_key=f"client:{i}",
        )

    counter = iter(range(100))
    results = race(4, lambda: submit(next(counter))())
    assert sum(isinstance(r, Case) for r in results) == 1
    assert Case.objects.count() == 1


# --- tracking -------------------------------------------------------------------------------


@pytest.fixture
def reported(client, loop):
    report(client, loop, photo=jpeg())
    loop.case = Case.objects.get()
    loop.track_url = reverse("intake:track", args=[loop.case.tracking_code])
    return loop


def resolve(world, *, internal="住户张桂英独居，低保户，钥匙在邻居家"):
    case = services.case_accept(actor=world.bob, case=world.case)
    services.case_note(actor=world.bob, case=case, note=internal)  # internal: not public
    case = services.case_assign(actor=world.bob, case=case, route="repair")
    case = services.case_resolve(
        actor=world.repairs,
        case=case,
        note="更换防水层，钥匙还给邻居王阿姨",
        public_note="更换防水层",
        photos=[jpeg()],
    )
    world.case = case
    return case


def test_the_tracking_page_shows_progress_and_nothing_personal(client, reported):
    resolve(reported)
    r = client.get(reported.track_url)
    html = r.content.decode()
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    assert "屋顶漏水" in html and "更换防水层" in html
    assert reported.case.get_state_display() in html
    for secret in (
        PHONE,
        "139****5678",
        reported.person_1_1.name,
        reported.household_1_1.room,
        "钥匙在邻居家",  # the internal note
        "王阿姨",  # the resolution's internal note
        reported.repairs.first_name,  # who was assigned
        reported.bob.first_name,
        "2单元顶楼楼道",  # the reporter's "where" text
    ):
        # Photo URLs carry a hash and timestamps microseconds: either may spell "101" (the
        # room) by chance, so neither is searched.
        assert secret not in re.sub(r'"/r/track/[^"]+\.jpg"|datetime="[^"]*"', "", html), secret
    # The resolution photo is public; the resident's own report photo is not served.
    public = reported.case.photos.get(public=True)
    private = reported.case.photos.get(public=False)
    code = reported.case.tracking_code
    for size in ("thumb", "medium"):
        url = reverse("intake:track-photo", args=[code, public.pk, size, public.photo_token(size)])
        assert url in html
        r = client.get(url)
        assert r.status_code == 200 and r["Cache-Control"].startswith("private, max-age=")
        url = reverse(
            "intake:track-photo", args=[code, private.pk, size, private.photo_token(size)]
        )
        assert client.get(url).status_code == 404 and url not in html
    # A public photo under another case's code is not found either.
    other = services.case_create(
        actor=reported.bob,
        category=category("roof_leak"),
        description="另一处漏水",
        channel="visit",
        building=reported.building_1_1,
    )
    url = reverse(
        "intake:track-photo", args=[other.tracking_code, public.pk, "thumb", public.thumb_token]
    )
    assert client.get(url).status_code == 404


def test_the_resident_confirms_with_a_rating(client, reported):
    resolve(reported)
    before = Event.objects.count()
    url = reverse("intake:track-confirm", args=[reported.case.tracking_code])
    r = client.post(url, {"confirm-rating": "4", "confirm-comment": "修好了，谢谢"})
    assert r.status_code == 302 and r["Location"] == reported.track_url
    case = Case.objects.get()
    assert (case.state, case.rating, case.feedback) == (State.CLOSED, 4, "修好了，谢谢")
    assert list(Event.objects.order_by("id").values_list("verb", "actor")[before:]) == [
        ("case_confirmed", None)
    ]


def test_the_resident_reopens_when_it_is_not_fixed(client, reported):
    resolve(reported)
    before = Event.objects.count()
    url = reverse("intake:track-reopen", args=[reported.case.tracking_code])
    r = client.post(url, {"reopen-comment": "还在漏"})
    assert r.status_code == 302
    assert Case.objects.get().state == State.REOPENED
    assert list(Event.objects.order_by("id").values_list("verb", flat=True)[before:]) == [
        "case_reopened"
    ]
    assert "还在漏" in client.get(reported.track_url).content.decode()


def test_bad_answers_write_nothing(client, reported):
    code = reported.case.tracking_code
    before = Event.objects.count()
    # Not resolved yet: nothing to confirm.
    r = client.post(reverse("intake:track-confirm", args=[code]), {"confirm-rating": "5"})
    assert r.status_code == 400
    resolve(reported)
    before = Event.objects.count()
    r = client.post(reverse("intake:track-confirm", args=[code]), {"confirm-rating": "9"})
    assert r.status_code == 400 and "confirm-rating" in r.content.decode()
    r = client.post(reverse("intake:track-reopen", args=[code]), {"reopen-comment": ""})
    assert r.status_code == 400
    assert Event.objects.count() == before
    assert Case.objects.get().state == State.RESOLVED


def test_the_questions_show_only_when_resolved(client, reported):
    html = client.get(reported.track_url).content.decode()
    assert 'id="is-it-fixed"' not in html
    resolve(reported)
    html = client.get(reported.track_url).content.decode()
    assert 'id="confirm-form"' in html and 'id="reopen-form"' in html


def test_a_confirmed_case_can_still_be_reopened_for_a_while(client, reported, settings):
    resolve(reported)
    code = reported.case.tracking_code
    client.post(reverse("intake:track-confirm", args=[code]), {"confirm-rating": "5"})
    html = client.get(reported.track_url).content.decode()
    assert 'id="confirm-form"' not in html and 'id="not-fixed-after-all"' in html
    client.post(reverse("intake:track-reopen", args=[code]), {"reopen-comment": "又漏了"})
    assert Case.objects.get().state == State.REOPENED
    settings.BANYAN_REOPEN_DAYS = 0
    Case.objects.update(state=State.CLOSED, closed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert 'id="not-fixed-after-all"' not in client.get(reported.track_url).content.decode()


def test_a_code_can_be_typed_in(client, reported):
    code = reported.case.tracking_code
    r = client.get(reverse("intake:track-lookup"), {"code": f" {code.lower()} "})
    assert r.status_code == 302 and r["Location"] == reported.track_url
    r = client.get(reverse("intake:track-lookup"), {"code": "ZZZZZZZZZZ"})
    assert r.status_code == 404
    assert client.get(reverse("intake:track", args=["ZZZZZZZZZZ"])).status_code == 404


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_a_code_typed_the_way_people_type_it_is_found(client, reported):
    code = reported.case.tracking_code
    grouped = f"{code[:3]} {code[3:6]}-{code[6:]}"
    for typed in (
        code.lower(),
        grouped,
        grouped.lower(),
        f"{code[:5]}\u3000{code[5:]}",  # an ideographic space
        _full_width(code),  # a Chinese keyboard in full-width mode
        f"{code[:5]}－{code[5:]}",  # a full-width hyphen
    ):
        r = client.get(reverse("intake:track-lookup"), {"code": typed})
        assert (r.status_code, r.get("Location")) == (302, reported.track_url), typed
    # The address bar, typed by hand, lands on the code's own page.
    r = client.get(reverse("intake:track", args=[code.lower()]))
    assert r.status_code == 302 and r["Location"] == reported.track_url


def test_letters_a_code_never_has_get_a_hint_and_are_not_guessed(client, reported):
    code = reported.case.tracking_code
    typo = "0" + code[1:]  # codes have no 0, O, 1 or I: we say so, and guess nothing
    r = client.get(reverse("intake:track-lookup"), {"code": typo})
    assert r.status_code == 404 and "查询码里没有 0、O、1 和 I" in r.content.decode()
    r = client.get(reverse("intake:track-lookup"), {"code": code[:6]})
    assert r.status_code == 404 and "十位" in r.content.decode()
    assert not IntakeCounter.objects.filter(key__startswith="track-").exists()


def test_a_client_trying_codes_is_refused_for_the_hour(client, reported, settings):
    settings.BANYAN_TRACK_MISSES_PER_CLIENT_HOUR = 3
    with time_machine.travel("2026-05-01 09:00 +0800", tick=False):
        for i in range(3):
            r = client.get(reverse("intake:track", args=[f"ZZZZZZZZZ{i + 2}"]))
            assert r.status_code == 404
        # Now even the right code waits an hour, on every page a code opens.
        code = reported.case.tracking_code
        assert client.get(reported.track_url).status_code == 429
        r = client.get(reverse("intake:track-lookup"), {"code": code})
        assert r.status_code == 429
        r = client.get(reverse("open311:token", args=[code, "json"]))
        assert r.status_code == 429 and r.json()[0]["code"] == 429
        # Another address is not held up.
        assert client.get(reported.track_url, REMOTE_ADDR="10.9.9.9").status_code == 200
    with time_machine.travel("2026-05-01 10:01 +0800", tick=False):
        assert client.get(reported.track_url).status_code == 200
    # A typo of the wrong shape costs nothing: it never reaches the database.
    assert IntakeCounter.objects.filter(key__startswith="track-").get().count == 3


# --- posters --------------------------------------------------------------------------------


def test_a_grid_worker_prints_a_poster_linking_to_the_form(client, loop, settings):
    settings.BANYAN_PUBLIC_URL = "https://banyan.example.cn"
    client.force_login(loop.bob)
    r = client.get(reverse("intake:poster", args=[loop.building_1_1.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert "<svg" in html and "皮鞋厂小区" in html
    assert f"https://banyan.example.cn/r/{loop.token}/" in html
    assert " style=" not in html and "<script>" not in html


def test_without_a_public_url_links_use_the_address_the_request_came_in_on(client, loop, settings):
    settings.BANYAN_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["grid.example.cn"]
    client.force_login(loop.bob)
    for url in (
        reverse("intake:poster", args=[loop.building_1_1.pk]),
        reverse("intake:poster-compound", args=[loop.compound_1_1.pk]),
    ):
        html = client.get(url, HTTP_HOST="grid.example.cn").content.decode()
        assert f"http://grid.example.cn/r/{loop.token}/" in html
        assert "127.0.0.1" not in html
    body = client.get(reverse("open311:discovery", args=["json"]), HTTP_HOST="grid.example.cn")
    assert body.json()["endpoints"][0]["url"] == "http://grid.example.cn/open311/v2/"


def test_the_public_url_defaults_to_none():
    from banyan.settings import base

    assert "127.0.0.1" not in base.BANYAN_PUBLIC_URL


def test_a_building_head_prints_the_poster_of_his_own_building(client, loop):
    client.force_login(loop.dave)
    assert client.get(reverse("intake:poster", args=[loop.building_1_1.pk])).status_code == 200
    assert client.get(reverse("intake:poster", args=[loop.building_2_1.pk])).status_code == 404


@pytest.mark.parametrize("outsider", ["charlie", "mallory", "eve"])
def test_outsiders_get_404_on_posters(client, loop, outsider):
    client.force_login(getattr(loop, outsider))
    for url in (
        reverse("intake:poster", args=[loop.building_1_1.pk]),
        reverse("intake:poster-compound", args=[loop.compound_1_1.pk]),
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(reverse("intake:poster-renew", args=[loop.building_1_1.pk])).status_code == 404
    )


def test_posters_need_a_login(client, loop):
    r = client.get(reverse("intake:poster", args=[loop.building_1_1.pk]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_a_compound_prints_every_buildings_poster(client, loop):
    second = Building.objects.create(
        community=loop.community, grid=loop.l2_1_1, compound=loop.compound_1_1, number="2栋"
    )
    client.force_login(loop.bob)
    with_tokens = BuildingIntake.objects.count()
    html = client.get(reverse("intake:poster-compound", args=[loop.compound_1_1.pk])).content
    html = html.decode()
    assert html.count('class="poster"') == 2 and "2栋" in html
    assert BuildingIntake.objects.count() == with_tokens + 1  # made for the new building
    token = BuildingIntake.objects.get(building=second).token
    assert f"/r/{token}/" in html


def test_a_new_link_retires_old_posters(client, loop):
    client.force_login(loop.bob)
    r = client.post(reverse("intake:poster-renew", args=[loop.building_1_1.pk]))
    assert r.status_code == 302
    new = BuildingIntake.objects.get(building=loop.building_1_1).token
    assert new != loop.token
    assert client.get(loop.form_url).status_code == 404
    assert client.get(reverse("intake:form", args=[new])).status_code == 200
    assert Event.objects.filter(verb="intake_link_renewed").count() == 1
    # A building head may print the poster but not retire it.
    client.force_login(loop.dave)
    assert (
        client.post(reverse("intake:poster-renew", args=[loop.building_1_1.pk])).status_code == 403
    )


def test_the_poster_page_has_no_inline_script_or_style(client, loop):
    client.force_login(loop.bob)
    html = client.get(reverse("intake:poster", args=[loop.building_1_1.pk])).content.decode()
    assert not re.search(r"<script>|<style|\sstyle=|\sonclick=", html)


def test_a_huge_post_to_the_qr_form_is_refused_before_it_reaches_the_disk(
    client, loop, monkeypatch
):
    """An anonymous 1 GB POST was written to a temporary file before the view's 8 MB check."""

    def refuse(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", refuse)
    r = client.post(
        loop.form_url,
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(1024**3),
        REMOTE_ADDR="10.0.0.1",
    )
    assert r.status_code == 413
    assert nothing_written()
    # The way back is the form (photos.js shows this page in the form's place).
    assert f'<a class="btn" href="{loop.form_url}">' in r.content.decode()
