"""The entry points: `build` (serial, or several processes on PostgreSQL) and `reset`."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import math
import multiprocessing
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import DatabaseError, connection, connections, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from banyan.accounts.models import AccessLog, Post
from banyan.places.models import (
    Building,
    Compound,
    Facility,
    FacilityKind,
    Node,
    NodeKind,
    tree_sort_key,
)
from banyan.registry.models import Category, Gender, Household, Person, PersonCategory
from banyan.timeline.models import Event, EventLink

from .accounts import DEMO_USERNAMES, PASSWORD, demo_accounts
from .layout import (
    BASE_DATE,
    COMMUNITIES_PER_STREET,
    DISTRICT_CODE,
    DISTRICT_NAME,
    _centre,
    _polygon,
    _union,
    community_box,
    street_names,
)
from .people import CommunityPlan, Context, _Planner
from .plan import plan_community
from .sink import sink_for
from .write import Writer, check_columns

Progress = Callable[[str], None]

# More processes than cores only queue behind each other and the database server.
MAX_WORKERS = 4


# --- reference data ---------------------------------------------------------------------


def _migration_constant(module: str, name: str) -> list[tuple]:
    return getattr(importlib.import_module(module), name)


def ensure_reference_data() -> None:
    """Recreate shared categories and facility kinds if a flush removed them; the lists
    live in the data migrations that normally create them."""
    categories = _migration_constant(
        "banyan.registry.migrations.0002_default_categories", "CATEGORIES"
    )
    have = set(Category.objects.filter(community=None).values_list("code", flat=True))
    for order, (code, name, name_en, sensitive, grade, validity) in enumerate(categories, 1):
        if code not in have:
            Category.objects.create(
                community=None,
                code=code,
                name=name,
                name_en=name_en,
                sensitive=sensitive,
                has_grade=grade,
                has_validity=validity,
                sort_order=order * 10,
            )
    kinds = _migration_constant(
        "banyan.places.migrations.0003_default_facility_kinds", "FACILITY_KINDS"
    )
    have = set(FacilityKind.objects.values_list("code", flat=True))
    for code, name, name_en in kinds:
        if code not in have:
            FacilityKind.objects.create(code=code, name=name, name_en=name_en)


# --- the district and the demo logins -----------------------------------------------------


class DemoExists(RuntimeError):
    """The database already holds communities; reset first."""


def _write_tree(ctx: Context) -> tuple[Node, list[Node]]:
    district_box = _union([community_box(i, ctx.total) for i in range(ctx.total)])
    lat, lng = _centre(district_box)
    district = Node(
        kind=NodeKind.DISTRICT,
        name=DISTRICT_NAME,
        code=DISTRICT_CODE,
        geometry=_polygon(district_box),
        lat=lat,
        lng=lng,
        path="",
        depth=0,
    )
    district.save()
    district.path = f"{district.pk}/"
    district.sort_key = tree_sort_key(district)
    district.save(update_fields=["path", "sort_key"])
    n_streets = max(1, math.ceil(ctx.total / COMMUNITIES_PER_STREET))
    streets = []
    for s, name in enumerate(street_names(n_streets)):
        members = range(
            s * COMMUNITIES_PER_STREET, min(ctx.total, (s + 1) * COMMUNITIES_PER_STREET)
        )
        box = _union([community_box(i, ctx.total) for i in members])
        lat, lng = _centre(box)
        streets.append(
            Node(
                kind=NodeKind.STREET,
                name=name,
                code=f"{DISTRICT_CODE}{s + 1:03d}",
                parent=district,
                geometry=_polygon(box),
                lat=lat,
                lng=lng,
                path="",
                depth=1,
                sort_order=s + 1,
            )
        )
    Node.objects.bulk_create(streets)
    for street in streets:
        street.path = f"{district.path}{street.pk}/"
        street.sort_key = tree_sort_key(street)
    Node.objects.bulk_update(streets, ["path", "sort_key"])
    return district, streets


def _write_users(w: Writer, plan: CommunityPlan, district: Node, pl_rng: random.Random) -> None:
    """The demo logins, all in the first community; one password hash for all."""
    start = time.perf_counter()
    User = get_user_model()
    password = make_password(PASSWORD)
    nodes: dict[str, Node] = {"community": plan.community, "district": district}
    nodes.update({g.code: g for g in plan.l1})
    nodes.update({g.code: g for g in plan.l2})
    building = plan.head1_building
    assert building is not None and building.head is not None
    namer = _Planner(Context(seed=0, today=BASE_DATE), 0, None)
    namer.rng = pl_rng
    users = []
    for account in demo_accounts():
        if account.username == "head1":
            first_name = building.head.name
        else:
            gender = pl_rng.choice((Gender.MALE, Gender.FEMALE))
            first_name = namer.surname() + namer.given(namer.birth(28, 58), gender)
        users.append(
            User(
                username=account.username,
                password=password,
                first_name=first_name,
                is_active=True,
            )
        )
    users = User.objects.bulk_create(users)
    by_name = {u.username: u for u in users}
    posts = []
    for account in demo_accounts():
        for post in account.posts:
            if post.node == "building":
                node, bound = building.grid, building
            else:
                node, bound = nodes[post.node], None
            posts.append(
                Post(
                    user=by_name[account.username],
                    role=post.role,
                    node=node,
                    building=bound,
                    community=None if node.kind == NodeKind.DISTRICT else plan.community,
                    title=post.title,
                )
            )
    Post.objects.bulk_create(posts)
    _grant_reference_data_admin(by_name["secretary"])
    w.counts["users"] += len(users)
    w.counts["posts"] += len(posts)
    w.report("users + posts", len(users) + len(posts), time.perf_counter() - start)


def _grant_reference_data_admin(user: Any) -> None:
    """The secretary keeps the community's categories and facility kinds in the Django admin."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["registry", "places", "casework"],
            content_type__model__in=["category", "facilitykind", "casecategory"],
            codename__regex=r"^(add|change|view)_",
        )
    )


# --- building --------------------------------------------------------------------------


@dataclass
class Done:
    """One community written: what the progress line and the tally need."""

    index: int
    name: str
    counts: Counter[str]
    seconds: float
    lines: list[str]


def _community(
    ctx: Context, index: int, street: Node, district: Node, writer: Writer
) -> tuple[str, Counter[str]]:
    """Plan and write community `index` in one transaction."""
    before = Counter(writer.counts)
    t0 = time.perf_counter()
    with transaction.atomic():
        writer.sink.begin()
        plan = plan_community(ctx, index, street)
        name = plan.community.name
        if writer.detail:
            writer.say(f"  [{index + 1}] {name}: planned in {time.perf_counter() - t0:.2f} s")
        writer.community(plan, ctx)
        if index == 0:
            seed_rng = random.Random(f"banyan-demo-users:{ctx.seed}")
            _write_users(writer, plan, district, seed_rng)
        t1 = time.perf_counter()
        checks = writer.sink.verify()
        if checks:
            writer.report(f"{checks} key checks", 0, time.perf_counter() - t1)
        # Foreign keys the database checks itself are checked here, at commit.
        t1 = time.perf_counter()
    writer.report("commit", 0, time.perf_counter() - t1)
    return name, writer.counts - before


def default_workers(communities: int) -> int:
    """Processes for a build: one per core on PostgreSQL for a big build, else one."""
    if connection.vendor != "postgresql" or communities < 4:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1, communities))


def build(
    *,
    seed: int = 2019,
    communities: int = 1,
    progress: Progress | None = None,
    today: dt.date | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Build the demo: district → streets → `communities` communities (the first is
    倒生根社区, with the demo logins). Returns rows written per table and the time.

    Each community is planned and written in its own transaction. On PostgreSQL a big
    build runs `workers` processes side by side (default: one per core); on SQLite,
    which has one writer at a time, and inside an open transaction it runs in this one.
    The data is the same whatever the number of processes; only primary keys differ.
    """
    say = progress or (lambda _msg: None)
    if communities < 1:
        raise ValueError("communities must be at least 1")
    check_columns()
    if Node.objects.filter(kind=NodeKind.COMMUNITY).exists():
        raise DemoExists("the database already holds communities")
    started = time.perf_counter()
    ctx = Context(seed=seed, today=today or timezone.localdate(), total=communities)
    with transaction.atomic():
        ensure_reference_data()
        district, streets = _write_tree(ctx)
    workers = default_workers(communities) if workers is None else max(1, workers)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        workers = 1
    say(
        f"{DISTRICT_NAME}: {len(streets)} street(s), {communities} communit(y/ies), seed {seed}; "
        f"{connection.vendor}, {workers} process(es)"
    )
    meter = Meter(say, communities)
    meter.counts["nodes"] += 1 + len(streets)
    if workers == 1:
        with _sqlite_cache():
            writer = Writer(sink_for(connection), say)
            for i in range(communities):
                t0 = time.perf_counter()
                writer.detail = i == 0 or communities <= 3
                street = streets[i // COMMUNITIES_PER_STREET]
                name, counts = _community(ctx, i, street, district, writer)
                meter.done(Done(i, name, counts, time.perf_counter() - t0, []))
    else:
        _build_in_processes(ctx, district, streets, workers, meter)
    result: dict[str, Any] = dict(meter.counts)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


class Meter:
    """Progress, one line per community: its rows and time, the rows so far, the rate, and
    the time left at that rate (`label` names what is written, e.g. a bench layer)."""

    def __init__(self, say: Progress, total: int, label: str = "") -> None:
        self.say = say
        self.total = total
        self.prefix = f"{label} " if label else ""
        self.finished = 0
        self.counts: Counter[str] = Counter()
        self.started = time.perf_counter()

    def done(self, d: Done) -> None:
        for line in d.lines:
            self.say(line)
        self.community(d.name, d.counts, d.seconds)

    def community(self, name: str, counts: Counter[str], seconds: float) -> None:
        self.finished += 1
        self.counts.update(counts)
        rows = sum(counts.values())
        total_rows = sum(self.counts.values())
        elapsed = time.perf_counter() - self.started
        left = elapsed / self.finished * (self.total - self.finished)
        width = len(str(self.total))
        self.say(
            f"  {self.prefix}[{self.finished:>{width}}/{self.total}] {name}: {rows:,} rows in "
            f"{seconds:.1f} s | {total_rows:,} rows, {total_rows / elapsed:,.0f} rows/s, "
            f"{_duration(left)} left"
        )


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


# Set in each worker process by `_worker_init`.
_WORKER: dict[str, Any] = {}


def _build_in_processes(
    ctx: Context, district: Node, streets: list[Node], workers: int, meter: Meter
) -> None:
    # Forked children must open their own connections, never share the parent's socket.
    connections.close_all()
    mp = multiprocessing.get_context("fork")
    args = (ctx, district.pk, [s.pk for s in streets])
    with mp.Pool(workers, initializer=_worker_init, initargs=args) as pool:
        for done in pool.imap_unordered(_worker_job, range(ctx.total)):
            meter.done(done)


def _worker_init(ctx: Context, district_id: int, street_ids: list[int]) -> None:
    nodes = Node.objects.in_bulk([district_id, *street_ids])
    lines: list[str] = []
    _WORKER.update(
        ctx=ctx,
        district=nodes[district_id],
        streets=[nodes[pk] for pk in street_ids],
        lines=lines,
        writer=Writer(sink_for(connection), lines.append),
    )


def _worker_job(index: int) -> Done:
    t0 = time.perf_counter()
    writer: Writer = _WORKER["writer"]
    lines: list[str] = _WORKER["lines"]
    lines.clear()
    writer.detail = index == 0
    street = _WORKER["streets"][index // COMMUNITIES_PER_STREET]
    name, counts = _community(_WORKER["ctx"], index, street, _WORKER["district"], writer)
    return Done(index, name, counts, time.perf_counter() - t0, list(lines))


@contextlib.contextmanager
def _sqlite_cache(kib: int = 256_000) -> Iterator[None]:
    """On SQLite, a larger page cache for the build: inserts into indexed tables then
    stop spilling pages to the write-ahead log in the middle of a transaction."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


# --- reset ------------------------------------------------------------------------------

# Tables wiped by `reset`, children before parents.
_WIPE_ORDER = (
    EventLink,
    Event,
    AccessLog,
    Post,
    PersonCategory,
    Person,
    Household,
    Facility,
    Building,
    Compound,
)
_KEEP = {Category, FacilityKind, Node}


def _wipe(model: type) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a table name from the model
        return max(cursor.rowcount, 0)


def _delete_other_app_rows(say: Progress) -> None:
    """Rows of later apps (cases, wishes, party …) that point at a place, a household or
    a person go first; their order is found by retrying, since a row may protect another."""
    known = set(_WIPE_ORDER) | _KEEP
    wiped = set(_WIPE_ORDER) | {Node}
    others: list[tuple[type, Q]] = []
    candidates = [
        m for m in apps.get_models() if m.__module__.startswith("banyan.") and m not in known
    ]
    # Rows pointing at a wiped row go, and then rows pointing at those (a mediation
    # session at its case, an attendance mark at its member), until nothing is added.
    while True:
        added = False
        for model in candidates:
            if any(model is m for m, _c in others):
                continue
            cond = Q(pk__in=[])
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in wiped:
                    cond |= Q(**{f"{f.name}__isnull": False})
            if cond != Q(pk__in=[]):
                others.append((model, cond))
                added = True
        if not added:
            break
        wiped |= {m for m, _c in others}
    for _round in range(len(others) + 1):
        left = []
        for model, cond in others:
            try:
                with transaction.atomic():
                    # A row protecting another of its kind (a duplicate's original, a
                    # branch's parent) is let go of first.
                    loops = [
                        f.name
                        for f in model._meta.concrete_fields
                        if f.is_relation and f.related_model is model and f.null
                    ]
                    if loops:
                        model.objects.filter(cond).update(**dict.fromkeys(loops))
                    model.objects.filter(cond).delete()
            except (ProtectedError, DatabaseError):
                left.append((model, cond))
        if not left:
            return
        others = left
    say("could not empty: " + ", ".join(m._meta.label for m, _c in others))


def reset(progress: Progress | None = None) -> dict[str, int]:
    """Delete all domain data and the demo users; keep the shared reference data."""
    say = progress or (lambda _msg: None)
    counts: dict[str, int] = {}
    started = time.perf_counter()
    with transaction.atomic():
        _delete_other_app_rows(say)
        Building.objects.update(head=None)
        for model in _WIPE_ORDER:
            counts[model._meta.label] = _wipe(model)
        Category.objects.exclude(community=None).delete()
        Node.objects.update(parent=None, community=None)
        counts[Node._meta.label] = _wipe(Node)
        deleted, _per = get_user_model().objects.filter(username__in=DEMO_USERNAMES).delete()
        counts["demo users (with their rows)"] = deleted
    # What was kept about the old data (a district's compliance tallies) is keyed by ids
    # the new data may reuse.
    cache.clear()
    say(f"reset: {sum(counts.values()):,} rows deleted in {time.perf_counter() - started:.1f} s")
    return counts
