"""The JSON API under /api/v1/: the same scope, services and masking as the pages.

Contract (DESIGN.md): POST /auth/token → {"token"}, then `Authorization: Bearer`;
plural resources; lists take limit/offset/q and parent filters and answer
{"items", "count"}; schema at /api/v1/openapi.json, docs at /api/v1/docs.

Errors: payload validation 422 (ninja), a broken domain rule 400 {"detail", "field"},
in scope without the permission 403, outside the scope or missing 404. Edits carry the
`version` they were based on: a stale one is 409 {"detail", "field", "version",
"changed"}, a PATCH without one 428.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Status
from ninja.openapi.docs import Swagger

from banyan.accounts.tokens import TOKEN_LIFETIME, token_issue, token_revoke
from banyan.common.errors import DomainError, StaleEdit, VersionRequired

from .auth import BearerToken, BrowserSession
from .routers import casework, party, places, registry
from .schemas import ErrorOut, TokenIn, TokenOut

log = logging.getLogger("banyan.api")

api = NinjaAPI(
    title="Banyan API",
    version="1",
    description=(
        "Grid governance and resident services. Every list and object is limited to the "
        "caller's posts: outside them is 404. ID numbers and phones are masked; "
        "POST /persons/{id}/reveal unmasks one, if the post allows, and is logged."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    # Served from ninja's bundled static files ("ninja" is an installed app), never a CDN.
    docs=Swagger(),
    docs_url="/docs",
    auth=[BearerToken(), BrowserSession()],
)


# --- errors -------------------------------------------------------------------------


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(exc.message), "field": exc.field}, status=400
    )


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
    return api.create_response(request, {"detail": _("Your post does not allow this.")}, status=403)


# --- tokens -------------------------------------------------------------------------

BAD_CREDENTIALS = "Invalid username or password."
LOCKED_OUT = "Too many failed sign-in attempts. Try again later or ask your administrator."


@api.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    tags=["auth"],
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username and password for a bearer token (valid for 12 hours).

    Failures count towards the same lockout as the sign-in page (per username and per
    address); the answer never says whether the username exists.
    """
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answer in JSON here; otherwise AxesMiddleware swaps in its HTML lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        return Status(429, {"detail": LOCKED_OUT})
    if user is None:
        return Status(401, {"detail": BAD_CREDENTIALS})
    # A token is a sign-in: update last_login, reset the failure count, log it (axes).
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    log.info("api token issued for user %s", user.pk)
    return {"token": token_issue(user=user), "expires_in": int(TOKEN_LIFETIME.total_seconds())}


@api.delete("/auth/token", auth=BearerToken(), response={204: None}, tags=["auth"])
def revoke_token(request: HttpRequest) -> Any:
    """Revoke the bearer token this request was made with (sign out)."""
    raw = request.headers.get("Authorization", "").partition(" ")[2].strip()
    token_revoke(raw=raw)
    return Status(204, None)


api.add_router("", places.router)
api.add_router("", registry.router)
api.add_router("", party.router)
api.add_router("", casework.router)
