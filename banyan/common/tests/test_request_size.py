"""A request body is bounded before anything reads it (SECURITY.md 12, 19): larger than
BANYAN_MAX_REQUEST_BYTES is a 413 in the route's format; a body without a declared length
is never read."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

GIGABYTE = str(1024**3)


@pytest.fixture
def unparsed(monkeypatch):
    """Fails the test if any multipart body is parsed (a file would reach the disk)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", refuse)


def _declared(client: Client, path: str, length: str = GIGABYTE, **extra):
    """A POST whose Content-Length declares `length` bytes (the body sent is small)."""
    return client.post(
        path,
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=length,
        **extra,
    )


def test_a_body_over_the_limit_is_a_413_page_before_it_is_read(client, db, unparsed):
    r = _declared(client, reverse("accounts:login"))
    assert r.status_code == 413
    assert r["Content-Type"].startswith("text/html")
    html = r.content.decode()
    assert '<html lang="zh-hans">' in html and "一次发送的内容过多" in html
    assert "最多发送 12 MB" in html
    assert 'name="viewport"' in html
    # The way back is the form (photos.js puts this page in the form's place).
    assert re.search(r'<a class="btn" href="/accounts/login/">回到表单</a>', html)
    # The security headers hold for this early answer too.
    assert "default-src 'self'" in r["Content-Security-Policy"]


def test_the_413_page_is_english_when_english_is_asked_for(client, db, unparsed):
    r = _declared(client, reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 413
    assert "Too much sent at once" in r.content.decode()
    assert "at most 12 MB at once" in r.content.decode()


def test_the_api_answers_413_in_its_error_shape(client, db, unparsed):
    r = client.post(
        "/api/v1/cases", b"{}", content_type="application/json", CONTENT_LENGTH=GIGABYTE
    )
    assert r.status_code == 413
    assert r["Content-Type"] == "application/json"
    assert r.json() == {"detail": "请求过大：一次最多发送 12 MB。", "field": None}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_413_in_its_error_document(client, db, unparsed, fmt):
    r = _declared(client, f"/open311/v2/requests.{fmt}")
    assert r.status_code == 413
    if fmt == "json":
        assert r.json() == [{"code": 413, "description": "一次发送的内容过多"}]
    else:
        assert r["Content-Type"].startswith("text/xml")
        assert b"<code>413</code>" in r.content


def _form_with_a_file(size: int) -> dict:
    return {
        "username": "bob",
        "password": "x",
        "file": SimpleUploadedFile("a.bin", b"\xff" * size, "application/octet-stream"),
    }


def test_the_limit_is_a_setting_and_a_body_at_the_limit_passes(client, db, settings):
    settings.BANYAN_MAX_REQUEST_BYTES = 4000
    assert client.post(reverse("accounts:login"), _form_with_a_file(4100)).status_code == 413
    # Under the limit the form is read as usual (a wrong password: the form again).
    r = client.post(reverse("accounts:login"), _form_with_a_file(3000))
    assert r.status_code == 200 and "form" in r.context


def test_the_largest_legitimate_form_fits_the_default_limit(settings):
    """A themed day's nine photos, shrunk by the phone to 1600 px at JPEG 0.8: even pure
    noise (the largest such a JPEG gets, 1.3 MB) fits, with the form's fields around it."""
    from banyan.party.services.themed import MAX_PHOTOS

    worst_photo = 1_300_000
    assert MAX_PHOTOS * worst_photo + 64 * 1024 < settings.BANYAN_MAX_REQUEST_BYTES


class CountingStream:
    """A request body of any size, counting what is read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = b"x" * (size if size and size > 0 else 1024 * 1024)
        self.read_bytes += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def test_a_body_that_declares_no_length_is_never_read(client, db):
    """Chunked: no Content-Length. Django (under WSGI) reads such a body as empty."""
    stream = CountingStream()
    r = client.post(
        reverse("accounts:login"),
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": stream},
    )
    assert stream.read_bytes == 0
    assert r.status_code in (200, 403)  # the form again, or CSRF: never the body


def test_the_413_json_names_no_field_and_keeps_the_one_shape(client, db):
    r = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "bob"}),
        content_type="application/json",
        CONTENT_LENGTH=GIGABYTE,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.json() == {
        "detail": "The request is too large: at most 12 MB may be sent at once.",
        "field": None,
    }


def test_the_way_back_never_leaves_the_site(rf, settings):
    from banyan.common.middleware import RequestSizeMiddleware

    request = rf.post("/", b"", content_type="text/plain", CONTENT_LENGTH=GIGABYTE)
    request.path = request.path_info = "//evil.example/r/x/"

    def view(r):
        raise AssertionError("the view ran")

    html = RequestSizeMiddleware(view)(request).content.decode()
    buttons = re.findall(r'<a class="btn" href="([^"]*)">', html)
    assert buttons == ["/"]
