"""`python manage.py bench`: generate a district (once) and measure it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/banyan_bench \\
        python manage.py bench --communities 100

writes bench/results/<database>-<communities>.json and a table next to it. The
database's name must contain "bench"; `--rebuild` drops and regenerates it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from banyan.bench import database, harness, layers


class Command(BaseCommand):
    help = "Generate a district into a bench database (once) and measure every scenario."

    def add_arguments(self, parser: CommandParser) -> None:
        d = harness.Options()
        parser.add_argument("--communities", type=int, default=100)
        parser.add_argument("--seed", type=int, default=2019)
        parser.add_argument(
            "--rebuild", action="store_true", help="drop the bench database and generate anew"
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="generator processes (PostgreSQL)"
        )
        parser.add_argument(
            "--server-workers",
            type=int,
            default=d.server_workers,
            help=f"gunicorn sync workers (default {d.server_workers})",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=d.concurrency,
            help=f"load threads for throughput (default {d.concurrency})",
        )
        parser.add_argument("--warmup", type=int, default=d.warmup)
        parser.add_argument("--repeat", type=int, default=d.repeat)
        parser.add_argument("--login-repeat", type=int, default=d.login_repeat)
        parser.add_argument(
            "--seconds", type=float, default=d.seconds, help="throughput window per target"
        )
        parser.add_argument(
            "--server", default=None, help="measure a server already running at this URL"
        )
        parser.add_argument("--out", default="bench/results", help="results folder")
        parser.add_argument(
            "--smoke",
            action="store_true",
            help="the whole harness at tiny scale and few requests (CI): checks it runs",
        )
        parser.add_argument(
            "--generate-only", action="store_true", help="build the dataset, measure nothing"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        def say(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        # One line per sign-in would bury the table (the scenarios sign in many times).
        logging.getLogger("banyan.auth").setLevel(logging.WARNING)
        if o["smoke"]:
            opts = harness.SMOKE
            if o["communities"] == 100:
                o["communities"] = 1
        else:
            opts = harness.Options(
                server_workers=o["server_workers"],
                concurrency=o["concurrency"],
                warmup=o["warmup"],
                repeat=o["repeat"],
                login_repeat=o["login_repeat"],
                seconds=o["seconds"],
            )
        try:
            database.prepare(rebuild=o["rebuild"], say=say)
            dataset = database.ensure_dataset(
                seed=o["seed"], communities=o["communities"], workers=o["workers"], say=say
            )
            added = layers.ensure(
                dataset=dataset,
                say=say,
                volume=layers.SMOKE if o["smoke"] else layers.FULL,
                workers=o["workers"],
            )
            if o["generate_only"]:
                return
            out = Path(o["out"])
            if not out.is_absolute():
                out = Path(settings.BASE_DIR) / out
            _data, path = harness.run(
                opts=opts,
                out_dir=out,
                say=say,
                server_url=o["server"],
                details={
                    "dataset": f"seed {dataset.seed}, generated in {dataset.seconds:.1f} s "
                    f"with {dataset.workers} process(es) on {dataset.built_at:%Y-%m-%d}",
                    "layers": "; ".join(
                        f"{name}: {sum(r['rows'].values()):,} rows in {r['seconds']:.1f} s "
                        f"with {r['workers']} process(es)"
                        for name, r in added.items()
                    ),
                },
            )
        except (database.NotABenchDatabase, RuntimeError) as err:
            raise CommandError(str(err)) from err
        say(f"wrote {path} and {path.with_suffix('.txt')}")
