"""Open311 GeoReport v2 endpoints (namespace `open311`, under /open311/v2/).

Thin: parse the query or form, call a selector or service, answer in the format the URL
asks for (.json or .xml). Every failure answers in the spec's error format with the
spec's status: 404 for what does not exist, 403 for a missing or wrong api_key, 400 for
anything else (and 429 when a building's daily limit is reached).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from banyan.casework.models import is_tracking_code, normalize_tracking_code
from banyan.casework.services.intake import (
    IntakeLimited,
    check_tracking_allowed,
    client_key_for,
    tracking_miss,
)
from banyan.common.errors import DomainError
from banyan.common.forms import client_ip
from banyan.common.links import absolute_url
from banyan.places.models import Node

from . import render, selectors, services

# When this endpoint's documents last changed shape (the discovery document's changeset).
CHANGESET = "2026-11-29T00:00:00+08:00"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


# An id is a positive 63-bit integer (a bigint everywhere): more digits name nothing, and
# SQLite could not even take them in a query.
_ID = re.compile(r"[0-9]{1,18}")
MAX_LIST = 200  # ids or service codes in one filter
# Dates a request can carry: anything outside is a typo or a probe, never a report.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099


def _echo(value: str) -> str:
    """A value the client sent, as an error message repeats it: short (a 100k-character
    parameter is not sent back)."""
    return value if len(value) <= 64 else value[:64] + "…"


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """Allowed methods, and every error turned into the spec's error document."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, format: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = render.error(
                    format, 405, _("Use %(methods)s here.") % {"methods": ", ".join(methods)}
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, format=format, **kwargs)
            except Open311Error as err:
                return render.error(format, err.status, err.description)
            except IntakeLimited as err:
                return render.error(format, 429, str(err.message))
            except DomainError as err:
                prefix = f"{err.field}: " if err.field else ""
                return render.error(format, 400, prefix + str(err.message))

        return inner

    return wrap


def _params(request: HttpRequest) -> QueryDict:
    return request.POST if request.method == "POST" else request.GET


def _community(request: HttpRequest, *, required: bool = True) -> Node | None:
    """The community the jurisdiction_id names (404 if none does). Without one: the only
    community, or 400 when the endpoint serves several and `required`."""
    jurisdiction_id = _params(request).get("jurisdiction_id", "").strip()
    if jurisdiction_id:
        community = selectors.get_jurisdiction(jurisdiction_id)
        if community is None:
            raise Open311Error(
                404, _("jurisdiction_id %(id)s was not found.") % {"id": _echo(jurisdiction_id)}
            )
        return community
    community = selectors.sole_community()
    if community is None and required:
        raise Open311Error(
            400,
            _("jurisdiction_id was not provided; this endpoint serves several communities."),
        )
    return community


def _list(params: QueryDict, name: str) -> list[str]:
    """A parameter given comma-separated, several times, or both (at most MAX_LIST)."""
    values = [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
    if len(values) > MAX_LIST:
        raise Open311Error(
            400, _("%(name)s takes at most %(n)s values.") % {"name": name, "n": MAX_LIST}
        )
    return values


def _id(raw: str, name: str) -> int:
    """An id as the database holds it (a positive 63-bit integer), or a 400 naming `name`."""
    if not _ID.fullmatch(raw) or int(raw) == 0:
        raise Open311Error(400, _("%(name)s must be an id (a whole number).") % {"name": name})
    return int(raw)


def _datetime(params: QueryDict, name: str) -> dt.datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    raw = raw.replace(" ", "+") if "T" in raw else raw
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = dt.datetime.combine(day, dt.time.min)
    except ValueError:  # well formed, but no such moment: 02-30, 25:00, +99:00
        value = None
    if value is None:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time, such as 2026-01-01T00:00:00+08:00.")
            % {"name": name},
        )
    # Checked before any arithmetic: a span from year 1 or to year 9999 leaves the calendar.
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise Open311Error(
            400,
            _("%(name)s must lie between %(first)s and %(last)s.")
            % {"name": name, "first": EARLIEST_YEAR, "last": LATEST_YEAR},
        )
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _date_range(params: QueryDict) -> tuple[dt.datetime, dt.datetime]:
    start, end = _datetime(params, "start_date"), _datetime(params, "end_date")
    if start and end:
        if end < start:
            raise Open311Error(400, _("end_date is before start_date."))
        if end - start > selectors.MAX_SPAN:
            raise Open311Error(400, _("start_date to end_date may not span more than 90 days."))
        return start, end
    if start:
        return start, start + selectors.MAX_SPAN
    if end:
        return end - selectors.MAX_SPAN, end
    now = timezone.now()
    return now - selectors.MAX_SPAN, now


# --- endpoints ------------------------------------------------------------------------------


@endpoint("GET")
def discovery(request: HttpRequest, *, format: str) -> HttpResponse:
    url = absolute_url(request, reverse("open311:discovery", args=["json"]))
    return render.document(
        format,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": settings.DEFAULT_FROM_EMAIL,
            "key_service": _("api_keys are issued by each community's office."),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": url.removesuffix("discovery.json"),
                    "changeset": CHANGESET,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def service_list(request: HttpRequest, *, format: str) -> HttpResponse:
    community = _community(request)
    assert community is not None
    services_ = selectors.service_list(community=community)
    return render.document(format, "services", [render.service(c) for c in services_])


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, *, format: str) -> HttpResponse:
    community = _community(request)
    assert community is not None
    category = selectors.get_service(community=community, code=code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": _echo(code)})
    return render.document(format, "service_definition", render.service_definition(category))


@csrf_exempt  # a client authenticates with its api_key, never with a cookie
@endpoint("GET", "POST")
def requests(request: HttpRequest, *, format: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, format)
    community = _community(request)
    assert community is not None
    params = request.GET
    ids: list[int] | None = None
    raw_ids = _list(params, "service_request_id")
    if raw_ids:
        if not all(_ID.fullmatch(i) for i in raw_ids):
            raise Open311Error(400, _("service_request_id must be ids separated by commas."))
        ids = [int(i) for i in raw_ids]
    statuses = _list(params, "status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _("status must be open or closed."))
    start, end = _date_range(params)
    cases = selectors.request_list(
        community=community,
        ids=ids,
        codes=_list(params, "service_code"),
        start=start,
        end=end,
        statuses=statuses,
    )
    return render.document(format, "service_requests", render.requests(cases))


def _create(request: HttpRequest, format: str) -> HttpResponse:
    params = request.POST
    key = selectors.get_key(params.get("api_key", "").strip())
    if key is None:
        raise Open311Error(403, _("api_key is missing or not valid; cannot create a request."))
    if params.get("jurisdiction_id", "").strip():
        community = _community(request)
        assert community is not None
        if community.pk != key.community_id:
            raise Open311Error(403, _("This api_key is not valid for that jurisdiction_id."))
    else:
        community = key.community
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    category = selectors.get_service(community=community, code=code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": _echo(code)})
    raw_address_id = params.get("address_id", "").strip()
    address_id = _id(raw_address_id, "address_id") if raw_address_id else None
    # media_url is ignored: on closed networks we fetch nothing from elsewhere, and a
    # remote file is not a photo we have checked.
    case = services.open311_request_create(
        key=key,
        community=community,
        category=category,
        description=params.get("description", ""),
        lat=params.get("lat"),
        lng=params.get("long"),
        address_id=address_id,
        address_string=params.get("address_string", ""),
        phone=params.get("phone", ""),
        first_name=params.get("first_name", ""),
        last_name=params.get("last_name", ""),
    )
    track = absolute_url(request, reverse("intake:track", args=[case.tracking_code]))
    notice = _("%(notice)s. The resident can follow it at %(url)s") % {
        "notice": render.service_notice(category),
        "url": track,
    }
    return render.document(
        format,
        "service_requests",
        [{"service_request_id": str(case.pk), "service_notice": notice, "account_id": None}],
    )


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, *, format: str) -> HttpResponse:
    community = _community(request, required=False)
    case = (
        selectors.get_request(pk=int(request_id), community=community)
        if _ID.fullmatch(request_id)
        else None
    )
    if case is None:
        raise Open311Error(
            404, _("service_request_id %(id)s was not found.") % {"id": _echo(request_id)}
        )
    return render.document(format, "service_requests", [render.request(case)])


@endpoint("GET")
def token(request: HttpRequest, token: str, *, format: str) -> HttpResponse:
    """The token is the tracking code a resident got from the QR form. Like the tracking
    pages, a client whose codes keep naming nothing is refused for the hour (429)."""
    community = _community(request, required=False)
    client = client_key_for(client_ip(request))
    check_tracking_allowed(client_key=client)
    found = selectors.get_request_token(token=token, community=community)
    if found is None:
        if is_tracking_code(normalize_tracking_code(token)):
            tracking_miss(client_key=client)
        raise Open311Error(404, _("token %(token)s was not found.") % {"token": _echo(token)})
    return render.document(
        format,
        "service_requests",
        [{"service_request_id": str(found[0]), "token": found[1]}],
    )
