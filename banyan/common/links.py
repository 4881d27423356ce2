"""Absolute links for what leaves the site (a printed poster's QR code, an Open311 client,
an email): the deployment's public address when it is configured, else the address the
request came in on."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """`path` (from reverse()) as a full URL. BANYAN_PUBLIC_URL wins when set (behind a
    proxy that rewrites the host, or when posters must carry one fixed name); else the
    request's own scheme and host, which Django checks against ALLOWED_HOSTS. Without
    either (a nightly command), the path alone."""
    base = (settings.BANYAN_PUBLIC_URL or "").strip().rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return path
