"""The daily casework run: auto-close unconfirmed resolved cases, then due-soon and
overdue notices (in-app, and one digest email for people who opted in).

Run it from cron once a day (or more often: it never tells anyone twice about the same
case on the same day). `--now` pins the clock, e.g. to replay a missed day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from banyan.casework.services.daily import casework_daily


def _parse_now(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as err:
        raise CommandError(f"--now: not an ISO 8601 date-time: {value!r}") from err
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)  # the community's time zone (TIME_ZONE)
    return parsed


class Command(BaseCommand):
    help = "Auto-close resolved cases past the window, then send due-soon / overdue notices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            help="Pretend it is this ISO 8601 date-time (local time when no offset is given).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = _parse_now(options.get("now"))
        summary = casework_daily(now=now)
        # Counts only: this line ends up in cron mail and logs.
        self.stdout.write(
            f"auto-closed: {summary.auto_closed}; "
            f"open cases due soon: {summary.due_soon}; overdue: {summary.overdue}; "
            f"notices sent: {summary.notifications} "
            f"(due soon {summary.per_kind.get('due_soon', 0)}, "
            f"overdue {summary.per_kind.get('overdue', 0)}) to {summary.users} user(s); "
            f"already sent today: {summary.skipped}; digest emails: {summary.emails}"
        )
