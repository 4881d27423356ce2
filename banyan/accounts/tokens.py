"""API bearer tokens: issued after a password check, stored only as a SHA-256 digest.

A token is a random 256-bit secret; a database dump therefore yields nothing that
can be replayed. A token ends (SECURITY.md 22):
- when it expires, `BANYAN_TOKEN_LIFETIME_HOURS` after it was issued (30 days by default);
- when the password changes, however it is changed (a form, the admin, `set_password`
  and `save`, `manage.py changepassword`): each token keeps the user's session auth hash
  of its day, which any new password hash changes, exactly as Django ends sessions;
- when the account is deactivated, or every post it held has ended (the same rule as
  sessions: banyan.accounts.backends); `post_revoke` also deletes the rows.
`last_used_at` is written at most once a minute so that a busy client does not turn
every read into a write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .backends import holds_standing, standing
from .models import ApiToken

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Raw tokens are 43 url-safe characters; anything much longer is not one of ours.
_MAX_RAW_LENGTH = 128


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings.BANYAN_TOKEN_LIFETIME_HOURS)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: AbstractBaseUser) -> str:
    """Create a token for `user` and return the raw value; it is never stored or shown again.

    The caller has already authenticated the user (password, lockout).
    """
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    auth_hash = user.get_session_auth_hash()
    ApiToken.objects.create(
        user_id=user.pk,
        key_hash=_digest(raw),
        auth_hash=auth_hash,
        created_at=now,
        expires_at=now + token_lifetime(),
    )
    # Dead tokens are dead weight: sweep the user's expired ones and those of an old password.
    ApiToken.objects.filter(
        Q(expires_at__lte=now) | ~Q(auth_hash=auth_hash), user_id=user.pk
    ).delete()
    return raw


def token_authenticate(raw: str) -> AbstractBaseUser | None:
    """The user a valid, unexpired token belongs to, while it may still sign in; or None."""
    if not raw or len(raw) > _MAX_RAW_LENGTH:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .annotate(**standing("user_id"))
        .filter(key_hash=_digest(raw), expires_at__gt=now)
        .first()
    )
    if token is None:
        return None
    user = token.user
    user.held_a_post, user.holds_a_post = token.held_a_post, token.holds_a_post  # type: ignore[attr-defined]
    if not user.is_active or not holds_standing(user):
        return None
    if not token.auth_hash or not constant_time_compare(
        token.auth_hash, user.get_session_auth_hash()
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


@transaction.atomic
def token_revoke(*, raw: str) -> bool:
    """Delete the token with this raw value; True when one existed."""
    deleted, _ = ApiToken.objects.filter(key_hash=_digest(raw)).delete()
    return deleted > 0


@transaction.atomic
def tokens_revoke_for_user(*, user_id: int) -> int:
    """Delete every token of a user (their last post ended); returns how many."""
    deleted, _ = ApiToken.objects.filter(user_id=user_id).delete()
    return deleted
