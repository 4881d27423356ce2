"""Every sign-in, failed sign-in and lockout goes to the `banyan.auth` log (SECURITY.md 14);
a sign-in records its session and a sign-out forgets it and empties the browser's cache of
the site; an account deactivated or given a new password is signed out everywhere.

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
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from banyan.common.clientip import client_ip
from banyan.common.middleware import clear_cache_on_response

from .sessions import RECORDED, session_forget, session_record, sign_ins_end

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


@receiver(user_logged_in, dispatch_uid="banyan.auth.record_session")
def record_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """The session a user signs in with (an API token's sign-in has none)."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session_record(user_id=user.pk, session_key=session.session_key)
        session[RECORDED] = session.session_key


@receiver(user_logged_out, dispatch_uid="banyan.auth.logged_out")
def signed_out(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """Signing out (the button, or an idle session ended by the middleware) forgets the
    session and empties the browser's cache of the site: photos served privately
    cacheable stay there otherwise."""
    if request is None:
        return
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session_forget(session_key=session.session_key)
    clear_cache_on_response(request)


# --- an account deactivated or given a new password ------------------------------------------
# Receivers, not a service: accounts are changed in Django's admin, by `changepassword` and
# by code calling set_password(), and each must sign the account out everywhere. A session
# of a deactivated account would otherwise come back to life when it is reactivated.

_WATCHED = {"is_active", "password"}


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="banyan.auth.user_changing")
def note_account_change(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not _WATCHED & set(update_fields):
        return  # the sign-in's last_login, and any other field
    before = sender._default_manager.filter(pk=instance.pk).values(*_WATCHED).first()
    if before is None:
        return
    instance._banyan_sign_out = (before["is_active"] and not instance.is_active) or before[
        "password"
    ] != instance.password


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="banyan.auth.user_changed")
def sign_out_changed_account(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_banyan_sign_out", False):
        instance._banyan_sign_out = False
        sign_ins_end(user_id=instance.pk)
