"""The daily party run: work out every community's compliance tallies for the periods the
compliance page is opened on (this year and month, last year and month) as of today,
and keep them in the shared cache, so the day's first look at a
district's figures is read, not computed.

Run it from cron soon after midnight (the tallies are kept per day: an obligation turns
overdue as the date moves). Nothing depends on it for being right — a look before it ran
computes what is missing — only for being fast. `--today` pins the date.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from banyan.party.selectors import keep_compliance


class Command(BaseCommand):
    help = "Keep every community's party compliance for this and last year and month."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Pretend it is this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("today"):
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as err:
                raise CommandError(
                    f"--today: not a date (YYYY-MM-DD): {options['today']!r}"
                ) from err
        began = time.perf_counter()
        done = keep_compliance(today=today)
        seconds = time.perf_counter() - began
        periods = "; ".join(f"{start} to {end}: {n} computed" for (start, end), n in done.items())
        self.stdout.write(f"compliance kept ({periods}) in {seconds:.1f} s")
