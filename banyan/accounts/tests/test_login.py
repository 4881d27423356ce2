"""Sign-in, lockout, the sign-in log and sign-out (SECURITY.md 14, 15)."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from banyan.accounts.signals import safe_username

from .factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


def _login(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _without_csrf(content: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())


def test_it_shows_the_login_page(client):
    response = client.get(reverse(LOGIN))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_it_signs_in_with_the_right_password(client):
    alice = make_user("alice")
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_it_follows_a_safe_next_and_ignores_an_offsite_one(client):
    make_user("alice")
    response = client.post(
        reverse(LOGIN), {"username": "alice", "password": PASSWORD, "next": "/accounts/posts/"}
    )
    assert response["Location"] == "/accounts/posts/"
    client.logout()
    response = client.post(
        reverse(LOGIN), {"username": "alice", "password": PASSWORD, "next": "https://evil.test/"}
    )
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_it_gives_a_new_session_id_at_login(client):
    make_user("alice")
    session = client.session
    session["before"] = 1
    session.save()
    old_key = session.session_key
    _login(client, "alice", PASSWORD)
    assert client.session.session_key != old_key
    assert "_auth_user_id" in client.session


def test_it_rejects_a_wrong_password_the_same_way_for_unknown_usernames(client):
    make_user("alice")
    known = _login(client, "alice", "wrong-password", ip="10.0.0.1")
    unknown = _login(client, "nobody", "wrong-password", ip="10.0.0.2")
    assert known.status_code == unknown.status_code == 200
    assert "_auth_user_id" not in client.session
    known_errors = known.context["form"].non_field_errors()
    assert known_errors
    assert known_errors == unknown.context["form"].non_field_errors()


def test_it_rejects_an_inactive_account_with_the_same_message(client):
    user = make_user("alice")
    user.is_active = False
    user.save()
    inactive = _login(client, "alice", PASSWORD, ip="10.0.0.1")
    unknown = _login(client, "nobody", PASSWORD, ip="10.0.0.2")
    assert inactive.status_code == 200
    assert inactive.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_it_locks_out_after_the_failure_limit(client):
    make_user("alice")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login(client, "alice", "wrong-password").status_code == 200
    locked = _login(client, "alice", "wrong-password")
    assert locked.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert "accounts/locked.html" in [t.name for t in locked.templates]
    # Even the right password is refused while locked out.
    again = _login(client, "alice", PASSWORD)
    assert again.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert "_auth_user_id" not in client.session


def test_a_stranger_cannot_lock_a_user_out_from_other_addresses(client):
    make_user("leader8")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "leader8", "wrong-password", ip="203.0.113.9")
    # The stranger's address is locked for this account...
    assert _login(client, "leader8", PASSWORD, ip="203.0.113.9").status_code == 429
    assert "_auth_user_id" not in client.session
    # ...its owner signs in from their own address as usual.
    response = _login(client, "leader8", PASSWORD, ip="10.0.2.1")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_signing_in_to_ones_own_account_does_not_reset_the_address(client):
    """The bypass: guesses at someone else's account between successful sign-ins to
    one's own never reached a limit."""
    make_user("victim")
    make_user("mallory")
    refused = 0
    for _ in range(20):
        response = _login(client, "victim", "guess", ip="198.51.100.7")
        refused += response.status_code == 429
        if _login(client, "mallory", PASSWORD, ip="198.51.100.7").status_code == 429:
            refused += 1
        client.logout()
    assert refused > 0
    # The pair was locked at the limit, for the right password too.
    assert _login(client, "victim", PASSWORD, ip="198.51.100.7").status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_throttles_an_address_guessing_across_many_usernames(client):
    make_user("alice")
    limit = settings.BANYAN_LOGIN_ADDRESS_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        assert _login(client, f"user{i}", "guess", ip="198.51.100.8").status_code == 200
    assert _login(client, "someone", "guess", ip="198.51.100.8").status_code == 429
    # Every account is refused from that address, the right password included...
    assert _login(client, "alice", PASSWORD, ip="198.51.100.8").status_code == 429
    # ...and open from any other.
    assert _login(client, "alice", PASSWORD, ip="198.51.100.9").status_code == 302


def test_a_user_who_mistypes_then_signs_in_starts_afresh(client):
    make_user("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "alice", "typo")
    assert _login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "alice", "typo").status_code == 200
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client):
    make_user("alice")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "alice", "wrong-password")
        assert _login(client, "alice", PASSWORD).status_code == 429
    later = start + dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later, tick=False):
        assert _login(client, "alice", PASSWORD).status_code == 302


def test_a_forged_forwarded_header_does_not_change_the_address(client):
    """Without trusted proxies, X-Forwarded-For is the client's own words: ignored."""
    make_user("alice")
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse(LOGIN),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{i}",
        )
    assert _login(client, "alice", PASSWORD, ip="203.0.113.9").status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_count(client, settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24"]
    make_user("alice")

    def via_proxy(password: str, client_address: str):
        return client.post(
            reverse(LOGIN),
            {"username": "alice", "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {client_address}",
        )

    for _ in range(settings.AXES_FAILURE_LIMIT):
        via_proxy("wrong", "203.0.113.9")
    assert via_proxy(PASSWORD, "203.0.113.9").status_code == 429
    # Another client behind the same proxy is not locked with the first.
    assert via_proxy(PASSWORD, "198.51.100.20").status_code == 302


def test_the_lockout_page_says_when_to_retry_without_naming_the_account(client):
    make_user("alice")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        known = _login(client, "alice", "wrong-password", ip="10.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        unknown = _login(client, "nobody", "wrong-password", ip="10.0.0.2")
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    for response, username in ((known, "alice"), (unknown, "nobody")):
        text = response.content.decode()
        assert f" {minutes} " in text or f"{minutes}分钟" in text or f"{minutes} 分钟" in text
        assert username not in text
    assert _without_csrf(known.content) == _without_csrf(unknown.content)


def test_it_logs_sign_ins_and_failures_without_passwords(client, caplog):
    make_user("alice")
    caplog.set_level(logging.INFO, logger="banyan.auth")
    _login(client, "alice", PASSWORD)
    client.post(reverse("accounts:logout"))
    _login(client, "alice", "Secret-Wrong-1")
    lines = [r for r in caplog.records if r.name == "banyan.auth"]
    messages = [r.getMessage() for r in lines]
    assert any("login ok" in m and "'alice'" in m for m in messages)
    assert any("login failed" in m and "'alice'" in m for m in messages)
    assert all(PASSWORD not in m and "Secret-Wrong-1" not in m for m in messages)


def test_it_logs_lockouts(client, caplog):
    caplog.set_level(logging.INFO, logger="banyan.auth")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "nobody", "wrong-password")
    assert any("locked out" in r.getMessage() for r in caplog.records if r.name == "banyan.auth")


def test_it_masks_digit_runs_in_logged_usernames():
    assert safe_username("13812345678") == "138******78"
    assert safe_username("53080219800101123X") == "530*************3X"
    assert safe_username("alice") == "alice"
    assert safe_username(None) == ""


def test_logout_is_post_only(client):
    alice = make_user("alice")
    client.force_login(alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGOUT_REDIRECT_URL)
    assert "_auth_user_id" not in client.session
