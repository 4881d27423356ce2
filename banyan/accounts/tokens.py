"""API bearer tokens: issued after a password check, stored only as a SHA-256 digest.

A token is a random 256-bit secret; a database dump therefore yields nothing that
can be replayed. Tokens expire after `TOKEN_LIFETIME`; `last_used_at` is written at
most once a minute so that a busy client does not turn every read into a write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .models import ApiToken

TOKEN_LIFETIME = dt.timedelta(hours=12)
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
# Raw tokens are 43 url-safe characters; anything much longer is not one of ours.
_MAX_RAW_LENGTH = 128


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: AbstractBaseUser) -> str:
    """Create a token for `user` and return the raw value; it is never stored or shown again.

    The caller has already authenticated the user (password, lockout).
    """
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        user_id=user.pk, key_hash=_digest(raw), created_at=now, expires_at=now + TOKEN_LIFETIME
    )
    # Expired tokens are dead weight: sweep the user's own on each issue.
    ApiToken.objects.filter(user_id=user.pk, expires_at__lte=now).delete()
    return raw


def token_authenticate(raw: str) -> AbstractBaseUser | None:
    """The active user a valid, unexpired token belongs to, or None."""
    if not raw or len(raw) > _MAX_RAW_LENGTH:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_digest(raw), expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, raw: str) -> bool:
    """Delete the token with this raw value; True when one existed."""
    deleted, _ = ApiToken.objects.filter(key_hash=_digest(raw)).delete()
    return deleted > 0
