"""Who is calling: a bearer token (any method) or the browser's session (with CSRF on writes).

Both put the user on `request.auth` and on `request.user`, so the rest of the stack
(scope, `Cache-Control: no-store` for signed-in users) treats API calls like pages.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from banyan.accounts.tokens import token_authenticate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>` from POST /auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> AbstractBaseUser | None:
        user = token_authenticate(token.strip())
        if user is not None:
            request.user = user  # type: ignore[assignment]
        return user


class BrowserSession(APIKeyCookie):
    """The signed-in browser session. Unsafe methods must carry the CSRF token, exactly
    as a form post would; a request without a session falls through to 401."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        # Only check CSRF when there is a session to ride on, so an anonymous write
        # answers 401 (not a confusing CSRF 403).
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the X-CSRFToken header.")
        return user


def actor(request: HttpRequest) -> Any:
    """The authenticated user of an API request (set by one of the auth classes above)."""
    return request.auth  # type: ignore[attr-defined]
