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
from typing import Any

from django.db.models import Prefetch, QuerySet

from banyan.casework.models import Case, CaseCategory, Open311Key
from banyan.casework.selectors import categories_for
from banyan.casework.workflow import State
from banyan.places.models import Building, Node, NodeKind

# Open311 knows two statuses. "closed" means "it has been resolved" in the spec, so a
# resolved case is closed for Open311 (until the resident reopens it); rejected and
# duplicate requests are closed too — nobody will work on them.
CLOSED_STATES = frozenset({State.RESOLVED, State.CLOSED, State.REJECTED, State.DUPLICATE})
MAX_REQUESTS = 1000  # the spec's default volume: 90 days or 1000 requests
MAX_SPAN = dt.timedelta(days=90)


def open311_status(case: Case) -> str:
    return "closed" if case.state in CLOSED_STATES else "open"


# --- jurisdictions and keys -----------------------------------------------------------------


def get_jurisdiction(jurisdiction_id: str) -> Node | None:
    """The community a jurisdiction_id names: its id, or its code."""
    value = (jurisdiction_id or "").strip()
    if not value:
        return None
    communities = Node.objects.filter(kind=NodeKind.COMMUNITY)
    if value.isdigit():
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


def _public_cases(community: Node | None) -> QuerySet[Case]:
    qs = Case.objects.filter(category__public=True)
    if community is not None:
        qs = qs.filter(community=community)
    # A list holds at most 1,000 requests of one community but a few categories and
    # grids: those are read once each and shared by the rows (prefetch), not joined and
    # made again for every row, and no outline (GeoJSON) is read at all.
    outline_free = Node.objects.defer("geometry")
    return (
        qs.select_related("building__compound")
        # Nothing Open311 shows, and the reporter's name and phone never leave the row.
        .defer(
            "building__compound__geometry",
            "reporter_name",
            "reporter_phone",
            "on_behalf_of",
            "address",
            "title",
            "feedback",
            "agreement",
            "suspended_since",
            "tracking_code",
        )
        .prefetch_related(
            "category",
            Prefetch("grid", queryset=outline_free),
            Prefetch("community", queryset=outline_free),
        )
    )


def request_list(
    *,
    community: Node,
    ids: Sequence[int] | None = None,
    codes: Iterable[str] = (),
    start: dt.datetime,
    end: dt.datetime,
    statuses: Iterable[str] = (),
) -> list[Case]:
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
    return list(qs.order_by("-created_at", "-id")[:MAX_REQUESTS])


def get_request(*, pk: int, community: Node | None) -> Case | None:
    return _public_cases(community).filter(pk=pk).first()


def get_request_by_token(*, token: str, community: Node | None) -> Case | None:
    """The request a token names; the token is the resident's tracking code."""
    return _public_cases(community).filter(tracking_code=(token or "").strip().upper()).first()


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
    ).order_by("path")
    for grid in grids:
        if isinstance(grid.geometry, dict) and _in_geometry(lng, lat, grid.geometry):
            return grid
    return None
