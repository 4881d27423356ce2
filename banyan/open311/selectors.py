"""Reads of the Open311 endpoint. There is no user and no scope: every client sees the same
public data, so the limits are here, in what a query may return.

A request is listed only when its category is offered to residents (`public`); disputes
and anything a community keeps internal never appear. How much of a listed request is
shown (which building, its description) is decided in `render.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from banyan.casework.models import (
    Case,
    CaseCategory,
    Open311Key,
    is_tracking_code,
    normalize_tracking_code,
)
from banyan.casework.selectors import categories_for
from banyan.casework.workflow import State
from banyan.places.models import Building, Node, NodeKind

# Open311 knows two statuses. "closed" means "it has been resolved" in the spec, so a
# resolved case is closed for Open311 (until the resident reopens it); rejected and
# duplicate requests are closed too — nobody will work on them.
CLOSED_STATES = frozenset({State.RESOLVED, State.CLOSED, State.REJECTED, State.DUPLICATE})
MAX_REQUESTS = 1000  # the spec's default volume: 90 days or 1000 requests
MAX_SPAN = dt.timedelta(days=90)


def open311_status(state: str) -> str:
    return "closed" if state in CLOSED_STATES else "open"


# --- jurisdictions and keys -----------------------------------------------------------------


def get_jurisdiction(jurisdiction_id: str) -> Node | None:
    """The community a jurisdiction_id names: its id, or its code."""
    value = (jurisdiction_id or "").strip()
    if not value:
        return None
    communities = Node.objects.filter(kind=NodeKind.COMMUNITY)
    if value.isdecimal() and value.isascii() and len(value) <= 18:  # an id the database holds
        node = communities.filter(pk=int(value)).first()
        if node is not None:
            return node
    return communities.filter(code=value).exclude(code="").first()


def sole_community() -> Node | None:
    """The only community, when the deployment serves one (jurisdiction_id is optional then)."""
    found = list(Node.objects.filter(kind=NodeKind.COMMUNITY).order_by("id")[:2])
    return found[0] if len(found) == 1 else None


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def get_key(raw: str) -> Open311Key | None:
    """The active key matching `raw` (looked up by its SHA-256; the key is never stored)."""
    if not raw:
        return None
    return (
        Open311Key.objects.select_related("community")
        .filter(key_hash=hash_key(raw), active=True)
        .first()
    )


# --- services -------------------------------------------------------------------------------


def service_list(*, community: Node) -> list[CaseCategory]:
    """The categories residents may report in this community; a community's own category
    takes the place of a shared one with the same code."""
    chosen: dict[str, CaseCategory] = {}
    for category in categories_for(community_id=community.pk, public_only=True):
        if category.code not in chosen or category.community_id is not None:
            chosen[category.code] = category
    return sorted(chosen.values(), key=lambda c: (c.sort_order, c.code))


def get_service(*, community: Node, code: str) -> CaseCategory | None:
    return next((c for c in service_list(community=community) if c.code == code), None)


# --- requests -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicBuilding:
    id: int
    number: str
    compound: str
    lat: Decimal | None
    lng: Decimal | None


@dataclass(frozen=True, slots=True)
class PublicRequest:
    """What Open311 may know of a case: no reporter, no household, no staff text (the
    internal description is not even read). Read as
    plain rows: a list holds up to 1,000 of them, and model instances for each case, its
    building and its compound cost more than the query itself."""

    id: int
    state: str
    kind: str
    route: str
    # The resident's own words as moderated (Case.public_text); never the description.
    public_text: str
    public_text_hidden: bool
    public_note: str
    duplicate_of_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_at: dt.datetime
    lat: Decimal | None
    lng: Decimal | None
    category: CaseCategory
    grid: Node
    community: Node
    building: PublicBuilding | None

    @property
    def status(self) -> str:
        return open311_status(self.state)


# The case's own public fields, in PublicRequest's order.
_SHARED = {"category", "grid", "community", "building"}
_OWN_FIELDS = tuple(f.name for f in fields(PublicRequest) if f.name not in _SHARED)


def _public_cases(community: Node | None) -> QuerySet[Case]:
    qs = Case.objects.filter(category__public=True)
    if community is not None:
        qs = qs.filter(community=community)
    return qs


def _requests(qs: QuerySet[Case]) -> list[PublicRequest]:
    """The rows, with each category, grid and community read once and shared (a list
    holds many requests but a few categories and grids, and never a grid's outline)."""
    rows = list(
        qs.values(
            *_OWN_FIELDS,
            "category_id",
            "grid_id",
            "community_id",
            "building_id",
            "building__number",
            "building__compound__name",
            "building__lat",
            "building__lng",
        )
    )
    if not rows:
        return []
    categories = CaseCategory.objects.in_bulk({r["category_id"] for r in rows})
    nodes = Node.objects.defer("geometry").in_bulk(
        {r["grid_id"] for r in rows} | {r["community_id"] for r in rows}
    )
    return [
        PublicRequest(
            **{f: row[f] for f in _OWN_FIELDS},
            category=categories[row["category_id"]],
            grid=nodes[row["grid_id"]],
            community=nodes[row["community_id"]],
            building=PublicBuilding(
                row["building_id"],
                row["building__number"],
                row["building__compound__name"],
                row["building__lat"],
                row["building__lng"],
            )
            if row["building_id"] is not None
            else None,
        )
        for row in rows
    ]


def request_list(
    *,
    community: Node,
    ids: Sequence[int] | None = None,
    codes: Iterable[str] = (),
    start: dt.datetime,
    end: dt.datetime,
    statuses: Iterable[str] = (),
) -> list[PublicRequest]:
    """Requests of the community, newest first, at most MAX_REQUESTS. `ids` overrides
    every other filter (as the spec says)."""
    qs = _public_cases(community)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    else:
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        codes = list(codes)
        if codes:
            qs = qs.filter(category__code__in=codes)
        wanted = set(statuses)
        if wanted == {"open"}:
            qs = qs.exclude(state__in=CLOSED_STATES)
        elif wanted == {"closed"}:
            qs = qs.filter(state__in=CLOSED_STATES)
    return _requests(qs.order_by("-created_at", "-id")[:MAX_REQUESTS])


def get_request(*, pk: int, community: Node | None) -> PublicRequest | None:
    found = _requests(_public_cases(community).filter(pk=pk))
    return found[0] if found else None


def get_request_token(*, token: str, community: Node | None) -> tuple[int, str] | None:
    """The request a token names, as (id, token); the token is the resident's tracking
    code."""
    code = normalize_tracking_code(token)
    if not is_tracking_code(code):
        return None
    pk = _public_cases(community).filter(tracking_code=code).values_list("pk", flat=True).first()
    return (pk, code) if pk is not None else None


# --- locations ------------------------------------------------------------------------------

_METRES_PER_DEGREE = 111_320.0


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine); plenty for "which building is this"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def get_building(*, community: Node, pk: int) -> Building | None:
    """A building of the community, by the id Open311 calls address_id."""
    return (
        Building.objects.select_related("compound", "grid")
        .filter(community=community, pk=pk)
        .first()
    )


def nearest_building(
    *, community: Node, lat: float, lng: float, radius_m: float
) -> Building | None:
    """The community's building nearest to the point, if one stands within `radius_m`."""
    dlat = radius_m / _METRES_PER_DEGREE
    dlng = radius_m / (_METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    candidates = Building.objects.select_related("compound", "grid").filter(
        community=community,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    best: tuple[float, Building] | None = None
    for building in candidates[:500]:
        assert building.lat is not None and building.lng is not None
        d = _distance_m(lat, lng, float(building.lat), float(building.lng))
        if d <= radius_m and (best is None or d < best[0]):
            best = (d, building)
    return best[1] if best else None


def _in_ring(lng: float, lat: float, ring: Sequence[Sequence[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > lat) != (y2 > lat) and lng < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _in_geometry(lng: float, lat: float, geometry: dict[str, Any]) -> bool:
    kind = geometry.get("type")
    polygons = (
        [geometry.get("coordinates") or []]
        if kind == "Polygon"
        else (geometry.get("coordinates") or [])
        if kind == "MultiPolygon"
        else []
    )
    for rings in polygons:
        if rings and _in_ring(lng, lat, rings[0]):
            if not any(_in_ring(lng, lat, hole) for hole in rings[1:]):
                return True
    return False


def grid_at(*, community: Node, lat: float, lng: float) -> Node | None:
    """The community's second-level grid whose mapped area holds the point."""
    grids = Node.objects.filter(
        community=community, kind=NodeKind.GRID_L2, geometry__isnull=False
    ).order_by("sort_key", "id")
    for grid in grids:
        if isinstance(grid.geometry, dict) and _in_geometry(lng, lat, grid.geometry):
            return grid
    return None
