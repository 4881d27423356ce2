"""The trivial view: the ceiling of this stack (server, Django, middleware) on this
machine, against which the API's throughput is read."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
