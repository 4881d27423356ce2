"""What every request and response passes through: forwarded headers read only from
trusted proxies (SECURITY.md 14), control characters refused at the boundary (SECURITY.md
19), the headers every response carries (SECURITY.md 16), and the photo script's
redirects."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotAllowed,
    JsonResponse,
    QueryDict,
)
from django.urls import get_resolver, get_urlconf
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import error_pages
from .cleaning import has_control_character
from .clientip import from_trusted_proxy

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# What a reverse proxy tells the app about the client's request: whether it came over
# https (SECURE_PROXY_SSL_HEADER), the host and port it was sent to (USE_X_FORWARDED_HOST,
# USE_X_FORWARDED_PORT), the address it came from. Anyone can send these headers.
FORWARDED_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_REAL_IP",
)


class ForwardedHeadersMiddleware:
    """Drops the forwarded headers of a request that did not come from a trusted proxy
    (`BANYAN_TRUSTED_PROXIES`, banyan.common.clientip), before anything reads them.

    Production settings read `X-Forwarded-Proto` (SECURE_PROXY_SSL_HEADER): from anyone,
    a client on plain http could claim https and be spared the redirect, and the secure
    cookies and CSRF's https checks would take the claim for the truth. Only the proxy
    that terminates TLS can say how the request arrived, so only its word is kept. First
    in MIDDLEWARE: SecurityMiddleware's redirect already asks `request.is_secure()`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not from_trusted_proxy(request):
            for key in FORWARDED_HEADERS:
                request.META.pop(key, None)
        return self.get_response(request)


def megabytes(size: int) -> str:
    """A size in bytes as people read it on a page: 12582912 → "12", 524288 → "0.5"."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


class RequestSizeMiddleware:
    """Refuses a request whose declared body is larger than `BANYAN_MAX_REQUEST_BYTES`
    with a 413 in the route's format, before anything reads the body.

    Django bounds a form's fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files: a file
    larger than FILE_UPLOAD_MAX_MEMORY_SIZE is written to a temporary file as it arrives,
    so a 1 GB POST to the public QR form reached the disk before the view could refuse the
    photo. Under WSGI Django reads at most CONTENT_LENGTH bytes of a body (a chunked body
    that declares no length is read as empty), so checking the declared length bounds
    what is read. The reverse proxy should refuse earlier still (nginx's
    client_max_body_size, docs/deployment.md).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.BANYAN_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty, too
        if length > limit:
            extra: dict[str, object] = {"limit_mb": megabytes(limit)}
            path = request.path
            # The way back is to the form itself: with photos.js the refusal replaces the
            # form in the page, so the browser's back button would leave it. Only a path
            # of this site (never "//host/…").
            if url_has_allowed_host_and_scheme(path, allowed_hosts=None):
                extra["back"] = {"url": path, "label": gettext_lazy("Back to the form")}
            return error_pages.early_error(request, 413, extra)
        return self.get_response(request)


def cache_privately(response: HttpResponseBase, max_age: int) -> None:
    """Let the user's own browser keep this response for `max_age` seconds, never a shared
    cache, and leave the header alone below. Only for content whose URL names a hash of
    it (a photo's sizes: banyan.common.images): it never changes under that URL, and the
    pages that give the URL out stay `no-store`. What the browser keeps stays on the
    device, reachable by that exact URL with the same cookies (Django adds `Vary: Cookie`),
    until it is evicted or the user signs out (`clear_cache_on_response`)."""
    response["Cache-Control"] = f"private, max-age={max_age}, immutable"
    response.banyan_private_cache = True  # type: ignore[attr-defined]


def clear_cache_on_response(request: HttpRequest) -> None:
    """Ask the browser to empty its cache of this site with the response to `request`
    (a sign-out, an idle session ended): what `cache_privately` let it keep — photos of
    residents' homes — must not stay on a shared phone for the next person who picks it
    up. Chromium, Edge and Firefox honour the header over https and on localhost."""
    request.banyan_clear_cache = True  # type: ignore[attr-defined]


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        if getattr(request, "banyan_clear_cache", False):
            response["Clear-Site-Data"] = '"cache"'

        # Pages for signed-in users show personal data: never keep them in a cache
        # (unless the view made the response privately cacheable on purpose).
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not getattr(response, "banyan_private_cache", False):
                response["Cache-Control"] = "no-store"
        return response


class MethodNotAllowedMiddleware:
    """A view that does not answer the request's method returns Django's
    HttpResponseNotAllowed (`require_POST`, a class-based view, ninja): an empty page, or
    ninja's English text. It becomes the error in the route's format — the site's page,
    the API's JSON, Open311's document (banyan.common.error_pages) — keeping `Allow`.

    Sits after the authentication middleware, so the page shows the signed-in header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed):
            return error_pages.method_not_allowed(request, response)
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


# --- control characters at the boundary -----------------------------------------------------


class ControlCharacterMiddleware:
    """Refuses a request whose path, query, form fields or JSON body (keys too, at any
    depth) hold a control character (SECURITY.md 19): a 400 naming the field, before any
    view or session reads it.

    NUL reaches PostgreSQL as an error in every statement that carries it (a search, a
    sign-in, a tracking code), and SQLite stores it silently; no person types one. Text
    values may keep tabs and line breaks, names and paths nothing. A cookie holding one is
    dropped rather than refused: the client cannot fix its cookies, and a session key
    with a NUL would fail the session's own query.

    Sits before the session middleware, so it answers without the session: the API in its
    JSON, Open311 in the GeoReport error format, every other route with the site's 400
    page (`handler400`) in the language the request asks for.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        _drop_bad_cookies(request)
        field = _bad_field(request)
        if field is not None:
            return _refuse(request, field)
        return self.get_response(request)


def _drop_bad_cookies(request: HttpRequest) -> None:
    bad = [
        name
        for name, value in request.COOKIES.items()
        if has_control_character(name, line_breaks=False)
        or has_control_character(value, line_breaks=False)
    ]
    for name in bad:
        del request.COOKIES[name]


def _bad_field(request: HttpRequest) -> str | None:
    """The name of the first input holding a control character, or None."""
    if has_control_character(request.path_info, line_breaks=False):
        return "path"
    field = _bad_in_querydict(request.GET, "query")
    if field is not None:
        return field
    return _bad_in_body(request)


def _bad_in_querydict(data: QueryDict | MultiValueDict, where: str) -> str | None:
    for key, values in data.lists():
        if has_control_character(key, line_breaks=False):
            return where
        for value in values:
            if isinstance(value, str) and has_control_character(value):
                return key
    return None


def _bad_in_body(request: HttpRequest) -> str | None:
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        post: QueryDict
        files: MultiValueDict
        if content_type == "multipart/form-data":
            # Parse the form from the body kept in memory, not from the stream: a view
            # that reads the body afterwards (the API reads any body as JSON) would find
            # the stream spent. A body too big to keep is too big for such a view anyway.
            with contextlib.suppress(RequestDataTooBig):
                request.body  # noqa: B018
        if request.method == "POST":
            post, files = request.POST, request.FILES
        elif content_type == "multipart/form-data":
            post, files = request.parse_file_upload(request.META, BytesIO(request.body))
        else:
            post, files = QueryDict(request.body, encoding="utf-8"), MultiValueDict()
        field = _bad_in_querydict(post, "body")
        if field is not None:
            return field
        # A file's name needs no check: Django's parser drops what is not printable.
        if any(has_control_character(key, line_breaks=False) for key in files):
            return "body"
        return None
    if not request.body:
        return None
    try:
        # Whatever the declared type: the API reads any body as JSON.
        document = json.loads(request.body)
    except ValueError:
        return None  # not JSON: the view that reads it answers for it
    except RecursionError:
        return "body"  # nested past Python's stack: no view could read it either
    return _bad_in_json(document)


def _bad_in_json(document: object) -> str | None:
    """Walk the document without recursion (its depth is the client's choice): the dotted
    path of the first bad value, or of the object whose key is bad ("body" at the top)."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if has_control_character(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if has_control_character(key, line_breaks=False):
                    return path or "body"
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


# A key is the client's to choose; the answer names at most this much of it.
MAX_FIELD_NAME = 100


def _refuse(request: HttpRequest, field: str) -> HttpResponse:
    field = field[:MAX_FIELD_NAME]
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = _("%(field)s holds a control character (such as NUL), which is not allowed.") % {
            "field": field
        }
        path = request.path_info
        if path.startswith("/api/"):
            return JsonResponse({"detail": message, "field": field}, status=400)
        # A part of the site that answers machines (Open311) answers in its own format.
        answer = error_pages.respond(request, 400, message)
        if answer is not None:
            return answer
        # The site's 400 page (handler400). It runs before the session and the user are
        # read: the page shows the signed-out header, whoever asked.
        if not hasattr(request, "user"):
            request.user = AnonymousUser()
        handler: Callable[..., HttpResponse] = get_resolver(get_urlconf()).resolve_error_handler(
            400
        )
        response = handler(request, exception=error_pages.ExplainedBadRequest(message))
        response.setdefault("Content-Language", language)
        return response
