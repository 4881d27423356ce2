"""The benchmark harness.

On a generated dataset (banyan.demo.builder) each scenario is measured twice over:

- in-process, once, with Django's test Client against the same database, under
  CaptureQueriesContext: the number of SQL queries (and, for the exact lookups, the
  query itself, to show its plan);
- over HTTP, many times after a warm-up, from the production app server (gunicorn
  with a stated number of sync workers, started here as a separate process) by a
  separate load process (banyan.bench.load): p50 / p95 latency and response size,
  then throughput of the API household list and of a trivial JSON view at a stated
  concurrency, in the same run.

The scenarios act as the demo logins of the first community: `manager1-1` (an L2 grid
manager) for the grid's pages, the API household list, "my work", a case and a case's
transition; `secretary` (the community's administrator) for search, the tree, the
community-wide API list, a person, the overdue list and the year's party compliance;
`branch1` (a branch secretary) for the obligations due; `district` (the organisation
department) for the district's compliance. Open311 is asked anonymously, as a client of
the GeoReport API would.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from banyan.accounts.models import Post
from banyan.accounts.roles import Role
from banyan.accounts.tokens import token_issue
from banyan.casework.models import Case, Kind, Visit
from banyan.casework.workflow import State
from banyan.common import crypto
from banyan.demo.builder import PASSWORD
from banyan.party.models import Contact, Member, PartyDataVersion
from banyan.party.selectors import keep_compliance
from banyan.places.models import Building, Compound, Node, NodeKind
from banyan.registry.models import Household, HouseholdStatus, Person, PersonCategory, PersonStatus
from banyan.timeline.models import Event, EventLink

from . import results

Say = Callable[[str], None]

MANAGER = "manager1-1"
SECRETARY = "secretary"
BRANCH = "branch1"
DISTRICT = "district"
USERS = (MANAGER, SECRETARY, BRANCH, DISTRICT)
PER_PAGE = 50  # registry.views.HOUSEHOLDS_PER_PAGE


@dataclass
class Options:
    server_workers: int = 4
    concurrency: int = 8
    warmup: int = 10
    repeat: int = 100
    login_repeat: int = 30
    seconds: float = 10.0


SMOKE = Options(server_workers=2, concurrency=2, warmup=1, repeat=3, login_repeat=2, seconds=1.0)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    user: str | None
    auth: str  # "session", "token", "none", or "login" (the sign-in itself)
    expect: int = 200
    repeat: int | None = None
    explain: str = ""  # a column whose lookup in registry_person should use an index
    # A form posted as a browser posts it (CSRF token from `form_page`, the redirect
    # followed untimed): the (path, urlencoded fields) of `steps` in turn, so that a move
    # and its inverse alternate and the data ends as it began.
    steps: tuple[tuple[str, str], ...] = ()
    form_page: str = ""
    # The object the steps edit, as (model label, pk): its version goes with each post, as
    # the page's hidden field sends it (read untimed; over HTTP it is read from the page).
    edits: tuple[str, int] | None = None


@dataclass
class Fixtures:
    """What the scenarios ask for, chosen from the dataset deterministically."""

    community: Node
    grid: Node
    household: Household
    person: Person
    id_number: str
    phone: str
    grid_households: int
    district: Node
    case: Case  # the open case of the grid with the longest history
    moving: Case  # a case of the grid that may be suspended and resumed

    @property
    def last_page(self) -> int:
        return max(1, math.ceil(self.grid_households / PER_PAGE))


def pick() -> Fixtures:
    """The L2 grid of `manager1-1`, its fullest household, a person there with an ID
    number and a phone, in the first community (the one with the demo logins)."""
    post = Post.objects.select_related("node").get(
        user__username=MANAGER, role=Role.GRID_MANAGER, active=True
    )
    grid = post.node
    community = Node.objects.get(pk=grid.community_id)
    active = Household.objects.filter(grid=grid, status=HouseholdStatus.ACTIVE)
    household = (
        active.exclude(building=None)
        .annotate(n=Count("members", filter=Q(members__status=PersonStatus.LIVING_HERE)))
        .order_by("-n", "id")
        .first()
    )
    if household is None:
        raise RuntimeError(f"no household in {grid}: is the dataset built?")
    person = (
        Person.objects.filter(household=household, status=PersonStatus.LIVING_HERE)
        .exclude(id_number_hash="")
        .exclude(phone="")
        .order_by("id")
        .first()
    ) or (
        Person.objects.filter(grid=grid, status=PersonStatus.LIVING_HERE)
        .exclude(id_number_hash="")
        .exclude(phone="")
        .order_by("id")
        .first()
    )
    if person is None:
        raise RuntimeError(f"no person with an ID number and a phone in {grid}")
    case, moving = _cases(grid)
    return Fixtures(
        community=community,
        grid=grid,
        household=household,
        person=person,
        id_number=crypto.decrypt(person.id_number_encrypted),
        phone=person.phone,
        grid_households=active.count(),
        district=Node.objects.get(kind=NodeKind.DISTRICT),
        case=case,
        moving=moving,
    )


# Where suspend and resume take a case and back, each a legal move (casework.workflow).
MOVABLE = (State.ASSIGNED, State.IN_PROGRESS, State.SUSPENDED)


def _cases(grid: Node) -> tuple[Case, Case]:
    """The grid's case with the longest history (the case page), and the first case by
    number, not that one and not a dispute, that is being worked on (the transition)."""
    in_grid = Case.objects.filter(grid=grid)
    longest = (
        Event.objects.filter(subject_type="case", subject_id__in=in_grid.values("pk"))
        # Not the moves the transition scenario makes: the choice stays the same run after run.
        .exclude(verb__in=("case_suspended", "case_resumed"))
        .values("subject_id")
        .annotate(n=Count("id"))
        .order_by("-n", "subject_id")
        .first()
    )
    if longest is None:
        raise RuntimeError(f"no case in {grid}: is the casework layer built?")
    case = Case.objects.get(pk=longest["subject_id"])
    moving = (
        in_grid.filter(state__in=MOVABLE)
        .exclude(pk=case.pk)
        .exclude(kind=Kind.DISPUTE)
        .order_by("pk")
        .first()
    )
    if moving is None:
        raise RuntimeError(f"no second case being worked on in {grid}")
    return case, moving


def transition(case: Case) -> tuple[tuple[str, str], ...]:
    """Suspend and resume, starting with the one the case's state allows."""
    base = f"/cases/{case.pk}/moves"
    suspend = (f"{base}/suspend/", urlencode({"reason": "等待配件（基准测试）"}))
    resume = (f"{base}/resume/", "")
    return (resume, suspend) if case.state == State.SUSPENDED else (suspend, resume)


def transitions_recorded(case: Case) -> int:
    """Suspensions and resumptions of `case` on its timeline: each POST that worked
    wrote one (a 302 alone could be someone-acted-first sending the user back)."""
    return Event.objects.filter(
        subject_type="case", subject_id=case.pk, verb__in=("case_suspended", "case_resumed")
    ).count()


def scenarios(fx: Fixtures, opts: Options) -> list[Scenario]:
    """Every scenario of the issue, in the order of the table. Extend in later issues
    (and add the name to results.SCENARIOS)."""
    grid_list = f"/registry/households/?node={fx.grid.pk}"
    steps = transition(fx.moving)
    year = timezone.localdate().year
    return [
        Scenario("household_list_l2_page1", grid_list, MANAGER, "session"),
        Scenario("household_list_l2_deep", f"{grid_list}&page={fx.last_page}", MANAGER, "session"),
        Scenario(
            "household_detail", f"/registry/households/{fx.household.pk}/", MANAGER, "session"
        ),
        _search("person_search_name", fx.person.name),
        _search("person_lookup_id_number", fx.id_number, explain="id_number_hash"),
        _search("person_lookup_phone", fx.phone, explain="phone"),
        # Item 18 of issue 10: a fragment (two characters of a name), which matches
        # people by name and households by member, counted and paged.
        _search("person_search_fragment", fx.person.name[1:3]),
        Scenario("tree_community", f"/places/nodes/{fx.community.pk}/", SECRETARY, "session"),
        # A grid worker's phone asking for their households, as the page above does;
        # the community-wide list of the secretary is its own scenario.
        Scenario("api_households", "/api/v1/households?limit=50", MANAGER, "token"),
        Scenario("api_households_community", "/api/v1/households?limit=50", SECRETARY, "token"),
        Scenario("api_person_detail", f"/api/v1/persons/{fx.person.pk}", SECRETARY, "token"),
        Scenario(
            "login", "/accounts/login/", MANAGER, "login", expect=302, repeat=opts.login_repeat
        ),
        # Casework (issue 4).
        Scenario("casework_my_work", "/cases/mine/", MANAGER, "session"),
        Scenario("casework_overdue_community", "/cases/?open=on&overdue=on", SECRETARY, "session"),
        Scenario("casework_case_detail", f"/cases/{fx.case.pk}/", MANAGER, "session"),
        Scenario(
            "casework_case_transition",
            steps[0][0],
            MANAGER,
            "session",
            expect=302,
            steps=steps,
            form_page=f"/cases/{fx.moving.pk}/",
            edits=("casework.Case", fx.moving.pk),
        ),
        Scenario(
            "open311_requests",
            f"/open311/v2/requests.json?jurisdiction_id={fx.community.pk}",
            None,
            "none",
        ),
        # Party (issue 5).
        Scenario("party_obligations_branch", "/party/obligations/", BRANCH, "session"),
        Scenario(
            "party_obligations_branch_api", "/api/v1/party/obligations?limit=50", BRANCH, "token"
        ),
        Scenario(
            "party_compliance_community",
            f"/party/compliance/?node={fx.community.pk}&period=year&year={year}",
            SECRETARY,
            "session",
        ),
        Scenario(
            "party_compliance_district",
            f"/party/compliance/?period=year&year={year}",
            DISTRICT,
            "session",
        ),
    ]


SEARCH = "/registry/search/"


def _search(name: str, q: str, *, explain: str = "") -> Scenario:
    """The search as the secretary's browser makes it: the form POSTs the text (numbers
    never go into a URL), and the answer is the first page of results."""
    return Scenario(
        name,
        SEARCH,
        SECRETARY,
        "session",
        explain=explain,
        steps=((SEARCH, urlencode({"q": q})),),
        form_page=SEARCH,
    )


# The bench searches by number thousands of times as one user: the lookup guard that
# stops a person guessing (accounts.lookups) would stop it too. Its own server and the
# in-process pass lift the limits; the guard's cost (two counts on the access log's
# (user, action, at) index and one row written) is still in every lookup measured.
UNGUARDED = {
    "BANYAN_LOOKUP_SLOW_AFTER": "100000000",
    "BANYAN_LOOKUP_STOP_AFTER": "100000000",
}

TRIVIAL = Scenario("trivial", "/bench/ping", None, "none")


# --- in-process: queries ------------------------------------------------------------


@dataclass
class Counted:
    queries: int
    bytes: int
    status: int
    sql: list[str]
    wall_ms: float = 0.0  # in-process, the median of a few requests
    sql_ms: float = 0.0  # of which the database's answers took this long


def count_queries(items: list[Scenario], runs: int = 5) -> dict[str, Counted]:
    """Each scenario once to warm caches, then `runs` times under CaptureQueriesContext:
    the query count, and where the time goes in-process (database or Python)."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    out: dict[str, Counted] = {}
    unguarded = override_settings(**{k: int(v) for k, v in UNGUARDED.items()})
    unguarded.enable()
    try:
        return _count_queries(items, users, runs, out)
    finally:
        unguarded.disable()


def _count_queries(
    items: list[Scenario], users: dict[str, Any], runs: int, out: dict[str, Counted]
) -> dict[str, Counted]:
    for sc in items:
        client = Client(HTTP_HOST="127.0.0.1")
        extra: dict[str, str] = {}
        if sc.auth == "session":
            client.force_login(users[sc.user or ""])
        elif sc.auth == "token":
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token_issue(user=users[sc.user or ''])}"

        turn = [0]  # the next of a scenario's steps

        def once(
            sc: Scenario = sc, client: Client = client, extra: dict = extra, turn: list = turn
        ) -> tuple:
            timer = _SqlTimer()
            version = {}
            if sc.edits is not None:
                label, pk = sc.edits
                version["version"] = apps.get_model(label).objects.get(pk=pk).version
            with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
                start = time.perf_counter()
                if sc.auth == "login":
                    form = {"username": sc.user, "password": PASSWORD}
                    # A visitor not signed in yet, each time.
                    response = Client(HTTP_HOST="127.0.0.1").post(sc.path, form)
                elif sc.steps:
                    path, body = sc.steps[turn[0] % len(sc.steps)]
                    turn[0] += 1
                    response = client.post(path, {**dict(parse_qsl(body)), **version}, **extra)
                else:
                    response = client.get(sc.path, **extra)
                seconds = time.perf_counter() - start
            return response, ctx.captured_queries, seconds, timer.seconds

        once()
        samples = [once() for _ in range(max(1, runs))]
        while turn[0] % max(1, len(sc.steps)):
            once()  # back to where the steps began
        response, queries, _seconds, _sql = max(samples, key=lambda s: len(s[1]))
        if response.status_code != sc.expect:
            raise RuntimeError(f"{sc.name}: {sc.path} answered {response.status_code} in-process")
        out[sc.name] = Counted(
            queries=len(queries),
            bytes=len(response.content),
            status=response.status_code,
            sql=[q["sql"] for q in queries],
            wall_ms=round(_median([s[2] * 1000 for s in samples]), 1),
            sql_ms=round(_median([s[3] * 1000 for s in samples]), 1),
        )
    return out


class _SqlTimer:
    """An execute wrapper adding up the time spent waiting on the database."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def explain(sql: str) -> str:
    """The plan the database chooses for a captured query (run for real on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(str(r[-1]) for r in rows)


def lookup_query(counted: Counted, column: str) -> str | None:
    """The person query behind an exact lookup: the one filtering on `column` (`=`, or
    `IN` for an ID number, matched under every data key while a rotation is under way)."""
    needles = (f'"registry_person"."{column}" =', f'"registry_person"."{column}" IN (')
    for sql in counted.sql:
        if sql.lstrip().upper().startswith("SELECT") and any(n in sql for n in needles):
            return sql
    return None


# --- over HTTP: latency and throughput ---------------------------------------------


def party_nightly() -> float:
    """The deployment's nightly `party_daily`, from an empty cache, timed in seconds: what
    a fresh install (or an edit to a shared rule) costs once, and the state every day's
    first look at a district's compliance then finds."""
    cache.clear()
    start = time.perf_counter()
    keep_compliance()
    return round(time.perf_counter() - start, 2)


def district_compliance_after_changes(fx: Fixtures) -> dict[str, float]:
    """In-process, the district's compliance page (ms) when one community's party data
    has just changed (its tallies computed, the other 99 read), and when nothing is kept
    at all (every community computed: the figure the nightly run spares the day's first
    look). Leaves the cache as the nightly run would."""
    user = get_user_model().objects.get(username=DISTRICT)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    path = f"/party/compliance/?period=year&year={timezone.localdate().year}"

    def page_ms() -> float:
        start = time.perf_counter()
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in-process")
        return round((time.perf_counter() - start) * 1000, 1)

    client.get(path)
    out = {"warm": page_ms()}
    versions = PartyDataVersion.objects.filter(community=fx.community)
    before = versions.values_list("last_event_id", flat=True).first()
    try:
        # What a contact logged there does to the key (no event id is ever negative).
        PartyDataVersion.objects.update_or_create(
            community=fx.community, defaults={"last_event_id": -1}
        )
        out["one_community_changed"] = page_ms()
    finally:
        if before is None:
            versions.delete()
        else:
            versions.update(last_event_id=before)
    cache.clear()
    out["nothing_kept"] = page_ms()
    keep_compliance()
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ping(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=2)
    try:
        conn.request("GET", "/bench/ping")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@contextlib.contextmanager
def app_server(workers: int, log: Path) -> Iterator[str]:
    """gunicorn serving banyan.bench.wsgi on a free loopback port, as its own process."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings.local")
    env.update(UNGUARDED)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "banyan.bench.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=sync",
        "--timeout=120",
        "--log-level=warning",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while not _ping(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run_load(url: str, items: list[Scenario], opts: Options) -> dict[str, Any]:
    """The load process, fed the plan on stdin; its JSON answer."""
    api = next(s for s in items if s.name == "api_households")
    plan = {
        "base": url,
        "password": PASSWORD,
        "warmup": opts.warmup,
        "repeat": opts.repeat,
        "scenarios": [asdict(s) for s in items],
        "throughput": {
            "seconds": opts.seconds,
            "concurrency": opts.concurrency,
            "targets": {"trivial": asdict(TRIVIAL), "api_households": asdict(api)},
        },
    }
    done = subprocess.run(
        [sys.executable, "-m", "banyan.bench.load"],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=6 * 3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


# --- the whole run -----------------------------------------------------------------


def row_counts() -> dict[str, int]:
    return {
        "communities": Node.objects.filter(kind=NodeKind.COMMUNITY).count(),
        "l2_grids": Node.objects.filter(kind=NodeKind.GRID_L2).count(),
        "compounds": Compound.objects.count(),
        "buildings": Building.objects.count(),
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "person_categories": PersonCategory.objects.count(),
        "events": Event.objects.count(),
        "event_links": EventLink.objects.count(),
        "cases": Case.objects.count(),
        "visits": Visit.objects.count(),
        "party_members": Member.objects.filter(in_service=False).count(),
        "party_contacts": Contact.objects.count(),
    }


def database_description() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()[0]
        return f"PostgreSQL {version} (shared_buffers {buffers}, work_mem {work_mem})"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"


def run(
    *,
    opts: Options,
    out_dir: Path,
    say: Say,
    server_url: str | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], Path]:
    """Measure every scenario; write `<database>-<communities>.json` and `.txt` in
    `out_dir`; return the results and the JSON's path."""
    import gunicorn

    rows = row_counts()
    if not rows["communities"]:
        raise RuntimeError("the database holds no communities: build a dataset first")
    fx = pick()
    items = scenarios(fx, opts)
    load_before = results.load_average()
    say(f"measuring {len(items)} scenarios, {rows['communities']} communities")
    log = Path(settings.VAR_DIR) / "bench-server.log"
    moves_before = transitions_recorded(fx.moving)
    nightly_s = party_nightly()
    say(f"party_daily from an empty cache: {nightly_s} s")
    if server_url is None:
        server = f"gunicorn {gunicorn.__version__}, {opts.server_workers} sync workers"
        with app_server(opts.server_workers, log) as url:
            say(f"app server up at {url} ({server}); load process running")
            measured = run_load(url, items, opts)
    else:
        server = f"an external server at {server_url}"
        measured = run_load(server_url, items, opts)
    # The case's moves only: the searches post their form too, and change nothing.
    posted = measured["scenarios"].get("casework_case_transition", {}).get("posted", 0)
    moves = transitions_recorded(fx.moving) - moves_before
    if moves != posted:
        raise RuntimeError(f"{posted} transitions posted over HTTP, but {moves} recorded")
    # In-process after the HTTP run: its sign-ins update the same users' rows, and a
    # caller holding a transaction open (a test) must not make the server wait on them.
    counted = count_queries(items, runs=1 if opts.repeat < 10 else 5)
    district = district_compliance_after_changes(fx)
    plans = {}
    for sc in items:
        if sc.explain:
            sql = lookup_query(counted[sc.name], sc.explain)
            plans[sc.name] = explain(sql) if sql else "(query not found)"
    trivial = measured["throughput"]["trivial"]["rps"]
    api = measured["throughput"]["api_households"]["rps"]
    data: dict[str, Any] = {
        "database": connection.vendor,
        "communities": rows["communities"],
        "rows": rows,
        "scenarios": {
            sc.name: {
                "p50_ms": measured["scenarios"][sc.name]["p50_ms"],
                "p95_ms": measured["scenarios"][sc.name]["p95_ms"],
                "queries": counted[sc.name].queries,
                "bytes": measured["scenarios"][sc.name]["bytes"],
            }
            for sc in items
        },
        "throughput": {
            "api_households_rps": api,
            "trivial_rps": trivial,
            "ratio": round(api / trivial, 3) if trivial else 0.0,
        },
        "machine": results.machine(
            database_description(),
            server,
            f"load from a separate process, {opts.concurrency} threads for throughput",
        ),
    }
    problems = results.check(data)
    if problems:
        raise RuntimeError("results do not match the schema: " + "; ".join(problems))
    info: dict[str, Any] = dict(details or {})
    info.update(
        {
            "server": server,
            "settings": os.environ.get("DJANGO_SETTINGS_MODULE", "banyan.settings.local"),
            "concurrency": opts.concurrency,
            "latency": f"concurrency 1, {opts.repeat} timed requests per scenario "
            f"({opts.login_repeat} for login) after {opts.warmup} warm-up requests",
            "throughput window": f"{opts.seconds:g} s per target after 1 s of warm-up",
            "throughput errors": {
                k: v["errors"] for k, v in measured["throughput"].items() if v["errors"]
            }
            or "none",
            "as": f"{MANAGER} (grid pages and API list, {fx.grid_households} households in "
            f"the grid, deep page = page {fx.last_page}; my work, case #{fx.case.pk}, "
            f"suspend and resume of case #{fx.moving.pk}), {SECRETARY} (search, tree, "
            "community-wide API list, API person, overdue cases, community compliance), "
            f"{BRANCH} (obligations, page and API), {DISTRICT} (district compliance), "
            "anonymous (Open311)",
            "transitions": f"{posted} posted over HTTP, each followed by its redirect "
            f"(untimed) as a browser does; {moves} recorded on the case's timeline",
            "query counts flat over pages": counted["household_list_l2_page1"].queries
            == counted["household_list_l2_deep"].queries,
            "load average (1 min) before / after": f"{load_before} / {results.load_average()}",
            "in-process": {n: (c.wall_ms, c.sql_ms) for n, c in counted.items()},
            "party_daily from an empty cache (s)": nightly_s,
            "district compliance in-process (ms)": district,
            "explain": plans,
        }
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{data['database']}-{data['communities']}"
    path = out_dir / f"{stem}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    text = results.table(data, info)
    (out_dir / f"{stem}.txt").write_text(text)
    for line in text.splitlines():
        say(line)
    return data, path
