"""The site's icon: linked from every page, and answered at /favicon.ico (no 404 on the
first request of every visit)."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_is_the_site_icon(client, db):
    r = client.get("/favicon.ico")
    assert r.status_code == 200
    assert r["Content-Type"] == "image/svg+xml"
    assert r.content.startswith(b"<svg") and b"<script" not in r.content
    assert "max-age=604800" in r["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405


def test_every_page_links_the_icon(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert f'<link rel="icon" href="{static("banyan/favicon.svg")}" type="image/svg+xml">' in html
    assert finders.find("banyan/favicon.svg")
    error = client.get("/no-such-page/").content.decode()
    assert 'rel="icon"' in error
