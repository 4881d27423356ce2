"""common.pages.form_view: a form page's GET, its POST through one service, the message
and the redirect, a DomainError on its field and a stale edit shown again."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from banyan.common import pages
from banyan.common.errors import DomainError, StaleEdit
from banyan.common.forms import VersionedForm


class NameForm(VersionedForm):
    name = forms.CharField(max_length=10)
    color = forms.CharField(required=False)

    def __init__(self, *args: Any, color: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["color"].initial = color


class FileForm(forms.Form):
    note = forms.CharField(required=False)
    upload = forms.FileField()


@pytest.fixture
def shown(monkeypatch):
    """What form_view rendered: (template, context) of each page."""
    pages_shown: list[tuple[str, dict]] = []

    def fake_render(request, template, context):
        pages_shown.append((template, context))
        return pages.HttpResponse("page")

    monkeypatch.setattr(pages, "render", fake_render)
    return pages_shown


def _request(method: str = "get", data: dict | None = None, **extra: Any):
    factory = RequestFactory()
    request = getattr(factory, method)("/x/", data or {}, **extra)
    request._messages = CookieStorage(request)
    return request


def _messages(request) -> list[str]:
    return [str(m) for m in get_messages(request)]


def test_a_get_shows_the_form_with_its_initial_values_and_calls_nothing(shown):
    calls = []
    response = pages.form_view(
        _request(),
        NameForm,
        calls.append,
        done="Saved.",
        then="/done/",
        title="Name it",
        back="/back/",
        subtitle="row 1",
        initial={"name": "甲", "version": 3},
        color="red",
    )
    assert response.status_code == 200 and calls == []
    [(template, context)] = shown
    form = context["form"]
    assert template == "form_page.html" and not form.is_bound
    assert (context["title"], context["back"], context["subtitle"]) == (
        "Name it",
        "/back/",
        "row 1",
    )
    assert form.initial == {"name": "甲", "version": 3} and form.fields["color"].initial == "red"


def test_a_valid_post_calls_the_service_once_then_says_so_and_redirects(shown):
    calls = []
    request = _request("post", {"name": "乙", "version": "2"})

    def save(d: dict) -> SimpleNamespace:
        calls.append(d)
        return SimpleNamespace(pk=7, name=d["name"])

    response = pages.form_view(
        request,
        NameForm,
        save,
        done=lambda row: f"{row.name} saved.",
        then=lambda row: f"/rows/{row.pk}/",
    )
    assert response.status_code == 302 and response["Location"] == "/rows/7/"
    assert calls == [{"name": "乙", "color": "", "version": 2}]
    assert _messages(request) == ["乙 saved."] and shown == []


def test_no_message_when_done_is_none(shown):
    request = _request("post", {"name": "乙", "version": "2"})
    response = pages.form_view(request, NameForm, lambda d: 1, done=None, then="/next/")
    assert response["Location"] == "/next/" and _messages(request) == []


def test_an_invalid_post_shows_the_form_again_and_calls_nothing(shown):
    calls = []
    request = _request("post", {"name": "x" * 11, "version": "2"})
    response = pages.form_view(request, NameForm, calls.append, done="Saved.", then="/done/")
    assert response.status_code == 200 and calls == []
    form = shown[0][1]["form"]
    assert "name" in form.errors and _messages(request) == []


@pytest.mark.parametrize(("field", "where"), [("name", "name"), ("nowhere", "__all__")])
def test_a_domain_error_lands_on_its_field_or_the_form(shown, field, where):
    def refuse(d: dict) -> None:
        raise DomainError("Not this name.", field=field)

    request = _request("post", {"name": "丙", "version": "2"})
    response = pages.form_view(request, NameForm, refuse, done="Saved.", then="/done/")
    assert response.status_code == 200
    form = shown[0][1]["form"]
    assert form.errors[where] == ["Not this name."] and _messages(request) == []


def test_a_stale_edit_shows_the_form_again_at_the_version_now(shown):
    now = SimpleNamespace(name="丁", color="blue", version=5)

    def stale(d: dict) -> None:
        raise StaleEdit("Changed meanwhile.", current=5, changed=["name"], obj=now)

    request = _request("post", {"name": "戊", "color": "green", "version": "2"})
    response = pages.form_view(
        request,
        NameForm,
        stale,
        done="Saved.",
        then="/done/",
        current=lambda obj: {"name": obj.name, "color": obj.color},
    )
    assert response.status_code == 200 and _messages(request) == []
    form = shown[0][1]["form"]
    assert form.data["version"] == "5"
    assert form.data["name"] == "丁"  # the value now, for the field changed meanwhile
    assert form.data["color"] == "green"  # what the user entered elsewhere stays
    assert [(r["yours"], r["now"]) for r in form.stale_changes] == [("戊", "丁")]


def test_files_reach_the_form_only_when_asked_and_a_template_gets_its_context(shown):
    upload = SimpleUploadedFile("a.txt", b"hello")
    request = _request("post", {"upload": upload})
    got = []
    response = pages.form_view(
        request,
        FileForm,
        lambda d: got.append(d["upload"].read()) or "ok",
        done="Stored.",
        then="/files/",
        files=True,
    )
    assert response.status_code == 302 and got == [b"hello"]

    request = _request("post", {"note": "n", "upload": SimpleUploadedFile("a.txt", b"hello")})
    pages.form_view(
        request,
        FileForm,
        got.append,
        done="Stored.",
        then="/files/",
        template="other.html",
        context={"extra": 1},
    )
    [(template, context)] = shown
    assert template == "other.html" and context["extra"] == 1
    assert "upload" in context["form"].errors  # the file was not handed to the form
