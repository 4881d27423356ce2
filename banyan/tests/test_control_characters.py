"""SECURITY.md 19: a control character anywhere in a request is a 400 naming the field, on
every route, signed in or not (banyan.common.middleware.ControlCharacterMiddleware).

On PostgreSQL a NUL in a search, a sign-in, a tracking code or an Open311 parameter was a
500 (the database refuses the statement); SQLite stored it. The walk below runs on
whichever database the suite runs on.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from banyan.accounts.tokens import token_issue
from banyan.casework.models import Case, CaseCategory
from banyan.casework.services import case_create
from banyan.common.cleaning import clean_text
from banyan.common.errors import ValidationFailed

from .test_access_walk import routes

# What fills each kind of path parameter: an id, a word, Open311's format.
FILL = {"int": "1", "open311_format": "json", "intake_token": "abcdefghijkl"}


def _url(route: str, *, nul_in_path: bool = False) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "int"  # ninja's <id> is an int
        if converter in FILL and not (nul_in_path and converter != "int"):
            return FILL[converter]
        return "x\x00y" if nul_in_path else "x"

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", fill, route)


def _walkable() -> list[str]:
    """Every route (admin's regex-only app index aside: nothing of ours is behind it)."""
    return sorted({r for r, _name, _p in routes() if "^" not in r and "(?P" not in r})


def _assert_refused(r, url: str, field: str | None = None) -> None:
    assert r.status_code == 400, (url, r.status_code)
    if url.startswith("/api/"):
        body = r.json()
        assert body["detail"] and (field is None or body["field"] == field), (url, body)
    elif url.startswith("/open311/"):
        # The format the URL names; XML (the spec's required one) when it names none
        # that can be read (a NUL in the format word).
        if ".xml" in url or not url.endswith(".json"):
            assert r["Content-Type"].startswith("text/xml"), url
            root = ET.fromstring(r.content)  # noqa: S314 (our own document)
            assert root.tag == "errors" and root.find("error/code").text == "400"
        else:
            assert json.loads(r.content)[0]["code"] == 400
    else:
        assert r["Content-Type"].startswith("text/html"), url


@pytest.fixture(params=["anonymous", "alice"])
def caller(request, world) -> Client:
    client = Client()
    if request.param == "alice":
        client.force_login(world.alice)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_issue(user=world.alice)}"
    return client


def test_every_route_refuses_a_nul_in_the_query_and_the_body(caller):
    urls = _walkable()
    assert len(urls) > 150
    wrong = {}
    for url in urls:
        answers = {
            "query value": caller.get(url, {"q": "皮鞋厂\x00"}),
            "query key": caller.get(url + "?q%00=1"),
            "form value": caller.post(url, {"description": "漏水\x00"}),
            "form key": caller.post(url, {"descr\x00iption": "漏水"}),
            "json value": caller.post(
                url, json.dumps({"username": "a\x00"}), content_type="application/json"
            ),
            "json deep": caller.patch(
                url,
                json.dumps({"parties": [{"name": "ok"}, {"name": "\x01"}]}),
                content_type="application/json",
            ),
        }
        for what, r in answers.items():
            if r.status_code != 400:
                wrong[f"{what} {url}"] = r.status_code
            else:
                _assert_refused(r, url)
    assert wrong == {}


def test_every_route_with_a_word_in_its_path_refuses_a_nul_there(caller):
    urls = [r for r in _walkable() if re.search(r"<(?!int:)(\w+:)?(?!id>)\w+>", r)]
    assert len(urls) >= 8  # tracking pages, Open311 tokens and ids, case moves …
    for route in urls:
        url = _url(route, nul_in_path=True)
        _assert_refused(caller.get(url), url)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "a\x00", "password": "x"}, "username"),
        ({"username": "alice", "password": "x\x7f"}, "password"),
        ({"username": "alice", "password": "\ud800"}, "password"),  # a lone surrogate
        ({"username": "alice", "password": "x", "e\x00tra": 1}, "body"),
        ({"username": "alice", "nested": {"list": ["ok", "b\x1bad"]}}, "nested.list.1"),
        ({"username": "alice", "nested": {"k\x00": 1}}, "nested"),
    ],
)
def test_the_api_names_the_field_holding_the_character(client, world, body, field):
    r = client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
    assert (r.status_code, r.json()["field"]) == (400, field)
    assert "NUL" in r.json()["detail"]


def test_open311_answers_in_the_format_its_url_asks_for(client, world):
    r = client.get("/open311/v2/services.xml", {"jurisdiction_id": "a\x00"})
    _assert_refused(r, "/open311/v2/services.xml")
    root = ET.fromstring(r.content)  # noqa: S314 (our own document)
    assert "jurisdiction_id" in root.find("error/description").text
    r = client.post("/open311/v2/requests.json", {"api_key": "k", "description": "x\x00"})
    _assert_refused(r, "/open311/v2/requests.json")
    assert "description" in json.loads(r.content)[0]["description"]


def test_the_page_is_in_the_language_the_request_asks_for(client, world):
    r = client.get("/registry/search/", {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and r["Content-Language"] == "en"
    r = client.get("/api/v1/persons", {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and "控制字符" in r.json()["detail"]


def test_a_body_nested_past_the_stack_is_refused(client, world):
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post("/api/v1/auth/token", deep, content_type="application/json")
    assert (r.status_code, r.json()["field"]) == (400, "body")


def test_multipart_field_names_and_values_are_checked_and_file_names_arrive_clean(client, world):
    client.force_login(world.bob)
    photo = SimpleUploadedFile("a.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    r = client.post("/cases/new/", {"description": "漏水\x00", "photos": photo})
    assert r.status_code == 400
    r = client.post("/cases/new/", {"descr\x00iption": "漏水", "photos": photo})
    assert r.status_code == 400
    # Django's multipart parser drops unprintable characters from a file's name itself.
    seen = []
    photo = SimpleUploadedFile("a\x00\x01b.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    r = client.post("/cases/new/", {"photos": photo, "grid": world.l2_1_1.pk})
    seen.append(r.wsgi_request.FILES["photos"].name)
    assert r.status_code != 400 and seen == ["ab.jpg"]


def test_tabs_and_line_breaks_in_text_pass(client, world):
    """A description over several lines, a pasted tab: text, not control characters."""
    client.force_login(world.bob)
    before = Case.objects.count()
    r = client.get("/registry/search/", {"q": "张\t桂英"})
    assert r.status_code == 200
    token = token_issue(user=world.bob)
    r = client.post(
        "/api/v1/cases",
        json.dumps(
            {
                "category": "parking",
                "description": "第一行\r\n第二行\t（停车）",
                "household": world.household_1_1.pk,
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 201, r.content
    assert Case.objects.count() == before + 1
    assert Case.objects.get(pk=r.json()["id"]).description == "第一行\r\n第二行\t（停车）"


def test_a_cookie_with_a_control_character_is_ignored_not_a_server_error(world):
    """A session key with a NUL failed the session's own query on PostgreSQL, on every
    page, for as long as the browser kept the cookie."""
    client = Client(HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"; django_language="e\\001n"')
    r = client.get("/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert client.get("/accounts/login/").status_code == 200


def test_services_refuse_control_characters_too(world):
    """Callers that are not requests (commands, other services) meet the same rule in the
    shared text cleaner, and nothing is written."""
    with pytest.raises(ValidationFailed) as err:
        clean_text("张\x00桂英", "name")
    assert err.value.field == "name"
    assert clean_text(" 第一行\n第二行\t ", "note") == "第一行\n第二行"
    before = Case.objects.count()
    with pytest.raises(ValidationFailed) as err:
        case_create(
            actor=world.bob,
            category=CaseCategory.objects.get(code="parking", community=None),
            description="楼下\x00停车",
            channel="visit",
            household=world.household_1_1,
        )
    assert err.value.field == "description"
    assert Case.objects.count() == before
