"""`python manage.py demo_build`: generate the demo district (倒生根社区 and more)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from banyan.demo import builder
from banyan.places.models import Node, NodeKind

DEMO_OPEN311_KEY = "banyan-demo-open311-key"


def _activity(*, seed: int, progress: Any) -> dict[str, int]:
    """A year of life in the first community (the one with the demo logins): casework,
    the party organisation and its care, and an Open311 key for trying the API."""
    from django.db import transaction

    from banyan.casework.demo import build_casework
    from banyan.open311.services import open311_key_issue
    from banyan.party.demo import build_party

    community = Node.objects.filter(kind=NodeKind.COMMUNITY).order_by("id").first()
    assert community is not None
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts.update(build_casework(community=community, seed=seed, progress=progress))
    with transaction.atomic():
        counts.update(build_party(community=community, seed=seed, progress=progress))
    open311_key_issue(community=community, name="Demo client", raw=DEMO_OPEN311_KEY)
    return counts


class Command(BaseCommand):
    help = "Build the demo community 倒生根社区 (and, with --communities N, N-1 more)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2019, help="random seed (default 2019)")
        parser.add_argument(
            "--communities", type=int, default=1, help="how many communities (default 1)"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete all domain data and the demo users first (reference data is kept)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when a community already exists",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes writing communities side by side (PostgreSQL only; "
            "default: one per core for 4 or more communities)",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
        parser.add_argument(
            "--no-activity",
            action="store_true",
            help="only the registry: no casework, party life or Open311 key",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["quiet"]

        def say(message: str) -> None:
            if not quiet:
                self.stdout.write(message)

        if options["communities"] < 1:
            raise CommandError("--communities must be at least 1")
        exists = Node.objects.filter(kind=NodeKind.COMMUNITY).exists()
        if options["if_empty"] and exists:
            say("demo already built")
            return
        if options["reset"]:
            builder.reset(progress=say)
        elif exists:
            raise CommandError(
                "The database already holds communities. Use --reset to rebuild the demo "
                "(this deletes all domain data), or --if-empty to keep it."
            )
        counts = builder.build(
            seed=options["seed"],
            communities=options["communities"],
            progress=say,
            workers=options["workers"],
        )
        seconds = counts.pop("seconds")
        if not options["no_activity"]:
            counts.update(_activity(seed=options["seed"], progress=say))
        say("")
        say("Rows written:")
        for table, rows in counts.items():
            say(f"  {table:<18} {rows:>10,}")
        say(f"  {'total':<18} {sum(counts.values()):>10,}  in {seconds:.1f} s")
        say("")
        say(
            f"Demo logins: python manage.py demo_logins (password {builder.PASSWORD!r}). "
            "No superuser was made; create one with: python manage.py createsuperuser"
        )
