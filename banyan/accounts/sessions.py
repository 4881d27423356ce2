"""Which browser sessions a user holds, so that they can be ended for good.

A session whose user lost the right to be signed in stops working at its next request
(banyan.accounts.backends), but stays in the session store: granting the user a new post,
or reactivating the account, would bring it back to life, signed in, on whatever browser
still holds the cookie. So every session a user signs in with is recorded (`UserSession`:
the key, not the session), and `sessions_end_for_user` deletes them all from the session
store when the last post ends, the account is deactivated or its password is changed by
someone else (SECURITY.md 15, 22).

A session is recorded when a response to a signed-in user carries a session key not yet
recorded (`SessionRecordMiddleware`): the sign-in itself, and a key changed later (Django
changes it when a user changes their own password). The record goes at sign-out and, for
sessions that simply expired, when the same user next signs in. Works with any session
engine: sessions are ended through the engine's own store.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import Post, UserSession
from .tokens import tokens_revoke_for_user

# The key the session was recorded under, kept in the session itself: one dictionary
# look-up per request tells whether there is anything to record.
RECORDED = "_banyan_recorded"


def _store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


def _live(keys: list[str]) -> set[str]:
    """Those of `keys` whose session still exists and has not expired: one query for a
    database-backed engine (however many sessions a user has left behind), else one
    look-up per key through the engine."""
    if not keys:
        return set()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store, "get_model_class"):
        return set(
            store.get_model_class()
            .objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
            .values_list("session_key", flat=True)
        )
    probe = _store()
    return {key for key in keys if probe.exists(key)}


def session_record(*, user_id: int, session_key: str) -> None:
    """Note that `user_id` is signed in with `session_key`; forget the user's sessions that
    no longer exist (expired, or replaced by a new key)."""
    keys = list(
        UserSession.objects.filter(user_id=user_id)
        .exclude(session_key=session_key)
        .values_list("session_key", flat=True)
    )
    gone = sorted(set(keys) - _live(keys))
    if gone:
        UserSession.objects.filter(session_key__in=gone).delete()
    # Two requests of one new session may both record it: one row either way.
    UserSession.objects.bulk_create(
        [UserSession(user_id=user_id, session_key=session_key)], ignore_conflicts=True
    )


def session_forget(*, session_key: str) -> None:
    """The session ended by signing out: its record goes."""
    UserSession.objects.filter(session_key=session_key).delete()


def sessions_end_for_user(*, user_id: int, keep: str | None = None) -> int:
    """Delete every recorded session of the user from the session store (but `keep`, the
    key of the request that asks, if any); returns how many were recorded."""
    keys = list(
        UserSession.objects.filter(user_id=user_id)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    for key in keys:
        _store(key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def sign_ins_end(*, user_id: int) -> dict[str, int]:
    """End every way the user is signed in: API tokens and browser sessions (how many of
    each, for the event that says why)."""
    return {
        "tokens_revoked": tokens_revoke_for_user(user_id=user_id),
        "sessions_ended": sessions_end_for_user(user_id=user_id),
    }


def sign_ins_end_without_post(*, user_id: int) -> dict[str, int] | None:
    """`sign_ins_end` when the user holds no active post (any more); None otherwise."""
    if Post.objects.filter(user_id=user_id, active=True).exists():
        return None
    return sign_ins_end(user_id=user_id)


class SessionRecordMiddleware:
    """Records the session of a signed-in user's response when its key is new: after
    the sign-in (Django's `login` gives the session a new key) and after any later change
    of key. After the authentication middleware; the session is saved after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or session is None or not user.is_authenticated:
            return response
        key = session.session_key
        if key and session.get(RECORDED) != key:
            session_record(user_id=user.pk, session_key=key)
            session[RECORDED] = key
        return response
