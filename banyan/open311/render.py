"""GeoReport v2 documents: which fields of a case Open311 shows, and how they are written
as JSON or XML (xml.etree: the format is a flat element tree, nothing a library must do).

What a request shows, and why (docs/open311.md):
- never the reporter's name or phone, the household, the staff's "where" text or an
  internal note;
- problems with a place (repairs, hazards) show their building and coordinates; requests
  about people (paperwork, social assistance, elderly care …) show only their
  second-level grid, because "a social-assistance request in building 3" points at a
  family;
- a description only about a place, and only the case's public text: the words a resident
  wrote for the public form (QR poster, Open311 itself), as staff moderated them (they
  may correct or hide them). The internal description, whoever wrote it and whatever
  channel it names, is never published; a case staff recorded has no public text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.casework.models import CaseCategory, Kind, Route
from banyan.casework.workflow import State

from .selectors import PublicRequest

PLACE_KINDS = frozenset({Kind.REPAIR, Kind.HAZARD})

# XML element names of list items (the spec's "⇊ / ↴" pairs).
_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str | None:
    """ISO 8601 with the offset, in the deployment's time zone (2026-03-01T09:30:00+08:00)."""
    if value is None:
        return None
    return value.astimezone(tz or timezone.get_current_timezone()).isoformat(timespec="seconds")


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


# --- services -------------------------------------------------------------------------------


def service_notice(category: CaseCategory) -> str:
    hours = category.deadline_hours
    if hours >= 48 and hours % 24 == 0:
        return _("Dealt with within %(n)s days") % {"n": hours // 24}
    return _("Dealt with within %(n)s hours") % {"n": hours}


def service(category: CaseCategory) -> dict[str, Any]:
    keywords = dict.fromkeys(
        k for k in (category.name, category.name_en, category.code, category.kind) if k
    )
    return {
        "service_code": category.code,
        "service_name": category.display_name,
        "description": f"{Kind(category.kind).label}: {service_notice(category)}",
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": category.kind,
    }


def service_definition(category: CaseCategory) -> dict[str, Any]:
    return {"service_code": category.code, "attributes": []}


# --- requests -------------------------------------------------------------------------------


def _updated(case: PublicRequest) -> dt.datetime:
    # The spec: for a closed request, the time it was closed.
    if case.state == State.RESOLVED and case.resolved_at:
        return case.resolved_at
    if case.status == "closed" and case.closed_at:
        return case.closed_at
    return case.updated_at


def _status_notes(case: PublicRequest, place: bool) -> str | None:
    if place and case.public_note:
        return case.public_note
    if case.state == State.DUPLICATE and case.duplicate_of_id:
        return _("Duplicate of request %(id)s.") % {"id": case.duplicate_of_id}
    return None


class _Shared:
    """What repeats across the rows of one document: the time zone, and each category's
    notice and each route's label in the request's language."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.notices: dict[int, str] = {}
        self.routes: dict[str, str] = {}

    def notice(self, category: CaseCategory) -> str:
        if category.pk not in self.notices:
            self.notices[category.pk] = service_notice(category)
        return self.notices[category.pk]

    def route(self, route: str) -> str:
        if route not in self.routes:
            self.routes[route] = str(Route(route).label)
        return self.routes[route]


def requests(cases: list[PublicRequest]) -> list[dict[str, Any]]:
    """A list of service requests (requests.json): the shared parts worked out once."""
    shared = _Shared()
    return [request(case, shared) for case in cases]


def request(case: PublicRequest, shared: _Shared | None = None) -> dict[str, Any]:
    """One service request, with the spec's fields in the spec's order."""
    shared = shared or _Shared()
    place = case.kind in PLACE_KINDS
    building = case.building if place else None
    if building is not None:
        address = f"{building.number}, {building.compound}, {case.community.name}"
        lat = case.lat if case.lat is not None else building.lat
        lng = case.lng if case.lng is not None else building.lng
    else:
        address = f"{case.grid.name}, {case.community.name}"
        lat, lng = (case.lat, case.lng) if place and case.lat is not None else (None, None)
        if lat is None:
            lat, lng = case.grid.lat, case.grid.lng
    public_text = case.public_text if place and not case.public_text_hidden else ""
    return {
        "service_request_id": str(case.id),
        "status": case.status,
        "status_notes": _status_notes(case, place),
        "service_name": case.category.display_name,
        "service_code": case.category.code,
        "description": public_text or None,
        "agency_responsible": shared.route(case.route) if case.route else case.community.name,
        "service_notice": shared.notice(case.category),
        "requested_datetime": w3c(case.created_at, shared.tz),
        "updated_datetime": w3c(_updated(case), shared.tz),
        "expected_datetime": w3c(case.due_at, shared.tz),
        "address": address,
        "address_id": str(building.id) if building is not None else None,
        "zipcode": None,
        "lat": _number(lat),
        "long": _number(lng),
        # Photos are not published through Open311: a report photo may show a person.
        "media_url": None,
    }


# --- documents ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            _append(element, _ITEMS[name], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    else:
        element.text = _text(value)


def to_xml(root: str, payload: list[Any] | dict[str, Any]) -> bytes:
    element = ET.Element(root)
    if isinstance(payload, list):
        for item in payload:
            _append(element, _ITEMS[root], item)
    else:
        for key, item in payload.items():
            _append(element, key, item)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def document(
    fmt: str, root: str, payload: list[Any] | dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The payload as the client asked for it: .xml (the spec's required format) or .json."""
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, payload), content_type="text/xml; charset=utf-8", status=status
        )
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
        status=status,
    )


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The spec's error document: a list of {code, description}; code = the HTTP status."""
    return document(fmt, "errors", [{"code": status, "description": description}], status=status)


def error_for_path(request: HttpRequest, status: int, description: str) -> HttpResponse:
    """An error for a request that never reached an endpoint (an unknown URL, a server
    error): in the format its URL names, else XML, the spec's required format."""
    fmt = "json" if request.path_info.endswith(".json") else "xml"
    return error(fmt, status, description)


def format_of(request: HttpRequest) -> str:
    """The format an Open311 URL asks for: .xml, else JSON."""
    return "xml" if request.path.endswith(".xml") else "json"


def is_open311(request: HttpRequest) -> bool:
    """Whether the request is for an Open311 URL (under /open311/v2/)."""
    root = reverse("open311:discovery", args=["json"]).removesuffix("discovery.json")
    return request.path.startswith(root)


def request_error(request: HttpRequest, description: str, *, status: int = 400) -> HttpResponse:
    """The spec's error document answering `request`, in the format its URL asks for. For
    code that refuses an Open311 request before its view runs (a middleware rejecting
    control characters): `if is_open311(request): return request_error(request, msg)`."""
    return error(format_of(request), status, description)
