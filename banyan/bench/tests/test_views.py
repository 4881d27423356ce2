"""The trivial view and the benchmark's URL conf."""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse

from banyan.bench import urls as bench_urls
from banyan.bench.wsgi import BenchHandler
from banyan.urls import urlpatterns as site


@pytest.mark.urls("banyan.bench.urls")
def test_ping_answers_anyone_with_ok(client):
    r = client.get(reverse("bench-ping"))
    assert r.status_code == 200
    assert r.json() == {"ok": True}


@pytest.mark.urls("banyan.bench.urls")
def test_the_bench_url_conf_serves_the_whole_site(client, world):
    client.force_login(world.bob)
    r = client.get(reverse("registry:household-detail", args=[world.household_1_1.pk]))
    assert r.status_code == 200


def test_the_site_itself_has_no_bench_route():
    assert bench_urls.urlpatterns[1:] == site
    names = {p.name for p in get_resolver("banyan.urls").url_patterns if hasattr(p, "name")}
    assert "bench-ping" not in names


def test_the_wsgi_handler_answers_from_the_bench_url_conf(rf, db):
    # get_response (the whole middleware chain) without the request signals, which
    # would close the test's connection.
    response = BenchHandler().get_response(rf.get("/bench/ping", HTTP_HOST="127.0.0.1"))
    assert response.status_code == 200
    assert response.content == b'{"ok": true}'
