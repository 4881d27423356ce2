"""The site's URLs plus one view that fails with personal data in its error (test_logging)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

ID_NUMBER = "53080219900101123X"
PHONE = "13812345678"


def boom(request: HttpRequest, value: str) -> HttpResponse:
    raise ValueError(f"cannot read {value} (call +86 138-1234-5678 or {PHONE})")


# The site by name, not by import: mypy checks banyan/common and would follow it everywhere.
urlpatterns = [path("boom/<str:value>/", boom), path("", include("banyan.urls"))]
