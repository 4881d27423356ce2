"""The JSON API under /api/v1/: the same scope, services and masking as the pages.

Contract (DESIGN.md): POST /auth/token → {"token"}, then `Authorization: Bearer`;
plural resources; lists take limit/offset/q and parent filters and answer
{"items", "count"}; schema at /api/v1/openapi.json, docs at /api/v1/docs.

Errors, all in one shape (`ErrorOut`: {"detail", "field", "errors"}): a broken domain rule
or a bad request 400, no valid token 401, in scope without the permission 403, outside the
scope or missing 404, payload validation 422 (every refused input in `errors`), too many
sign-in failures 429. Edits carry the `version` they were based on: a stale one is 409
(`ConflictOut`: {"detail", "field", "version", "changed"}), a PATCH without one 428. Each
operation lists the ones it can answer (banyan/api/routing.py adds them from what the
operation is).
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger

from banyan.accounts.tokens import token_issue, token_lifetime, token_revoke
from banyan.common.errors import DomainError, StaleEdit, VersionRequired

from . import errors
from .auth import BearerToken, BrowserSession
from .routers import casework, party, places, registry
from .routing import Router
from .schemas import ErrorOut, TokenIn, TokenOut

log = logging.getLogger("banyan.api")

api = NinjaAPI(
    title="Banyan API",
    version="1",
    description=(
        "Grid governance and resident services. Every list and object is limited to the "
        "caller's posts: outside them is 404. ID numbers and phones are masked; "
        "POST /persons/{id}/reveal unmasks one, if the post allows, and is logged. "
        'Every error is {"detail", "field", "errors"}: `detail` for a person to read (in the '
        "language of Accept-Language), `field` the input it concerns, `errors` (422 only) "
        "every refused input."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    # Served from ninja's bundled static files ("ninja" is an installed app), never a CDN.
    docs=Swagger(),
    docs_url="/docs",
    auth=[BearerToken(), BrowserSession()],
    default_router=Router(scoped=False),  # the token operations
    parser=errors.ObjectBodyParser(),
)


# --- errors -------------------------------------------------------------------------


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, errors.body(str(exc.message), exc.field), status=400)


@api.exception_handler(StaleEdit)
def stale_edit(request: HttpRequest, exc: StaleEdit) -> HttpResponse:
    body = {
        "detail": str(exc.message),
        "field": exc.field,
        "version": exc.current,
        "changed": exc.changed,
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(VersionRequired)
def version_required(request: HttpRequest, exc: VersionRequired) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc.message), "field": exc.field}, status=428
    )


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, errors.body(errors.message(403)), status=403)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, errors.validation_body(exc.errors), status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, errors.body(errors.message(404)), status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, errors.body(errors.message(401)), status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own refusals (a body that is not JSON …) and ours (CSRF): same shape.
    known = {"Cannot parse request body": _("The body must be a JSON object.")}
    detail = known.get(str(exc), str(exc)) or errors.message(exc.status_code)
    return api.create_response(request, errors.body(detail), status=exc.status_code)


# --- tokens -------------------------------------------------------------------------

# Said in the request's language, so looked up when answering, not at import.
BAD_CREDENTIALS = gettext_lazy("Invalid username or password.")
LOCKED_OUT = gettext_lazy(
    "Too many failed sign-in attempts. Try again later or ask your administrator."
)


@api.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},  # 400 and 422: routing.py
    tags=["auth"],
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username and password for a bearer token.

    The token lasts `expires_in` seconds (30 days unless the deployment says otherwise) and
    ends sooner when the password changes, the account is deactivated or its last post
    ends. Failures count towards the same lockout as the sign-in page (per username and
    address, and per address); the answer never says whether the username exists.
    """
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answer in JSON here; otherwise AxesMiddleware swaps in its HTML lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        return api.create_response(request, errors.body(str(LOCKED_OUT)), status=429)
    if user is None:
        # The shape of every other refusal (the exception handlers above), not ErrorOut's
        # serialisation, which would add an empty `errors`.
        return api.create_response(request, errors.body(str(BAD_CREDENTIALS)), status=401)
    # A token is a sign-in: update last_login, reset the failure count, log it (axes).
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    log.info("api token issued for user %s", user.pk)
    return {"token": token_issue(user=user), "expires_in": int(token_lifetime().total_seconds())}


@api.delete("/auth/token", auth=BearerToken(), response={204: None}, tags=["auth"])
def revoke_token(request: HttpRequest) -> Any:
    """Revoke the bearer token this request was made with (sign out)."""
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    token_revoke(raw=raw)
    return Status(204, None)


for module in (places, registry, party, casework):
    api.add_router("", module.router)
