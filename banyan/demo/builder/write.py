"""Writing one planned community: keys reserved, rows built as tuples, each table sent
through the sink in one bulk call (sink.py), then the building heads and events.

The event stream is written here as plain rows — one event per registry fact the
services would have recorded (household created and verified, person registered /
born / moved in, categories added and ended, deaths, moves, building heads) and one
link per event to its household and person — not as model instances: at district
scale they are most of the rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from banyan.places.models import Building, Compound, Facility, FacilityKind, Node, tree_sort_key
from banyan.registry.models import Category, Household, Person, PersonCategory, PersonStatus
from banyan.timeline.models import Event, EventLink

from .layout import _at
from .people import CommunityPlan, Context, PersonPlan
from .sink import Sink, columns_of, instance_rows

Progress = Callable[[str], None]

PERSON_CATEGORY_COLUMNS = (
    "id",
    "community_id",
    "person_id",
    "category_id",
    "valid_from",
    "valid_to",
    "grade",
    "note",
)
EVENT_COLUMNS = (
    "id",
    "community_id",
    "verb",
    "occurred_on",
    "recorded_at",
    "actor_id",
    "on_behalf_of",
    "summary",
    "data",
    "sensitive",
    "subject_type",
    "subject_id",
)
EVENT_LINK_COLUMNS = ("id", "event_id", "household_id", "person_id")


class Writer:
    """Writes communities through one sink and keeps the rows-per-table tally."""

    def __init__(self, sink: Sink, say: Progress, detail: bool = False) -> None:
        self.sink = sink
        self.say = say
        self.detail = detail
        self.counts: Counter[str] = Counter()
        self._categories: dict[str, Category] | None = None
        self._kinds: dict[str, FacilityKind] | None = None

    def table(self, label: str, model: type, columns: Any, rows: list[tuple]) -> None:
        start = time.perf_counter()
        self.sink.write(model, columns, rows)
        self.counts[label] += len(rows)
        self.report(label, len(rows), time.perf_counter() - start)

    def report(self, label: str, rows: int, seconds: float) -> None:
        """One line of the per-table breakdown (shown for the first community)."""
        if not self.detail:
            return
        if not rows:  # a step that writes nothing itself: keys, checks, commit
            self.say(f"    {label:<18} {'':>13} {seconds:6.2f} s")
            return
        rate = rows / seconds if seconds > 0 else 0.0
        self.say(f"    {label:<18} {rows:>8,} rows  {seconds:6.2f} s  {rate:>10,.0f} rows/s")

    @property
    def categories(self) -> dict[str, Category]:
        if self._categories is None:
            self._categories = {c.code: c for c in Category.objects.filter(community=None)}
        return self._categories

    @property
    def kinds(self) -> dict[str, FacilityKind]:
        if self._kinds is None:
            self._kinds = {k.code: k for k in FacilityKind.objects.all()}
        return self._kinds

    # -- one community -------------------------------------------------------------------

    def community(self, plan: CommunityPlan, ctx: Context) -> None:
        """Write everything planned for one community (the caller holds the transaction)."""
        start = time.perf_counter()
        self._assign_keys(plan)
        self.report("keys", 0, time.perf_counter() - start)
        nodes = [plan.community, *plan.l1, *plan.l2]
        self.table("nodes", Node, columns_of(Node), instance_rows(Node, nodes))
        self.table(
            "compounds", Compound, columns_of(Compound), instance_rows(Compound, plan.compounds)
        )
        households = [h.household for h in plan.households]
        self.table(
            "households", Household, columns_of(Household), instance_rows(Household, households)
        )
        persons = plan.persons()
        people = [m.person for m in persons]
        self.table("persons", Person, columns_of(Person), instance_rows(Person, people))
        # Heads are persons: written after them (foreign keys are checked at commit anyway).
        self.table(
            "buildings", Building, columns_of(Building), instance_rows(Building, plan.buildings)
        )
        self.counts["building heads"] += sum(1 for b in plan.buildings if b.head_id)
        self.table(
            "person categories",
            PersonCategory,
            PERSON_CATEGORY_COLUMNS,
            self._person_category_rows(plan, persons),
        )
        facilities = []
        for f, code in plan.facilities:
            f.kind = self.kinds[code]
            facilities.append(f)
        self.table(
            "facilities", Facility, columns_of(Facility), instance_rows(Facility, facilities)
        )
        events, links = self._event_rows(plan, persons, ctx)
        self.table("events", Event, EVENT_COLUMNS, events)
        self.table("event links", EventLink, EVENT_LINK_COLUMNS, links)

    def _assign_keys(self, plan: CommunityPlan) -> None:
        reserve = self.sink.reserve
        comm = plan.community
        (comm.pk,) = reserve(Node, 1)
        parent = comm.parent
        comm.path = f"{parent.path if parent else ''}{comm.pk}/"
        comm.depth = parent.depth + 1 if parent else 0
        comm.sort_key = tree_sort_key(comm)
        comm.community = comm
        for level in (plan.l1, plan.l2):
            for node, pk in zip(level, reserve(Node, len(level)), strict=True):
                node.pk = pk
                node.path = f"{node.parent.path}{pk}/"
                node.depth = node.parent.depth + 1
                node.sort_key = tree_sort_key(node)
        persons = plan.persons()
        for objs, model in (
            (plan.compounds, Compound),
            (plan.buildings, Building),
            ([h.household for h in plan.households], Household),
            ([m.person for m in persons], Person),
            ([f for f, _code in plan.facilities], Facility),
        ):
            for obj, pk in zip(objs, reserve(model, len(objs)), strict=True):
                obj.pk = pk
        cats = [c for m in persons for c in m.categories]
        for c, pk in zip(cats, reserve(PersonCategory, len(cats)), strict=True):
            c.row_id = pk

    def _person_category_rows(self, plan: CommunityPlan, persons: list[PersonPlan]) -> list[tuple]:
        comm_id = plan.community.pk
        categories = self.categories
        return [
            (
                c.row_id,
                comm_id,
                m.person.pk,
                categories[c.code].pk,
                c.valid_from,
                c.valid_to,
                c.grade,
                c.note,
            )
            for m in persons
            for c in m.categories
        ]

    def _event_rows(
        self, plan: CommunityPlan, persons: list[PersonPlan], ctx: Context
    ) -> tuple[list[tuple], list[tuple]]:
        """The timeline every household and person would have if the services had
        recorded their registry history: (event rows, link rows)."""
        comm_id = plan.community.pk
        categories = self.categories
        today = ctx.today
        specs: list[tuple] = []  # event row without its id
        links: list[tuple[int, int | None]] = []  # household id, person id (per event)
        hours = [_hour_of(i) for i in range(8)]

        def add(
            verb: str,
            day: dt.date,
            summary: str,
            data: dict[str, Any],
            subject_type: str,
            subject_id: int,
            household_id: int,
            person_id: int | None,
            sensitive: bool = False,
        ) -> None:
            recorded = _at(day, hours[len(specs) % 8])
            specs.append(
                (
                    comm_id,
                    verb,
                    day,
                    recorded,
                    None,
                    "",
                    summary[:300],
                    data,
                    sensitive,
                    subject_type,
                    subject_id,
                )
            )
            links.append((household_id, person_id))

        for hp in plan.households:
            hh = hp.household
            label = hh.label
            add(
                "household_created",
                hp.since,
                label,
                {"label": label},
                "household",
                hh.pk,
                hh.pk,
                None,
            )
            if hh.verified_on is not None:
                add(
                    "household_verified", hh.verified_on, label, {}, "household", hh.pk, hh.pk, None
                )
        for m in persons:
            p = m.person
            pk, household_id, name = p.pk, p.household.pk, p.name
            add(m.added_verb, m.added_on, name, {"name": name}, "person", pk, household_id, pk)
            for c in m.categories:
                cat = categories[c.code]
                assert c.row_id is not None
                add(
                    "category_added",
                    min(c.valid_from, today),
                    name,
                    {
                        "name": name,
                        "category": cat.name,
                        "category_en": cat.name_en,
                        "valid_from": c.valid_from.isoformat(),
                    },
                    "personcategory",
                    c.row_id,
                    household_id,
                    pk,
                    cat.sensitive,
                )
                if c.ended_event and c.valid_to is not None:
                    add(
                        "category_ended",
                        min(c.valid_to, today),
                        name,
                        {
                            "name": name,
                            "category": cat.name,
                            "category_en": cat.name_en,
                            "valid_to": c.valid_to.isoformat(),
                        },
                        "personcategory",
                        c.row_id,
                        household_id,
                        pk,
                        cat.sensitive,
                    )
            if p.status == PersonStatus.DECEASED:
                add(
                    "person_died",
                    p.status_since,
                    name,
                    {"name": name},
                    "person",
                    pk,
                    household_id,
                    pk,
                )
            elif p.status == PersonStatus.MOVED_OUT:
                add(
                    "person_moved_out",
                    p.status_since,
                    name,
                    {"name": name, "destination": m.destination},
                    "person",
                    pk,
                    household_id,
                    pk,
                )
        for b, m, day in plan.heads:
            label = f"{b.compound.name} {b.number}"
            name = m.person.name
            add(
                "building_head_set",
                day,
                name,
                {"name": name, "building": label},
                "building",
                b.pk,
                m.person.household.pk,
                m.person.pk,
            )
        event_ids = self.sink.reserve(Event, len(specs))
        link_ids = self.sink.reserve(EventLink, len(links))
        events = [(pk, *spec) for pk, spec in zip(event_ids, specs, strict=True)]
        rows = [(lk, ev, h, p) for lk, ev, (h, p) in zip(link_ids, event_ids, links, strict=True)]
        return events, rows


def _hour_of(i: int) -> int:
    return 9 + i


def check_columns() -> None:
    """The hand-written column lists still match the models (a migration may add one)."""
    for model, columns in (
        (PersonCategory, PERSON_CATEGORY_COLUMNS),
        (Event, EVENT_COLUMNS),
        (EventLink, EVENT_LINK_COLUMNS),
    ):
        if tuple(columns_of(model)) != columns:
            raise RuntimeError(
                f"{model._meta.label} columns changed: {columns_of(model)}; "
                "update banyan/demo/builder/write.py"
            )
