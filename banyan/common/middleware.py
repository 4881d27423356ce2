"""What every response passes through: the headers it carries (SECURITY.md 16), and the
photo script's redirects."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def cache_privately(response: HttpResponseBase, max_age: int) -> None:
    """Let the user's own browser keep this response for `max_age` seconds, never a shared
    cache, and leave the header alone below. Only for content whose URL names a hash of
    it (a photo's sizes: banyan.common.images): it never changes under that URL, and the
    pages that give the URL out stay `no-store`. What the browser keeps stays on the
    device until it is evicted, reachable by that exact URL."""
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


UPLOAD_HEADER = "HTTP_X_BANYAN_UPLOAD"
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class UploadRedirectMiddleware:
    """photos.js sends a form with XMLHttpRequest, to show the upload's progress.
    XMLHttpRequest follows a redirect by itself, loading the next page out of sight (and
    spending its flash message there), so for such a request a redirect is answered 204
    with its target in X-Banyan-Location, and the script goes there as the form would
    have. Any other request, and any other answer, passes untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.META.get(UPLOAD_HEADER) != "1" or response.status_code not in REDIRECTS:
            return response
        answer = HttpResponse(status=204)
        answer["X-Banyan-Location"] = response["Location"]
        if "Cache-Control" in response:
            answer["Cache-Control"] = response["Cache-Control"]
        answer.cookies = response.cookies
        return answer
