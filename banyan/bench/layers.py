"""Layers: casework and party life added to a generated district, community by community.

The registry (`banyan.demo.builder`) is the base of a benchmark dataset; casework
(issue 4: cases, home visits, meetings) and the party organisation (issue 5: members,
contacts, themed days) are layers written on top of it by the demo's own builders
(`banyan.casework.demo`, `banyan.party.demo`), at the benchmark's volume. A layer is
added to a dataset that lacks it, so a district generated before the layer existed gets
it without being generated again; each community is one transaction, and a community
already holding the layer (an interrupted run) is skipped. A community's rows are drawn
from the seed and its place in the district (not its key, which a parallel build of the
base does not fix), as of the day the base was generated. What each layer wrote and how
long it took is kept on `bench.Dataset.layers`.

Rows go through the same sink as the base (COPY on PostgreSQL, executemany on SQLite):
keys are reserved from the table's sequence, so the builders' instances get their keys
without reading anything back, and on PostgreSQL the per-row foreign-key triggers are
replaced by one check per key and table before commit. Communities are written by
several processes side by side on PostgreSQL, as the base is.

The first community keeps its demo logins; every other community gets the staff its
builders expect (a community administrator, the window, the repair centre, a manager
per L2 grid, a secretary per branch), signing in with the demo password.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from banyan.accounts.models import Post
from banyan.accounts.roles import Role
from banyan.casework.demo import build_casework
from banyan.casework.models import Case
from banyan.demo.builder import PASSWORD, default_workers
from banyan.demo.builder.run import Meter
from banyan.demo.builder.sink import Sink, columns_of, instance_rows, sink_for
from banyan.party.demo import build_party
from banyan.party.models import Org
from banyan.places.models import Node, NodeKind

from .models import Dataset

Say = Callable[[str], None]

LAYERS = ("casework", "party")


@dataclass(frozen=True)
class Volume:
    """How much life a layer writes per community. At 100 communities FULL gives about
    200,000 cases and 1,000,000 visits (issue 4), 25,300 members and 1,000,000 contacts
    (issue 5)."""

    cases_per_year: int = 2_000
    visit_years: float = 1.5
    party_years: int = 7
    greetings: bool = True


FULL = Volume()
# The demo's own volume: enough open cases in grid 1-1 for the case scenarios.
SMOKE = Volume(cases_per_year=900, visit_years=1, party_years=1, greetings=False)


class SinkSave:
    """The builders' `save`: reserve keys, set them on the instances, write the rows in
    one bulk call per table, and count them."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.rows: Counter[str] = Counter()

    def __call__(self, model: type[models.Model], objs: list[Any]) -> list[Any]:
        objs = list(objs)
        if not objs:
            return objs
        for obj, pk in zip(objs, self.sink.reserve(model, len(objs)), strict=True):
            obj.pk = pk
        self.sink.write(model, columns_of(model), instance_rows(model, objs))
        alias = self.sink.connection.alias
        for obj in objs:
            obj._state.adding = False
            obj._state.db = alias
        self.rows[model._meta.db_table] += len(objs)
        return objs


# --- which communities lack a layer ---------------------------------------------------------


def _holder(layer: str) -> type[models.Model]:
    return {"casework": Case, "party": Org}[layer]


def missing(layer: str) -> list[int]:
    """The communities without the layer, in the district's order."""
    holds = _holder(layer)._default_manager.filter(community=OuterRef("pk"))
    return list(
        Node.objects.filter(kind=NodeKind.COMMUNITY)
        .exclude(Exists(holds))
        .order_by("code", "id")
        .values_list("pk", flat=True)
    )


def remove() -> int:
    """Delete every row the layers write (not their events: `builder.reset` empties the
    timeline), so that `builder.reset` can then empty the registry; returns the rows.
    Foreign keys are checked at commit, so the order of tables does not matter."""
    from banyan.casework import models as casework
    from banyan.party import models as party

    written = [
        casework.AgendaItem,
        casework.Meeting,
        casework.MediationSession,
        casework.CasePerson,
        casework.Visit,
        casework.Case,
        party.Attendance,
        party.ThemedDay,
        party.Contact,
        party.MemberEvent,
        party.MemberPeriod,
        party.Lead,
        party.Attempt,
        party.Support,
        party.TracingCase,
        party.ServiceEntry,
        party.Registration,
        party.Member,
        party.PartySettings,
        party.Org,
    ]
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for model in written:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's table
            deleted += max(cursor.rowcount, 0)
    return deleted


# --- staff for the communities without demo logins ------------------------------------------


def _staff(community: Node, index: int, password: str) -> Counter[str]:
    """The posts the builders give work to: an administrator, the window, the repair
    centre, a manager per L2 grid and a secretary per L1 grid (its branch)."""
    grids = list(
        Node.objects.filter(
            community=community, kind__in=(NodeKind.GRID_L1, NodeKind.GRID_L2)
        ).order_by("path")
    )
    prefix = f"c{index + 1:03d}"
    wanted: list[tuple[str, str, Node, str]] = [
        (f"{prefix}-admin", Role.COMMUNITY_ADMIN, community, "党总支书记、主任"),
        (f"{prefix}-window", Role.SERVICE_CENTRE, community, "社区服务中心窗口"),
        (f"{prefix}-repairs", Role.REPAIR_CENTRE, community, "综合物业管理服务中心"),
    ]
    for grid in grids:
        if grid.kind == NodeKind.GRID_L1:
            wanted.append(
                (f"{prefix}-branch{grid.code}", Role.BRANCH_SECRETARY, grid, "党支部书记")
            )
        else:
            wanted.append((f"{prefix}-manager{grid.code}", Role.GRID_MANAGER, grid, "网格管理员"))
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=name, password=password, is_active=True) for name, *_rest in wanted]
    )
    if any(u.pk is None for u in users):  # a database that returns no keys from a bulk insert
        by_name = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "pk"
            )
        )
        for u in users:
            u.pk = by_name[u.username]
    Post.objects.bulk_create(
        Post(user=user, role=role, node=node, community=community, title=title)
        for user, (_name, role, node, title) in zip(users, wanted, strict=True)
    )
    return Counter({"auth_user": len(users), "accounts_post": len(wanted)})


# --- one community --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    seed: int
    today: dt.date
    now: dt.datetime
    volume: Volume
    password: str


def _add(layer: str, plan: Plan, pk: int, index: int, sink: Sink) -> tuple[str, Counter[str]]:
    """Write `layer` for community `pk` in one transaction; its name and rows per table."""
    community = Node.objects.get(pk=pk)
    save = SinkSave(sink)
    with transaction.atomic():
        sink.begin()
        if not Post.objects.filter(community=community).exists():
            save.rows.update(_staff(community, index, plan.password))
        v = plan.volume
        if layer == "casework":
            build_casework(
                community=community,
                seed=plan.seed,
                today=plan.today,
                now=plan.now,
                cases_per_year=v.cases_per_year,
                visit_years=v.visit_years,
                rng=random.Random(f"banyan-bench:casework:{plan.seed}:{index}"),
                save=save,
            )
        else:
            build_party(
                community=community,
                seed=plan.seed,
                today=plan.today,
                photos=False,
                years=v.party_years,
                greetings=v.greetings,
                rng=random.Random(f"banyan-bench:party:{plan.seed}:{index}"),
                save=save,
            )
        sink.verify()
    return community.name, save.rows


# Set in each worker process by `_worker_init`.
_WORKER: dict[str, Any] = {}


def _worker_init(layer: str, plan: Plan) -> None:
    _WORKER.update(layer=layer, plan=plan, sink=sink_for(connection))


def _worker_job(job: tuple[int, int]) -> tuple[str, Counter[str], float]:
    index, pk = job
    t0 = time.perf_counter()
    name, rows = _add(_WORKER["layer"], _WORKER["plan"], pk, index, _WORKER["sink"])
    return name, rows, time.perf_counter() - t0


# --- the layers of a dataset ----------------------------------------------------------------


def ensure(
    *,
    dataset: Dataset,
    say: Say,
    volume: Volume = FULL,
    workers: int | None = None,
) -> dict[str, Any]:
    """Add every layer the dataset lacks and record what was written on it; return its
    layers."""
    for layer, record in add_missing(
        seed=dataset.seed, built=dataset.built_at, say=say, volume=volume, workers=workers
    ).items():
        previous = dataset.layers.get(layer)
        if previous:  # an interrupted run finished now: the two together
            rows = Counter(previous["rows"])
            rows.update(record["rows"])
            record["rows"] = dict(sorted(rows.items()))
            record["seconds"] = round(previous["seconds"] + record["seconds"], 1)
            record["communities"] += previous["communities"]
        dataset.layers[layer] = record
        dataset.save(update_fields=["layers"])
    for layer in LAYERS:
        record = dataset.layers.get(layer)
        if record:
            say(
                f"the {layer} layer: {sum(record['rows'].values()):,} rows, "
                f"written in {record['seconds']:.0f} s"
            )
    return dataset.layers


def add_missing(
    *,
    seed: int,
    built: dt.datetime,
    say: Say,
    volume: Volume = FULL,
    workers: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Write each layer in the communities lacking it, as of `built` (when the base was
    generated: the same dataset gets the same life whenever a layer is added); return
    per layer written its rows per table, time, communities and processes."""
    # A community's place in the district is its code (the street's and its number in
    # it); its key depends on which process of a parallel build wrote it first.
    communities = list(
        Node.objects.filter(kind=NodeKind.COMMUNITY)
        .order_by("code", "id")
        .values_list("pk", flat=True)
    )
    index_of = {pk: i for i, pk in enumerate(communities)}
    today = timezone.localdate(built)
    # The history ends on the evening of that day, not at the minute it was generated.
    now = dt.datetime.combine(today, dt.time(23, 0), tzinfo=timezone.get_current_timezone())
    plan = Plan(seed=seed, today=today, now=now, volume=volume, password=make_password(PASSWORD))
    out: dict[str, dict[str, Any]] = {}
    for layer in LAYERS:
        todo = missing(layer)
        if not todo:
            continue
        used = default_workers(len(todo)) if workers is None else max(1, workers)
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            used = 1
        say(f"adding the {layer} layer to {len(todo)} communities, {used} process(es)")
        started = time.perf_counter()
        meter = Meter(say, len(todo), layer)
        jobs = [(index_of[pk], pk) for pk in todo]
        if used == 1:
            sink = sink_for(connection)
            for index, pk in jobs:
                t0 = time.perf_counter()
                name, rows = _add(layer, plan, pk, index, sink)
                meter.community(name, rows, time.perf_counter() - t0)
        else:
            connections.close_all()  # forked children open their own connections
            mp = multiprocessing.get_context("fork")
            with mp.Pool(used, initializer=_worker_init, initargs=(layer, plan)) as pool:
                for name, rows, seconds in pool.imap_unordered(_worker_job, jobs):
                    meter.community(name, rows, seconds)
        seconds = time.perf_counter() - started
        total = sum(meter.counts.values())
        say(
            f"{layer}: {total:,} rows in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f} rows/s)"
        )
        out[layer] = {
            "rows": dict(sorted(meter.counts.items())),
            "seconds": round(seconds, 1),
            "communities": len(todo),
            "workers": used,
            "volume": asdict(volume),
        }
        if connection.vendor == "postgresql":
            t0 = time.perf_counter()
            with connection.cursor() as cursor:
                for table in sorted(meter.counts):
                    cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")
            say(f"VACUUM ANALYZE of {len(meter.counts)} tables in {time.perf_counter() - t0:.0f} s")
    return out
