"""What a person sees when a request fails: a page in the site's layout, in their language,
with a way back — never Django's bare English page (banyan/urls.py's handler400/403/404/500
and settings.CSRF_FAILURE_VIEW point here).

Parts of the site that answer machines register their own answer for their URL prefix
from `AppConfig.ready()` (the API: JSON; Open311: its JSON or XML error document), so
an unknown URL or a server error there is still in the format the client reads. This
module knows none of those apps. A page may also register the link back that suits its
visitors (the public tracking pages send a resident to the code look-up, not to sign-in).

The 500 page is rendered without the request's context processors and without the
database: whatever broke the request (the database, a middleware, the session) must not
break the page that says so. The other pages fall back to their own template without the
request's context, then to it, when the layout cannot be rendered for the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

log = logging.getLogger("banyan.errors")

# (request, status, message) → the response in the client's format.
Responder = Callable[[HttpRequest, int, str], HttpResponse]


@dataclass(frozen=True)
class BackLink:
    url_name: str
    label: Promise | str


_RESPONDERS: list[tuple[str, Responder]] = []
_BACK_LINKS: list[tuple[str, BackLink]] = []
_HOME = BackLink("home", gettext_lazy("Back to the home page"))


def register_responder(prefix: str, responder: Responder) -> None:
    """Answer errors under `prefix` (a path such as "/api/") with `responder`."""
    if all(p != prefix for p, _r in _RESPONDERS):
        _RESPONDERS.append((prefix, responder))
        _RESPONDERS.sort(key=lambda item: -len(item[0]))


def respond(request: HttpRequest, status: int, message: str) -> HttpResponse | None:
    """The answer of the responder registered for the request's URL, if there is one."""
    responder = _responder(request)
    return responder(request, status, message) if responder is not None else None


def register_back_link(prefix: str, url_name: str, label: Promise | str) -> None:
    """The way back offered on error pages under `prefix`."""
    if all(p != prefix for p, _b in _BACK_LINKS):
        _BACK_LINKS.append((prefix, BackLink(url_name, label)))
        _BACK_LINKS.sort(key=lambda item: -len(item[0]))


def _path(request: HttpRequest) -> str:
    return getattr(request, "path_info", "") or getattr(request, "path", "") or ""


def _responder(request: HttpRequest) -> Responder | None:
    path = _path(request)
    return next((r for prefix, r in _RESPONDERS if path.startswith(prefix)), None)


def _back(request: HttpRequest) -> dict[str, str]:
    path = _path(request)
    link = next((b for prefix, b in _BACK_LINKS if path.startswith(prefix)), _HOME)
    try:
        return {"url": reverse(link.url_name), "label": str(link.label)}
    except NoReverseMatch:
        return {"url": "/", "label": str(_HOME.label)}


# The short name of each failure, for clients that read JSON or XML; the pages say more
# (templates/<status>.html), and never repeat the URL or anything the request carried.
TITLES: dict[int, Promise] = {
    400: gettext_lazy("This request could not be understood"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("This page cannot be used this way"),
    413: gettext_lazy("Too much sent at once"),
    429: gettext_lazy("Too many attempts"),
    500: gettext_lazy("Something went wrong on our side"),
}


# Both languages, no template, no translation catalogue: what is left when all else failed.
LAST_RESORT = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>出错了 · Server error</title></head><body><main>"
    "<h1>出错了，请稍后再试。</h1><p>Something went wrong on our side. Try again later.</p>"
    '<p><a href="/">回到首页 · Home</a></p></main></body></html>'
)


def server_error_page(status: int = 500) -> HttpResponse:
    """The self-contained page: static text and the stylesheet, no database and no
    context processors (they read the session, the user and the user's posts)."""
    try:
        body = loader.get_template("500.html").render({})
    except Exception:  # even the template machinery or the static manifest is broken
        log.exception("the self-contained error page could not be rendered")
        body = LAST_RESORT
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def error_page(
    request: HttpRequest,
    status: int,
    template: str = "",
    extra: dict | None = None,
    *,
    reason: str = "",
) -> HttpResponse:
    """The error as the client reads it: a registered format for its URL, else a page in
    the site's layout with a way back (or the self-contained page if that fails). `extra`
    is more context for the page's template (its `back`, a {"url", "label"}, replaces the
    usual way back); `reason` is a message written for the person (ExplainedBadRequest),
    shown on the page."""
    responder = _responder(request)
    if responder is not None:
        return responder(request, status, reason or str(TITLES[status]))
    template = template or f"{status}.html"
    context = {"back": _back(request), "reason": reason, **(extra or {})}
    try:
        return render(request, template, context, status=status)
    except Exception:
        # A request broken enough (no session, no user: a bad Host fails before the
        # middleware sets them) that the layout's context processors fail: the same page
        # without them (the signed-out header), else the self-contained one.
        log.warning("the %s page was rendered without the request's context", status)
    try:
        body = loader.get_template(template).render(context)
    except Exception:
        log.exception("the %s page could not be rendered", status)
        return server_error_page(status)
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


class ExplainedBadRequest(BadRequest):
    """A request refused with a message written for the person who sent it: which input,
    and why (a control character in a form's field). The 400 page shows it. The message
    may name an input but never repeats what it held.

    Any other BadRequest or SuspiciousOperation is Django's or a library's, written for
    the logs (it may repeat a Host header, a file name or a value): the page never shows
    those."""


# A reason longer than this is cut: it is one sentence, and a field's name is the client's.
MAX_REASON = 300


def early_error(request: HttpRequest, status: int, extra: dict | None = None) -> HttpResponse:
    """The error page (or the registered format) for a middleware that refuses a request
    before the session and the user are read: in the language the request asks for, with
    the signed-out header whoever asked."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        if not hasattr(request, "user"):
            request.user = AnonymousUser()
        response = error_page(request, status, extra=extra)
    response.setdefault("Content-Language", language)
    return response


def method_not_allowed(request: HttpRequest, refused: HttpResponseBase) -> HttpResponse:
    """The error for a method the view does not answer (Django's HttpResponseNotAllowed is
    an empty page), keeping the methods it does answer in `Allow`."""
    response = error_page(request, 405)
    if "Allow" in refused:
        response["Allow"] = refused["Allow"]
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception)[:MAX_REASON] if isinstance(exception, ExplainedBadRequest) else ""
    return error_page(request, 400, reason=reason)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """For a rate limit that refuses a request (the sign-in lockout has its own page)."""
    return error_page(request, 429)


def server_error(request: HttpRequest) -> HttpResponse:
    responder = _responder(request)
    if responder is not None:
        try:
            return responder(request, 500, str(TITLES[500]))
        except Exception:
            log.exception("the error responder failed; answering with the 500 page")
    return server_error_page()


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that is too old (the session ended, or the page was open
    for long): say so and send the person back to load it again."""
    return error_page(request, 403, template="403_csrf.html")
