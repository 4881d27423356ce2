"""Tokens, sessions, lockout, the schema, and the errors every endpoint shares."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from banyan.accounts.models import ApiToken
from banyan.accounts.tokens import token_authenticate, token_issue, token_lifetime

from .conftest import API, PASSWORD, ApiClient


def _token(client: ApiClient, username: str, password: str = PASSWORD):
    return client.post("/auth/token", {"username": username, "password": password})


def test_it_issues_a_token_that_authenticates(tree, anonymous):
    r = _token(anonymous, "bob")
    assert r.status_code == 200
    token = r.json()["token"]
    nodes = ApiClient(token).get("/nodes")
    assert nodes.status_code == 200
    assert [n["id"] for n in nodes.json()["items"]] == [tree.l2_1_1.pk]


def test_it_stores_only_the_tokens_digest(tree, anonymous):
    token = _token(anonymous, "bob").json()["token"]
    row = ApiToken.objects.get(user=tree.bob)
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(ApiToken.objects.values_list().get(pk=row.pk))
    assert row.expires_at - row.created_at == token_lifetime()


def test_it_rejects_a_bad_password_without_saying_whether_the_user_exists(tree, anonymous):
    wrong_password = _token(anonymous, "bob", "not-the-password")
    no_such_user = _token(anonymous, "nobody-here", "not-the-password")
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert wrong_password.json() == no_such_user.json()
    assert not ApiToken.objects.exists()


def test_it_refuses_credentials_in_the_requests_language_and_the_error_shape(tree, anonymous):
    chinese = _token(anonymous, "bob", "not-the-password")
    assert chinese.json() == {"detail": "用户名或密码不正确。", "field": None}
    english = _token(ApiClient(HTTP_ACCEPT_LANGUAGE="en"), "bob", "not-the-password")
    assert english.status_code == 401
    assert english.json() == {"detail": "Invalid username or password.", "field": None}
    assert english["Content-Language"] == "en"


def test_the_lockout_is_said_in_english_when_english_is_asked_for(tree):
    client = ApiClient(REMOTE_ADDR="198.51.100.8", HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        r = _token(client, "bob", "wrong")
    assert r.status_code == 429
    assert r.json() == {
        "detail": "Too many failed sign-in attempts. Try again later or ask your administrator.",
        "field": None,
    }


def test_it_locks_out_after_the_failure_limit(tree, anonymous):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _token(anonymous, "bob", "wrong").status_code == 401
    locked = _token(anonymous, "bob", "wrong")
    assert locked.status_code == 429
    assert locked.json() == {
        "detail": "登录失败次数过多。请稍后再试，或联系管理员。",
        "field": None,
    }
    # Even the right password is refused while locked, in JSON, not an HTML page.
    again = _token(anonymous, "bob")
    assert again.status_code == 429
    assert again["Content-Type"].startswith("application/json")
    assert not ApiToken.objects.exists()


def test_a_successful_sign_in_resets_the_failure_count(tree, anonymous):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _token(anonymous, "bob", "wrong")
    assert _token(anonymous, "bob").status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(anonymous, "bob", "wrong").status_code == 401


def test_a_stranger_cannot_lock_a_user_out_of_the_api_from_other_addresses(tree):
    stranger = ApiClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(stranger, "bob", "wrong")
    assert _token(stranger, "bob").status_code == 429
    assert _token(ApiClient(REMOTE_ADDR="10.0.2.1"), "bob").status_code == 200


def test_a_token_for_ones_own_account_does_not_reset_the_address(tree):
    client = ApiClient(REMOTE_ADDR="198.51.100.7")
    answers = []
    for _ in range(20):
        answers.append(_token(client, "alice", "guess").status_code)
        answers.append(_token(client, "bob").status_code)
    assert 429 in answers
    assert _token(client, "alice").status_code == 429


def test_it_rejects_inactive_users(tree, anonymous):
    token = token_issue(user=tree.bob)
    tree.bob.is_active = False
    tree.bob.save()
    assert _token(anonymous, "bob").status_code == 401
    assert ApiClient(token).get("/nodes").status_code == 401


def test_it_requires_authentication(tree, anonymous):
    assert anonymous.get("/nodes").status_code == 401
    assert anonymous.get(f"/persons/{tree.home_1_1.person.pk}").status_code == 401
    assert anonymous.post("/compounds", {}).status_code == 401
    assert ApiClient("not-a-token").get("/nodes").status_code == 401


def test_tokens_expire(tree):
    token = token_issue(user=tree.bob)
    client = ApiClient(token)
    lifetime = token_lifetime()
    with time_machine.travel(timezone.now() + lifetime - dt.timedelta(minutes=1)):
        assert client.get("/nodes").status_code == 200
    with time_machine.travel(timezone.now() + lifetime + dt.timedelta(minutes=1)):
        assert client.get("/nodes").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(tree, django_assert_num_queries):
    token = token_issue(user=tree.bob)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_assert_num_queries(2):  # read + first write
            assert token_authenticate(token) == tree.bob
        with django_assert_num_queries(1):  # read only
            token_authenticate(token)
    later = start + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False), django_assert_num_queries(2):
        token_authenticate(token)
    assert ApiToken.objects.get().last_used_at == start + dt.timedelta(seconds=61)


def test_a_token_can_be_revoked(tree):
    token = token_issue(user=tree.bob)
    client = ApiClient(token)
    assert client.delete("/auth/token").status_code == 204
    assert client.get("/nodes").status_code == 401


def test_a_signed_in_browser_can_read(tree):
    client = Client()
    client.force_login(tree.bob)
    r = client.get(f"{API}/nodes")
    assert r.status_code == 200
    assert r.json()["count"] == 1


def test_a_browser_write_needs_the_csrf_token(tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tree.bob)
    body = {"grid": tree.l2_1_1.pk, "name": "新小区", "property_management": "none"}
    r = client.post(f"{API}/compounds", body, content_type="application/json")
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]

    secret = "a" * 32
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    r = client.post(
        f"{API}/compounds", body, content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert r.status_code == 201


def test_responses_with_personal_data_are_not_cached(tree, as_user):
    r = as_user("bob").get(f"/persons/{tree.home_1_1.person.pk}")
    assert r.status_code == 200
    assert r["Cache-Control"] == "no-store"


def test_the_schema_lists_every_path(tree, anonymous):
    r = anonymous.get("/openapi.json")
    assert r.status_code == 200
    paths = set(r.json()["paths"])
    expected = {
        "/auth/token",
        "/nodes",
        "/nodes/{id}",
        "/compounds",
        "/compounds/{id}",
        "/buildings",
        "/buildings/{id}",
        "/buildings/{id}/head",
        "/facilities",
        "/facilities/{id}",
        "/households",
        "/households/{id}",
        "/households/{id}/timeline",
        "/persons",
        "/persons/{id}",
        "/persons/search",
        "/persons/{id}/reveal",
        "/persons/{id}/timeline",
        "/party/orgs",
        "/party/orgs/{id}",
        "/party/members",
        "/party/members/{id}",
        "/party/contacts",
        "/party/contacts/{id}",
        "/party/obligations",
        "/party/compliance",
        "/party/themed-days",
        "/party/themed-days/{id}",
        "/party/tracing",
        "/party/tracing/{id}",
        "/cases",
        "/cases/{id}",
        "/cases/{id}/transitions",
        "/visits",
        "/meetings",
        "/meetings/{id}",
    }
    assert paths == {API + p for p in expected}
    schema = r.json()
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()


def test_the_docs_page_loads_no_third_party_script(tree, anonymous):
    r = anonymous.get("/docs")
    assert r.status_code == 200
    html = r.content.decode()
    assert "cdn" not in html.lower()
    scripts = re.findall(r'src="([^"]+)"', html)
    assert scripts
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts)


def test_payload_errors_are_422_naming_the_field(tree, as_user):
    r = as_user("bob").post("/compounds", {"grid": tree.l2_1_1.pk})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"name", "property_management"} <= fields


def test_limits_are_bounded(tree, as_user):
    bob = as_user("bob")
    assert bob.get("/nodes", {"limit": 500}).status_code == 200
    assert bob.get("/nodes", {"limit": 501}).status_code == 422
    assert bob.get("/nodes", {"offset": -1}).status_code == 422


def test_api_code_loads_no_model_directly():
    """Endpoints go through selectors and services; `Model.objects` belongs there."""
    root = Path(__file__).resolve().parent.parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "tests" not in p.parts and p.name != "selectors.py" and ".objects." in p.read_text()
    ]
    assert offenders == []


def test_every_object_endpoint_has_a_cross_scope_test(tree, anonymous):
    """New endpoints that name an object must join the ENDPOINTS lists (charlie → 404)."""
    from .test_api_casework import ENDPOINTS as CASEWORK
    from .test_api_party import ENDPOINTS as PARTY
    from .test_api_places import ENDPOINTS_1_1 as PLACES
    from .test_api_registry import ENDPOINTS_1_1 as REGISTRY

    tested = {
        (method, re.sub(r"\{\w+\}", "{id}", path.split("?")[0]))
        for method, path, _body in PLACES + REGISTRY + PARTY + CASEWORK
    }
    schema = anonymous.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        if "{id}" not in path:
            continue
        for method in operations:
            assert (method, path.removeprefix(API)) in tested, (method, path)
