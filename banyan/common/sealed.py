"""A short-lived, opaque handle for what must not go into a URL (a search by ID number or
phone): the value is kept server-side, encrypted, in the shared cache, and the URL
carries only a random token that works for the user who made it and nobody else."""

from __future__ import annotations

import json
import secrets
from typing import Any

from cryptography.fernet import InvalidToken
from django.core.cache import cache

from . import crypto

LIFETIME_SECONDS = 30 * 60
_PREFIX = "sealed:"


def seal(*, user_id: int, data: dict[str, Any], lifetime: int = LIFETIME_SECONDS) -> str:
    """Keep `data` for `user_id` and return its token (22 URL-safe characters)."""
    token = secrets.token_urlsafe(16)
    payload = crypto.encrypt(json.dumps({"u": user_id, "d": data}))
    cache.set(_PREFIX + token, payload, lifetime)
    return token


def unseal(*, user_id: int, token: str) -> dict[str, Any] | None:
    """The data sealed under `token` by this user, or None (unknown, expired, another
    user's, or not a token at all)."""
    if not token or len(token) > 64 or not token.replace("-", "").replace("_", "").isalnum():
        return None
    payload = cache.get(_PREFIX + token)
    if not isinstance(payload, str):
        return None
    try:
        kept = json.loads(crypto.decrypt(payload))
    except (InvalidToken, ValueError):
        return None
    if kept.get("u") != user_id:
        return None
    data = kept.get("d")
    return data if isinstance(data, dict) else None
