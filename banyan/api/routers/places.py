"""The tree and what stands in it: nodes, compounds, buildings, facilities.

Every object is loaded through `get_<thing>_for_user` (404 outside the scope), every
list comes from a places selector, and every write is one places service.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Status

from banyan.places import selectors, services
from banyan.registry.selectors import get_person_for_user

from ..auth import actor
from ..pagination import page, page_of
from ..routing import Router
from ..schemas import (
    BuildingFilters,
    BuildingHeadIn,
    BuildingIn,
    BuildingOut,
    BuildingPatch,
    CompoundFilters,
    CompoundIn,
    CompoundOut,
    CompoundPatch,
    ErrorOut,
    FacilityFilters,
    FacilityIn,
    FacilityOut,
    FacilityPatch,
    NodeFilters,
    NodeOut,
    Page,
)
from ..versions import EDIT, take_version

router = Router(tags=["places"])

READ = {403: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}

# A PATCH may send null only for fields that can be empty; elsewhere null means "unchanged".
_NULLABLE = frozenset({"year_built", "lat", "lng", "compound"})


def _changes(payload: Any) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k in _NULLABLE}


# --- nodes --------------------------------------------------------------------------


@router.get("/nodes", response={200: Page[NodeOut], **READ})
def list_nodes(request: HttpRequest, filters: Query[NodeFilters]) -> Any:
    """Tree nodes in your scope: your posts' nodes and everything below them."""
    user = actor(request)
    parent = selectors.get_node_for_user(user, filters.parent) if filters.parent else None
    qs = selectors.node_list(user=user, parent=parent, kind=filters.kind or "", q=filters.q)
    if filters.node is not None:
        node = selectors.get_node_for_user(user, filters.node)
        qs = qs.filter(path__startswith=node.path)
    items, count = page_of(qs, filters)
    return page(items, count)


@router.get("/nodes/{id}", response={200: NodeOut, **READ})
def get_node(request: HttpRequest, id: int) -> Any:
    return selectors.get_node_for_user(actor(request), id)


# --- compounds ----------------------------------------------------------------------


@router.get("/compounds", response={200: Page[CompoundOut], **READ})
def list_compounds(request: HttpRequest, filters: Query[CompoundFilters]) -> Any:
    user = actor(request)
    node = selectors.get_node_for_user(user, filters.node) if filters.node is not None else None
    items, count = page_of(selectors.compound_list(user=user, node=node, q=filters.q), filters)
    return page(items, count)


@router.get("/compounds/{id}", response={200: CompoundOut, **READ})
def get_compound(request: HttpRequest, id: int) -> Any:
    return selectors.get_compound_for_user(actor(request), id)


@router.post("/compounds", response={201: CompoundOut, **WRITE})
def create_compound(request: HttpRequest, payload: CompoundIn) -> Any:
    user = actor(request)
    data = payload.dict()
    grid = selectors.get_node_for_user(user, data.pop("grid"))
    return Status(201, services.compound_create(actor=user, grid=grid, **data))


@router.patch("/compounds/{id}", response={200: CompoundOut, **WRITE, **EDIT})
def update_compound(request: HttpRequest, id: int, payload: CompoundPatch) -> Any:
    """Change the fields sent; `version` is required."""
    user = actor(request)
    compound = selectors.get_compound_for_user(user, id)
    changes = _changes(payload)
    version = take_version(changes)
    return services.compound_update(actor=user, compound=compound, version=version, **changes)


# --- buildings ----------------------------------------------------------------------


@router.get("/buildings", response={200: Page[BuildingOut], **READ})
def list_buildings(request: HttpRequest, filters: Query[BuildingFilters]) -> Any:
    user = actor(request)
    node = selectors.get_node_for_user(user, filters.node) if filters.node is not None else None
    compound = (
        selectors.get_compound_for_user(user, filters.compound)
        if filters.compound is not None
        else None
    )
    qs = selectors.building_list(user=user, compound=compound, node=node)
    if filters.q:
        qs = qs.filter(Q(number__icontains=filters.q) | Q(compound__name__icontains=filters.q))
    items, count = page_of(qs, filters)
    return page(items, count)


@router.get("/buildings/{id}", response={200: BuildingOut, **READ})
def get_building(request: HttpRequest, id: int) -> Any:
    return selectors.get_building_for_user(actor(request), id)


@router.post("/buildings", response={201: BuildingOut, **WRITE})
def create_building(request: HttpRequest, payload: BuildingIn) -> Any:
    user = actor(request)
    data = payload.dict()
    compound = selectors.get_compound_for_user(user, data.pop("compound"))
    building = services.building_create(actor=user, compound=compound, **data)
    return Status(201, selectors.get_building_for_user(user, building.pk))


@router.patch("/buildings/{id}", response={200: BuildingOut, **WRITE, **EDIT})
def update_building(request: HttpRequest, id: int, payload: BuildingPatch) -> Any:
    """Change the fields sent; `version` is required."""
    user = actor(request)
    building = selectors.get_building_for_user(user, id)
    changes = _changes(payload)
    version = take_version(changes)
    services.building_update(actor=user, building=building, version=version, **changes)
    return selectors.get_building_for_user(user, building.pk)


@router.put("/buildings/{id}/head", response={200: BuildingOut, **WRITE})
def set_building_head(request: HttpRequest, id: int, payload: BuildingHeadIn) -> Any:
    """Make a resident of the building its building head (楼栋长)."""
    user = actor(request)
    building = selectors.get_building_for_user(user, id)
    person = get_person_for_user(user, payload.person)
    services.building_set_head(actor=user, building=building, person=person)
    return selectors.get_building_for_user(user, building.pk)


# --- facilities ---------------------------------------------------------------------


@router.get("/facilities", response={200: Page[FacilityOut], **READ})
def list_facilities(request: HttpRequest, filters: Query[FacilityFilters]) -> Any:
    user = actor(request)
    node = selectors.get_node_for_user(user, filters.node) if filters.node is not None else None
    qs = selectors.facility_list(user=user, node=node, q=filters.q)
    if filters.compound is not None:
        qs = qs.filter(compound=selectors.get_compound_for_user(user, filters.compound))
    items, count = page_of(qs, filters)
    return page(items, count)


@router.get("/facilities/{id}", response={200: FacilityOut, **READ})
def get_facility(request: HttpRequest, id: int) -> Any:
    return selectors.get_facility_for_user(actor(request), id)


@router.post("/facilities", response={201: FacilityOut, **WRITE})
def create_facility(request: HttpRequest, payload: FacilityIn) -> Any:
    user = actor(request)
    data = payload.dict()
    node = selectors.get_node_for_user(user, data.pop("node"))
    compound_id = data.pop("compound")
    compound = (
        selectors.get_compound_for_user(user, compound_id) if compound_id is not None else None
    )
    return Status(201, services.facility_create(actor=user, node=node, compound=compound, **data))


@router.patch("/facilities/{id}", response={200: FacilityOut, **WRITE, **EDIT})
def update_facility(request: HttpRequest, id: int, payload: FacilityPatch) -> Any:
    """Change the fields sent; `version` is required."""
    user = actor(request)
    facility = selectors.get_facility_for_user(user, id)
    changes = _changes(payload)
    version = take_version(changes)
    if "node" in changes:
        changes["node"] = selectors.get_node_for_user(user, changes["node"])
    if changes.get("compound") is not None:
        changes["compound"] = selectors.get_compound_for_user(user, changes["compound"])
    return services.facility_update(actor=user, facility=facility, version=version, **changes)
