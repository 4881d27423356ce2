from __future__ import annotations

from django.http import HttpRequest

from .scope import get_scope


def posts(request: HttpRequest) -> dict:
    """The signed-in user's posts, for the header (lazily: no query on public pages)."""
    if not request.user.is_authenticated:
        return {}
    return {"scope": get_scope(request.user)}
