"""Forwarded headers (X-Forwarded-Proto, -Host …) are read only from trusted proxies
(SECURITY.md 14): a client cannot claim https, or another host, by sending them itself."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from banyan.common.middleware import FORWARDED_HEADERS, ForwardedHeadersMiddleware

PROXY = "10.0.0.5"
CLIENT = "203.0.113.9"
# What production.py sets, and an SSL redirect to observe it by.
HTTPS_BEHIND_A_PROXY = {
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_SSL_REDIRECT": True,
    "BANYAN_TRUSTED_PROXIES": [PROXY],
}


@override_settings(**HTTPS_BEHIND_A_PROXY)
def test_a_client_claiming_https_itself_is_still_sent_to_https(client, db):
    r = client.get("/accounts/login/", REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 301
    assert r["Location"] == "https://testserver/accounts/login/"


@override_settings(**HTTPS_BEHIND_A_PROXY)
def test_the_trusted_proxy_vouches_for_https(client, db):
    r = client.get("/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 200
    # … and for plain http, which is redirected.
    r = client.get("/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="http")
    assert r.status_code == 301


@override_settings(**{**HTTPS_BEHIND_A_PROXY, "BANYAN_TRUSTED_PROXIES": []})
def test_without_trusted_proxies_no_client_is_believed(client, db):
    r = client.get("/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert r.status_code == 301


def _seen(remote: str, **headers: str) -> HttpRequest:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    request.META.update(headers)
    seen: list[HttpRequest] = []

    def view(r: HttpRequest) -> HttpResponse:
        seen.append(r)
        return HttpResponse()

    ForwardedHeadersMiddleware(view)(request)
    return seen[0]


# A host the settings allow, so that get_host() answers rather than refusing it.
FORGED = {key: "https" if "PROTO" in key else "localhost" for key in FORWARDED_HEADERS}


@override_settings(BANYAN_TRUSTED_PROXIES=[PROXY], USE_X_FORWARDED_HOST=True)
def test_it_drops_every_forwarded_header_of_an_untrusted_sender():
    request = _seen(CLIENT, **FORGED)
    assert [key for key in FORWARDED_HEADERS if key in request.META] == []
    assert request.get_host() == "testserver"  # not the forged X-Forwarded-Host


@override_settings(BANYAN_TRUSTED_PROXIES=["10.0.0.0/24"], USE_X_FORWARDED_HOST=True)
@pytest.mark.parametrize("remote", [PROXY, f"::ffff:{PROXY}"])
def test_it_keeps_the_headers_of_a_trusted_proxy(remote):
    request = _seen(remote, **FORGED)
    assert all(request.META[key] == FORGED[key] for key in FORWARDED_HEADERS)
    assert request.get_host() == "localhost"


@override_settings(BANYAN_TRUSTED_PROXIES=[PROXY])
@pytest.mark.parametrize("remote", ["", "unknown", "10.0.0.5\x00"])
def test_a_sender_without_an_address_is_not_trusted(remote):
    request = _seen(remote, **FORGED)
    assert [key for key in FORWARDED_HEADERS if key in request.META] == []
