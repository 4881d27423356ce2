"""Error pages: in the site's layout, Chinese by default (English when chosen), sized for
a phone, with a way back; the API and Open311 keep answering in their own formats."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.utils import OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from banyan.accounts.tokens import token_issue
from banyan.common import error_pages

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def _page(response) -> str:
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert VIEWPORT in html
    assert 'rel="stylesheet"' in html
    return html


def _shown(html: str) -> str:
    """The page without the language switch's own return address (the URL is there)."""
    return re.sub(r'<input type="hidden" name="next" value="[^"]*">', "", html)


def _back_link(html: str) -> str:
    found = re.search(r'<div class="actions"><a class="btn" href="([^"]+)">', html)
    assert found, "no way back"
    return found.group(1)


def test_it_answers_a_denied_object_with_a_chinese_page_and_a_way_home(client, world):
    client.force_login(world.bob)
    url = reverse("places:compound-detail", args=[world.compound_2_1.pk])
    r = client.get(url)
    assert r.status_code == 404
    html = _page(r)
    assert '<html lang="zh-hans">' in html
    assert "找不到" in html and "Not found" not in html
    assert _back_link(html) == reverse("home")
    # The signed-in layout: the user's menu is there, the URL is not repeated.
    assert 'class="usermenu"' in html
    assert url not in _shown(html)


def test_it_speaks_english_when_english_is_chosen(client, world):
    client.force_login(world.bob)
    client.cookies["django_language"] = "en"
    r = client.get(reverse("places:compound-detail", args=[world.compound_2_1.pk]))
    html = _page(r)
    assert r.status_code == 404 and '<html lang="en">' in html
    assert "Not found" in html and "找不到" not in html


def test_it_answers_a_forbidden_action_with_a_page(client, world):
    client.force_login(world.dave)  # a building head sees the building, may not register
    url = reverse("registry:household-create")
    r = client.post(f"{url}?building={world.building_1_1.pk}", {"room": "102"})
    assert r.status_code == 403
    html = _page(r)
    assert "不允许" in html and _back_link(html) == reverse("home")


def test_a_wrong_tracking_code_sends_the_resident_to_the_code_lookup(client, db):
    r = client.get(reverse("intake:track", args=["ZZZZ-ZZZZ"]))
    assert r.status_code == 404
    html = _page(r)
    assert "找不到" in html
    assert _back_link(html) == reverse("intake:track-lookup")
    assert "ZZZZ" not in _shown(html)
    # A resident holds no post: the page does not speak of one.
    assert "请检查网址或查询码后重试" in html and "岗位" not in html


def test_a_stale_form_gets_a_page_that_says_so(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    r = client.post(reverse("registry:household-verify", args=[world.household_1_1.pk]))
    assert r.status_code == 403
    html = _page(r)
    assert "页面已过期" in html
    assert r.templates[0].name == "403_csrf.html"
    world.household_1_1.refresh_from_db()
    assert world.household_1_1.verified_on is None


def test_a_bad_host_gets_a_400_page(db):
    r = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert r.status_code == 400
    html = _page(r)
    assert "无法处理" in html


def test_handler400_is_a_page_even_for_a_request_the_middleware_never_saw(db):
    # No session, no user: the layout's context processors cannot run.
    request = RequestFactory().get("/registry/search/", {"q": "a\x00b"})
    r = error_pages.bad_request(request)
    assert r.status_code == 400
    html = _page(r)
    assert "\x00" not in html and "a\x00b" not in html


def test_the_500_page_needs_neither_the_database_nor_the_request(django_db_blocker):
    request = RequestFactory().get("/places/nodes/1/")
    translation.deactivate()  # a failure before LocaleMiddleware: the default language
    with django_db_blocker.block():
        r = error_pages.server_error(request)
    translation.deactivate()
    assert r.status_code == 500
    html = _page(r)
    assert "出错了" in html
    assert _back_link(html) == "/"


def test_a_server_error_in_a_page_is_the_500_page(world, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr("banyan.places.views.selectors.get_node_for_user", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.bob)
    r = client.get(reverse("places:node-detail", args=[world.l2_1_1.pk]))
    assert r.status_code == 500
    html = _page(r)
    assert "went away" not in html and "Traceback" not in html


def test_the_lockout_page_is_a_chinese_phone_page_with_a_way_back(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        r = client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})
    assert r.status_code == 429
    html = _page(r)
    assert "尝试次数过多" in html
    assert reverse("accounts:login") in html


def test_a_rate_limit_refusal_is_a_page(rf, db):
    request = rf.get("/r/track/")
    request.user = AnonymousUser()
    with translation.override("zh-hans"):
        r = error_pages.too_many_requests(request)
    assert r.status_code == 429
    html = _page(r)
    assert "请求过多" in html and _back_link(html) == reverse("intake:track-lookup")


# --- machines keep their formats ---------------------------------------------------------


def test_the_api_answers_an_unknown_url_in_json(client, world):
    r = Client(headers={"Authorization": f"Bearer {token_issue(user=world.bob)}"}).get(
        "/api/v1/no-such-thing"
    )
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json"
    assert set(r.json()) == {"detail", "field"}


def test_the_api_answers_a_server_error_in_json(world, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr("banyan.api.routers.places.selectors.node_list", broken)
    client = Client(
        raise_request_exception=False,
        headers={"Authorization": f"Bearer {token_issue(user=world.bob)}"},
    )
    r = client.get("/api/v1/nodes")
    assert r.status_code == 500
    assert r["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"detail", "field"} and "went away" not in body["detail"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/open311/v2/no-such-thing.json", "application/json"),
        ("/open311/v2/no-such-thing.xml", "text/xml"),
        ("/open311/v2/no-such-thing", "text/xml"),
    ],
)
def test_open311_answers_an_unknown_url_in_its_error_format(client, db, path, content_type):
    r = client.get(path)
    assert r.status_code == 404
    assert r["Content-Type"].startswith(content_type)
    if content_type == "application/json":
        assert json.loads(r.content)[0]["code"] == 404
    else:
        assert b"<errors><error><code>404</code>" in r.content


def test_open311_answers_a_server_error_in_its_error_format(db, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr("banyan.open311.views.selectors.sole_community", broken)
    client = Client(raise_request_exception=False)
    r = client.get("/open311/v2/services.xml")
    assert r.status_code == 500
    assert r["Content-Type"].startswith("text/xml")
    assert b"<code>500</code>" in r.content and b"went away" not in r.content


# --- a 400 says why, when we wrote the reason for people ---------------------------------------


def _reason(html: str) -> str | None:
    found = re.search(r'<p class="error-reason" id="error-reason">([^<]*)</p>', html)
    return found.group(1) if found else None


def test_a_form_refused_for_a_control_character_says_which_field(client, world):
    client.force_login(world.bob)
    r = client.post(reverse("casework:case-create"), {"description": "漏水\x00", "grid": "1"})
    assert r.status_code == 400
    html = _page(r)
    assert _reason(html) == "description 含有不允许的控制字符（如 NUL）。"
    assert "漏水" not in _shown(html)  # the field is named, what it held is not repeated
    client.cookies["django_language"] = "en"
    html = _page(client.post(reverse("casework:case-create"), {"description": "x\x00"}))
    assert (
        _reason(html)
        == "description holds a control character (such as NUL), which is not allowed."
    )


def test_a_field_name_the_client_chose_is_escaped_and_cut(client, world):
    client.force_login(world.bob)
    name = "<script>alert(1)</script>" + "k" * 500
    r = client.post(reverse("casework:case-create"), {name: "x\x00"})
    assert r.status_code == 400
    html = _page(r)
    reason = _reason(html)
    assert reason is not None and reason.startswith("&lt;script&gt;alert(1)&lt;/script&gt;kkk")
    assert "<script>alert" not in html and "k" * 101 not in html


def test_a_bad_request_django_raised_shows_no_reason(rf, world):
    """Django's own messages are for the logs: a bad Host repeats the header it got."""
    from django.core.exceptions import BadRequest, DisallowedHost

    request = rf.get("/")
    request.user = AnonymousUser()
    for exception in (
        DisallowedHost("Invalid HTTP_HOST header: 'evil<b>.example'"),
        BadRequest("raw 13812345678"),
        None,
    ):
        with translation.override("zh-hans"):
            html = _page(error_pages.bad_request(request, exception))
        assert _reason(html) is None and "evil" not in html and "13812345678" not in html
        assert "网址或表单中有内容无效" in html
    html = _page(error_pages.bad_request(request, error_pages.ExplainedBadRequest("为何 " * 200)))
    assert _reason(html) == ("为何 " * 200)[: error_pages.MAX_REASON]


# --- a method the page does not answer (405) ---------------------------------------------


def test_a_method_the_page_does_not_answer_gets_a_page_that_keeps_allow(client, world):
    client.force_login(world.bob)
    r = client.get(reverse("accounts:logout"))  # sign-out answers POST only
    assert r.status_code == 405
    assert r["Allow"] == "POST, OPTIONS"
    html = _page(r)
    assert '<html lang="zh-hans">' in html and "不能这样使用" in html
    assert 'class="usermenu"' in html and _back_link(html) == reverse("home")


def test_a_refused_method_is_said_in_english_when_english_is_chosen(client, world):
    client.force_login(world.bob)
    client.cookies["django_language"] = "en"
    r = client.get(reverse("registry:person-reveal", args=[world.person_1_1.pk]))
    assert r.status_code == 405 and r["Allow"] == "POST"
    html = _page(r)
    assert "This page cannot be used this way" in html and "不能这样使用" not in html


def test_a_refused_method_on_a_public_page_sends_the_resident_to_the_code_lookup(client, db):
    r = client.get(reverse("intake:track-confirm", args=["ZZZZ-ZZZZ"]))
    assert r.status_code == 405 and r["Allow"] == "POST"
    html = _page(r)
    assert 'class="usermenu"' not in html
    assert _back_link(html) == reverse("intake:track-lookup")


def test_the_api_refuses_a_method_in_json_and_keeps_allow(client, db):
    r = client.put("/api/v1/auth/token", "{}", content_type="application/json")
    assert r.status_code == 405
    assert set(r["Allow"].split(", ")) == {"DELETE", "POST"}  # ninja's order varies
    assert r["Content-Type"] == "application/json"
    assert r.json() == {"detail": "此处不允许使用该方法。", "field": None}


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/open311/v2/requests.json", "application/json"), ("/open311/v2/requests.xml", "text/xml")],
)
def test_open311_refuses_a_method_in_its_error_format(client, db, path, content_type):
    r = client.delete(path)
    assert r.status_code == 405 and r["Allow"] == "GET, POST"
    assert r["Content-Type"].startswith(content_type)
    assert b"405" in r.content
