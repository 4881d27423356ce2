"""The client address, through trusted proxies only (SECURITY.md 14)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.test import RequestFactory

from banyan.common.clientip import client_ip


def _request(remote: str, forwarded: str | None = None) -> HttpRequest:
    request = RequestFactory().get("/")
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_trusted_proxies_it_ignores_the_forwarded_header(settings):
    settings.BANYAN_TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.9", "10.1.1.1")) == "203.0.113.9"


def test_it_ignores_the_header_from_an_untrusted_sender(settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(_request("203.0.113.9", "10.1.1.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_it_takes_the_address_the_proxy_saw(settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request("10.0.0.5", "198.51.100.20")) == "198.51.100.20"


def test_a_client_cannot_forge_its_address_through_a_trusted_proxy(settings):
    """The proxy appends what it saw; what the client wrote sits further left, unread."""
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = _request("10.0.0.2", "1.2.3.4, 10.0.0.7, 198.51.100.20")
    assert client_ip(request) == "198.51.100.20"


def test_it_skips_every_trusted_hop_of_a_chain(settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/8"]
    request = _request("fd00::1", "1.2.3.4, 198.51.100.20, 10.0.0.3")
    assert client_ip(request) == "198.51.100.20"


def test_it_stops_at_a_hop_that_is_not_an_address(settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(_request("10.0.0.2", "198.51.100.20, unknown")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "")) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", "a\x00b")) == "10.0.0.2"


def test_it_reads_ports_and_ipv6(settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(_request("10.0.0.2", "198.51.100.20:5123")) == "198.51.100.20"
    assert client_ip(_request("10.0.0.2", "[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(_request("10.0.0.2", "2001:db8::7")) == "2001:db8::7"


def test_it_reads_only_the_tail_of_a_huge_header(settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    forwarded = ", ".join(["10.0.0.9"] * 100_000 + ["198.51.100.20"])
    assert client_ip(_request("10.0.0.2", forwarded)) == "198.51.100.20"
    all_trusted = ", ".join(["10.0.0.9"] * 100_000)
    assert client_ip(_request("10.0.0.2", all_trusted)) == "10.0.0.9"


def test_it_answers_none_without_an_address():
    assert client_ip(_request("")) is None
    assert client_ip(_request("not an address")) is None


def test_a_bad_trusted_proxy_setting_is_refused(settings):
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24", "proxy.example.org"]
    with pytest.raises(ImproperlyConfigured, match="BANYAN_TRUSTED_PROXIES"):
        client_ip(_request("10.0.0.2", "198.51.100.20"))


def test_the_system_check_names_a_bad_trusted_proxy(settings):
    from banyan.common.checks import check_trusted_proxies

    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/33"]
    errors = check_trusted_proxies()
    assert [e.id for e in errors] == ["banyan.E001"]
    assert "10.0.0.0/33" in errors[0].msg
    settings.BANYAN_TRUSTED_PROXIES = ["10.0.0.0/24", "::1"]
    assert check_trusted_proxies() == []
