"""SECURITY.md 15: a session ends after a period without requests."""

from __future__ import annotations

import time_machine
from django.urls import reverse


def test_an_idle_session_is_signed_out(client, world, settings):
    settings.BANYAN_IDLE_TIMEOUT_SECONDS = 600
    url = reverse("registry:household-detail", args=[world.household_1_1.pk])
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False) as clock:
        client.force_login(world.bob)
        assert client.get(url).status_code == 200
        clock.shift(540)
        assert client.get(url).status_code == 200  # activity within the window
        clock.shift(540)
        assert client.get(url).status_code == 200  # measured from the last request
        clock.shift(601)
        r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_session_cookies_are_http_only_and_same_site(client, world):
    client.post(reverse("accounts:login"), {"username": "bob", "password": world.password})
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


# --- the browser's cache is emptied at sign-out ---------------------------------------------


def test_signing_out_asks_the_browser_to_empty_its_cache(client, world):
    client.force_login(world.bob)
    r = client.post(reverse("accounts:logout"))
    assert r.status_code == 302
    assert r["Clear-Site-Data"] == '"cache"'


def test_an_idle_session_ended_empties_the_cache_with_the_answer(client, world, settings):
    settings.BANYAN_IDLE_TIMEOUT_SECONDS = 600
    url = reverse("registry:household-detail", args=[world.household_1_1.pk])
    with time_machine.travel("2026-03-01 09:00 +0800", tick=False) as clock:
        client.force_login(world.bob)
        assert "Clear-Site-Data" not in client.get(url)
        clock.shift(601)
        r = client.get(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))
    assert r["Clear-Site-Data"] == '"cache"'
    # The next request has no session left to end: the cache is not emptied again.
    assert "Clear-Site-Data" not in client.get(r["Location"])


def test_pages_and_sign_in_keep_the_cache(client, world):
    r = client.post(reverse("accounts:login"), {"username": "bob", "password": world.password})
    assert r.status_code == 302 and "Clear-Site-Data" not in r
    assert "Clear-Site-Data" not in client.get(reverse("home"))
