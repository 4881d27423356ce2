"""Pages residents open without an account: the QR form and the tracking page."""

from __future__ import annotations

urlpatterns: list = []
