"""Visits screens (走访): log a visit at a household's door, the visit log, and the
households not visited in BANYAN_VISIT_GAP_DAYS."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.forms import run_service
from banyan.common.images import photo_response
from banyan.common.params import parse_id
from banyan.places import selectors as place_selectors
from banyan.places.views import crumbs as place_crumbs
from banyan.registry import selectors as registry_selectors

from .. import forms, selectors, services
from ..models import VisitPurpose

PER_PAGE = 50


def _int_param(request: HttpRequest, name: str) -> int | None:
    """?name=<id>: None when absent or empty; 404 when it cannot be an id."""
    value = request.GET.get(name, "")
    if not value:
        return None
    pk = parse_id(value)
    if pk is None:
        raise Http404
    return pk


def _household_crumbs(request: HttpRequest, household) -> list[dict]:
    return [
        *place_crumbs(request.user, household.grid),
        {
            "name": household.label,
            "url": reverse("registry:household-detail", args=[household.pk]),
        },
    ]


@login_required
def visit_create(request: HttpRequest) -> HttpResponse:
    """Log a visit to ?household=<id> (a dispute's follow-up with &dispute=<case id>);
    "and record a need" then opens the case form pre-filled with the household."""
    pk = _int_param(request, "household")
    if pk is None:
        raise Http404
    household = registry_selectors.get_household_for_user(request.user, pk)
    if not services.can_record_visit(request.user, household):
        raise PermissionDenied
    dispute = None
    if (case_pk := _int_param(request, "dispute")) is not None:
        dispute = selectors.get_case_for_user(request.user, case_pk, Cap.HANDLE_CASES)
    initial = {"purpose": VisitPurpose.FOLLOW_UP} if dispute is not None else None
    form = forms.VisitForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        visit = run_service(
            form,
            lambda: services.visit_record(
                actor=request.user,
                household=household,
                visited_on=d["visited_on"],
                purpose=d["purpose"],
                purpose_note=d["purpose_note"],
                heard=d["heard"],
                findings=d["findings"],
                photo=d["photo"] or None,
                dispute_case=dispute,
            ),
        )
        if visit is not None:
            messages.success(request, _("Visit recorded."))
            if d["record_need"]:
                # The need's form starts from what the visit heard, and links back to it.
                url = reverse("casework:case-create")
                return redirect(f"{url}?visit={visit.pk}")
            if dispute is not None:
                return redirect("casework:case-detail", pk=dispute.pk)
            return redirect("registry:household-detail", pk=household.pk)
    return render(
        request,
        "casework/visit_form.html",
        {
            "form": form,
            "household": household,
            "dispute": dispute,
            "back": reverse("casework:case-detail", args=[dispute.pk])
            if dispute
            else reverse("registry:household-detail", args=[household.pk]),
            "breadcrumbs": _household_crumbs(request, household),
        },
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One visit: its purpose, what was heard and found, its photo, and the needs recorded
    from it."""
    visit = selectors.get_visit_for_user(request.user, pk)
    household = visit.household
    caps = get_scope(request.user).caps_at(
        community_id=household.community_id,
        grid_id=household.grid_id,
        building_id=household.building_id,
    )
    return render(
        request,
        "casework/visit_detail.html",
        {
            "visit": visit,
            "household": household,
            "cases": list(selectors.cases_from_visit(user=request.user, visit=visit)),
            "can_report": Cap.REPORT_CASES in caps,
            "breadcrumbs": _household_crumbs(request, household),
        },
    )


@login_required
def visit_photo(request: HttpRequest, pk: int, size: str, token: str) -> HttpResponse:
    """One size of a visit's photo, only to those who may read the visit (never a public
    media URL); the token names its content, so the browser may keep it."""
    visit = selectors.get_visit_for_user(request.user, pk)
    if not visit.image:
        raise Http404
    return photo_response(visit, size, token)


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """The visit log of a household (?household=), of a node's subtree (?node=), or of
    the whole scope, newest first."""
    household = node = None
    if (pk := _int_param(request, "household")) is not None:
        household = registry_selectors.get_household_for_user(
            request.user, pk, Cap.VIEW_FULL_RECORD
        )
    elif (pk := _int_param(request, "node")) is not None:
        node = place_selectors.get_node_for_user(request.user, pk)
    if not get_scope(request.user).can(Cap.VIEW_FULL_RECORD):
        raise Http404
    visits = selectors.visit_list(
        user=request.user, household_id=household.pk if household else None, node=node
    )
    page = Paginator(visits, PER_PAGE).get_page(request.GET.get("page"))
    if household is not None:
        trail = _household_crumbs(request, household)
    else:
        trail = place_crumbs(request.user, node) if node else []
    return render(
        request,
        "casework/visit_list.html",
        {
            "page": page,
            "household": household,
            "node": node,
            "can_visit": household is not None
            and services.can_record_visit(request.user, household),
            "breadcrumbs": trail,
        },
    )


@login_required
def visits_due(request: HttpRequest) -> HttpResponse:
    """Households under ?node= not visited in BANYAN_VISIT_GAP_DAYS, never-visited first."""
    scope = get_scope(request.user)
    pk = _int_param(request, "node")
    if pk is None:
        roots = scope.root_nodes(Cap.VIEW_FULL_RECORD)
        if len(roots) != 1:
            raise Http404
        node = roots[0]
    else:
        node = place_selectors.get_node_for_user(request.user, pk)
    if Cap.VIEW_FULL_RECORD not in scope.caps_at_node(node):
        raise Http404
    households = selectors.households_not_visited(user=request.user, node=node)
    page = Paginator(households, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "casework/visits_due.html",
        {
            "node": node,
            "page": page,
            "gap_days": settings.BANYAN_VISIT_GAP_DAYS,
            "breadcrumbs": place_crumbs(request.user, node),
        },
    )


urlpatterns = [
    path("visits/", visit_list, name="visit-list"),
    path("visits/new/", visit_create, name="visit-create"),
    path("visits/due/", visits_due, name="visits-due"),
    path("visits/<int:pk>/", visit_detail, name="visit-detail"),
    path("visits/<int:pk>/photo/<str:size>/<str:token>.jpg", visit_photo, name="visit-photo"),
]
