"""The few responses that belong to no app."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = (Path(__file__).resolve().parent / "static" / "banyan" / "favicon.svg").read_bytes()


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and feed readers ask for whatever the page links: the
    same icon as the pages' <link rel=icon>, served here rather than redirected (a cached
    redirect would outlive the static file's hashed name)."""
    return HttpResponse(FAVICON, content_type="image/svg+xml")
