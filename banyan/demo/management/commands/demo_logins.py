"""`python manage.py demo_logins`: the demo accounts, their password and the URL."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from banyan.demo.builder import DEMO_URL, PASSWORD, demo_accounts


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
        self.stdout.write(f"  {'username':<{width}}  {'name':<6}  role")
        for account in accounts:
            name = names.get(account.username, "—")
            self.stdout.write(f"  {account.username:<{width}}  {name:<6}  {account.description}")
        if len(names) < len(accounts):
            self.stdout.write("")
            self.stdout.write("Some accounts do not exist yet: run python manage.py demo_build")
