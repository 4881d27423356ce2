"""The API's one error shape, {"detail", "field"}, for every failure: a broken domain
rule (400), payload validation (422), and what Django answers before or after ninja (an
unknown URL, a server error) under /api/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse


def error_response(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    return JsonResponse({"detail": detail, "field": None}, status=status)
