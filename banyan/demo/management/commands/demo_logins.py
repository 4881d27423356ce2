"""`python manage.py demo_logins`: the demo accounts, their password and the URL."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from banyan.demo.builder import DEMO_URL, PASSWORD, demo_accounts


def _pad(text: str, width: int) -> str:
    """Left-align by display width: a Chinese character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - shown)


class Command(BaseCommand):
    help = "Print the demo logins (username, role), the password and the URL."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = demo_accounts()
        names = dict(
            get_user_model()
            .objects.filter(username__in=[a.username for a in accounts])
            .values_list("username", "first_name")
        )
        width = max(len(a.username) for a in accounts)
        self.stdout.write(f"Banyan demo: {DEMO_URL}")
        self.stdout.write(f"Password for every account: {PASSWORD}")
        self.stdout.write("")
        self.stdout.write(f"  {'username':<{width}}  {_pad('name', 8)}  role")
        for account in accounts:
            name = _pad(names.get(account.username, "-"), 8)
            self.stdout.write(f"  {account.username:<{width}}  {name}  {account.description}")
        self.stdout.write("")
        if len(names) < len(accounts):
            self.stdout.write("Some accounts do not exist yet: run python manage.py demo_build")
        from .demo_build import DEMO_OPEN311_KEY

        self.stdout.write(
            f"Open311 GeoReport v2: {DEMO_URL.rstrip('/')}/open311/v2/services.json "
            f"(api_key for POST: {DEMO_OPEN311_KEY})"
        )
        self.stdout.write(
            "An administrator is not part of the demo: python manage.py createsuperuser"
        )
