"""Every sign-in, failed sign-in and lockout goes to the `banyan.auth` log (SECURITY.md 14),
and a sign-out empties the browser's cache of the site.

Only the username and the client address are written, never a password. A
username is what someone typed, so long digit runs (a phone or ID number typed
by mistake) are masked and the value is logged with repr() so that a newline in
it cannot forge a log line.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from banyan.common.clientip import client_ip
from banyan.common.middleware import clear_cache_on_response

logger = logging.getLogger("banyan.auth")

_DIGIT_RUN = re.compile(r"\d{7,}[Xx]?")


def safe_username(value: object) -> str:
    text = str(value or "")[:150]
    return _DIGIT_RUN.sub(lambda m: m[0][:3] + "*" * (len(m[0]) - 5) + m[0][-2:], text)


def _ip(request: HttpRequest | None) -> str:
    if request is None:
        return "-"
    return getattr(request, "axes_ip_address", None) or client_ip(request) or "-"


@receiver(user_logged_in, dispatch_uid="banyan.auth.logged_in")
def log_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    logger.info(
        "login ok username=%r user_id=%s ip=%s",
        safe_username(user.get_username()),
        user.pk,
        _ip(request),
    )


@receiver(user_login_failed, dispatch_uid="banyan.auth.login_failed")
def log_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    logger.warning(
        "login failed username=%r ip=%s",
        safe_username(credentials.get("username")),
        _ip(request),
    )


@receiver(user_locked_out, dispatch_uid="banyan.auth.locked_out")
def log_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    logger.warning("login locked out username=%r ip=%s", safe_username(username), ip_address or "-")


@receiver(user_logged_out, dispatch_uid="banyan.auth.logged_out")
def forget_cached_photos(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Signing out (the button, or an idle session ended by the middleware) empties the
    browser's cache of the site: photos served privately cacheable stay there otherwise."""
    if request is not None:
        clear_cache_on_response(request)
