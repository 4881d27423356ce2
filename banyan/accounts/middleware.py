"""Signs a user out after a period without requests (SECURITY.md 15)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen", now)
            if now - last > settings.BANYAN_IDLE_TIMEOUT_SECONDS:
                logout(request)
            elif now - last >= 60 or "last_seen" not in request.session:
                # A minute's precision is enough and spares a session write per request.
                request.session["last_seen"] = now
        return self.get_response(request)
