"""Open311 api_keys: issue one to a client of a community (printed once, stored only as
its SHA-256), list them, or revoke one.

    manage.py open311_key <community id or code> --name "WeChat mini-program"
    manage.py open311_key --list [<community id or code>]
    manage.py open311_key --revoke <key id>
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from banyan.casework.models import Open311Key
from banyan.common.errors import DomainError
from banyan.open311 import selectors, services


class Command(BaseCommand):
    help = "Issue, list or revoke Open311 api_keys (a key is printed once, never stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("community", nargs="?", help="The community's id or code.")
        parser.add_argument("--name", default="", help="Who the key is for (a client app).")
        parser.add_argument("--list", action="store_true", help="List keys (never the keys).")
        parser.add_argument("--revoke", type=int, metavar="ID", help="Revoke the key with id.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"] is not None:
            key = Open311Key.objects.filter(pk=options["revoke"]).first()
            if key is None:
                raise CommandError(f"No api_key with id {options['revoke']}.")
            services.open311_key_revoke(key=key)
            self.stdout.write(f"Revoked api_key {key.pk} ({key.name}).")
            return
        community = None
        if options["community"]:
            community = selectors.get_jurisdiction(options["community"])
            if community is None:
                raise CommandError(f"No community with id or code {options['community']!r}.")
        if options["list"]:
            keys = Open311Key.objects.select_related("community").order_by("id")
            if community is not None:
                keys = keys.filter(community=community)
            for key in keys:
                state = "active" if key.active else "revoked"
                self.stdout.write(
                    f"{key.pk}\t{key.community.name}\t{key.name}\t{state}\t"
                    f"{key.created_at:%Y-%m-%d}"
                )
            return
        if community is None:
            raise CommandError("Name the community (its id or code), or use --list / --revoke.")
        try:
            key, raw = services.open311_key_issue(community=community, name=options["name"])
        except DomainError as err:
            raise CommandError(f"{err.field}: {err.message}") from None
        self.stdout.write(
            f"api_key {key.pk} for {key.name} ({community.name}, jurisdiction_id "
            f"{community.pk}):\n{raw}\nIt is shown this once; only its SHA-256 is kept."
        )
