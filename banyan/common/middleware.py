"""Headers every response carries (SECURITY.md 16)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def cache_privately(response: HttpResponseBase, max_age: int) -> None:
    """Let the user's own browser keep this response for `max_age` seconds, never a shared
    cache: for content named by a hash of itself (a photo's sizes), which is as safe to
    keep as the page that linked it. The middleware leaves this header alone."""
    response["Cache-Control"] = f"private, max-age={max_age}, immutable"
    response.banyan_private_cache = True  # type: ignore[attr-defined]


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        # Pages for signed-in users show personal data: never keep them in a cache
        # (unless the view made the response privately cacheable on purpose).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not getattr(response, "banyan_private_cache", False):
                response["Cache-Control"] = "no-store"
        return response
