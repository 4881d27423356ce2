"""The benchmark's own database: created, dropped and filled only when its name says
it is one (it contains "bench"), so neither the tests' database nor the demo's is ever
touched."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.core.management import call_command
from django.db import connection, connections

from banyan.demo import builder
from banyan.places.models import Node, NodeKind

from .models import Dataset

Say = Callable[[str], None]


class NotABenchDatabase(RuntimeError):
    pass


def name() -> str:
    return str(connection.settings_dict["NAME"])


def require_bench_database() -> None:
    if "bench" not in Path(name()).name:
        raise NotABenchDatabase(
            f"refusing to use database {name()!r}: its name must contain 'bench' "
            "(e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/banyan_bench or "
            "sqlite:///var/bench-10.sqlite3)"
        )


def prepare(*, rebuild: bool, say: Say) -> None:
    """Create the database if it is missing (dropping it first with `rebuild`), then
    bring its schema up to date."""
    require_bench_database()
    connections.close_all()
    if connection.vendor == "postgresql":
        _postgres(rebuild, say)
    elif connection.vendor == "sqlite" and rebuild:
        for suffix in ("", "-wal", "-shm"):
            path = Path(name() + suffix)
            if path.exists():
                path.unlink()
        say(f"removed {name()}")
    call_command("migrate", verbosity=0, interactive=False)


def _postgres(rebuild: bool, say: Say) -> None:
    import psycopg
    from psycopg import sql

    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    params.pop("cursor_factory", None)
    params.pop("context", None)
    db = sql.Identifier(name())
    with psycopg.connect(**params, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name()]).fetchone()
        if exists and rebuild:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(db))
            say(f"dropped database {name()}")
        if rebuild or not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(db))
            say(f"created database {name()}")


def ensure_dataset(*, seed: int, communities: int, workers: int | None, say: Say) -> Dataset:
    """The dataset the database holds, generated now if it holds none."""
    dataset = Dataset.objects.first()
    present = Node.objects.filter(kind=NodeKind.COMMUNITY).count()
    if dataset is not None and (dataset.seed, dataset.communities) == (seed, communities):
        if present == communities:
            say(
                f"reusing the dataset: {communities} communities, seed {seed}, "
                f"generated in {dataset.seconds:.0f} s"
            )
            return dataset
    if present or dataset is not None:
        raise RuntimeError(
            f"the database holds another dataset ({present} communities); "
            "run again with --rebuild to generate it afresh"
        )
    used = builder.default_workers(communities) if workers is None else workers
    counts = builder.build(seed=seed, communities=communities, progress=say, workers=used)
    seconds = counts.pop("seconds")
    dataset = Dataset.objects.create(
        seed=seed, communities=communities, workers=used, seconds=seconds, rows=counts
    )
    rows = sum(counts.values())
    say(f"generated {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    if connection.vendor == "postgresql":
        # Statistics and the visibility map, as autovacuum keeps them on a database in
        # service; a bulk load leaves both empty until it comes round.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        say(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
    return dataset
