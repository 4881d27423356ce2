"""Sign-in lockout (SECURITY.md 14): django-axes' database handler with two counters.

- per (username, address): `AXES_FAILURE_LIMIT` wrong passwords for one account from
  one address lock that pair. The account stays open from every other address, so a
  stranger who knows a name cannot lock its owner out everywhere.
- per address: `BANYAN_LOGIN_ADDRESS_LIMIT` failures from one address, whatever the
  usernames, lock the address (guessing across many accounts, credential stuffing).

A successful sign-in clears only its own pair. Axes' own reset clears every row its
lockout parameters match, the whole address included, so an attacker with one account
of their own could sign in between guesses and never be throttled.

The address is `banyan.common.clientip.client_ip` (AXES_CLIENT_IP_CALLABLE): behind a
reverse proxy, the forwarded address only when the proxy is trusted.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def address_limit() -> int:
    return int(settings.BANYAN_LOGIN_ADDRESS_LIMIT)


class LockoutHandler(AxesDatabaseHandler):
    def _recent(self, request: HttpRequest, **filters: Any) -> QuerySet[AccessAttempt]:
        attempts = AccessAttempt.objects.filter(**filters)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts

    def _pair(self, request: HttpRequest, credentials: dict | None) -> dict[str, Any]:
        return {
            "username": get_client_username(request, credentials),
            "ip_address": request.axes_ip_address,  # type: ignore[attr-defined]
        }

    @staticmethod
    def _count(attempts: QuerySet[AccessAttempt]) -> int:
        return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """Failures of this (username, address) pair: what AXES_FAILURE_LIMIT is compared with."""
        return self._count(self._recent(request, **self._pair(request, credentials)))

    def address_failures(self, request: HttpRequest) -> int:
        return self._count(self._recent(request, ip_address=request.axes_ip_address))  # type: ignore[attr-defined]

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        if self.get_failures(request, credentials) >= get_failure_limit(request, credentials):
            return True
        return self.address_failures(request) >= address_limit()

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if settings.AXES_LOCK_OUT_AT_FAILURE and self.address_failures(request) >= address_limit():
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
            )

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """On a successful sign-in: forget this pair's failures, never the address's others."""
        count, _ = AccessAttempt.objects.filter(**self._pair(request, credentials)).delete()
        return count
