"""Cases screens (the staff side of the service loop): my work, the case list, a case
with the moves the viewer may make now, recording a case, disputes, the inbox.

Thin views: each parses input, loads objects only through selectors (404 outside the
scope), calls one service and renders. A move is a POST to /cases/<id>/moves/<action>/;
the same URL answers GET with that move's form alone (for the moves whose choices are
too costly to build on every case page, and to show a form's errors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.errors import DomainError, InvalidTransition, ValidationFailed
from banyan.common.forms import run_service, version_field
from banyan.common.images import photo_response
from banyan.common.pages import form_view
from banyan.common.params import parse_id
from banyan.common.workflow import named, service_kwargs
from banyan.places import selectors as place_selectors
from banyan.places.models import NodeKind
from banyan.places.views import crumbs as place_crumbs
from banyan.registry import selectors as registry_selectors
from banyan.registry.models import PersonStatus

from .. import forms, public_selectors, selectors, services, staff_selectors
from ..models import Case, Channel, Kind, Route
from ..workflow import ACTIONS, FINAL_STATES, Move, Param, State
from ..workflow import DISPUTE_ACTIONS as WORKFLOW_DISPUTE_ACTIONS

CASES_PER_PAGE = 50
NOTIFICATIONS_PER_PAGE = 50
MY_WORK_ROWS = 50


# --- helpers --------------------------------------------------------------------------------


class _Raced(Exception):
    """Someone acted on the case first (InvalidTransition): say so and show the case."""


def _guarded(call: Callable[[], Any]) -> Callable[[], Any]:
    """Let InvalidTransition escape run_service (it is not the form's fault), and put a
    photo's error on the form's `photos` field."""

    def inner() -> Any:
        try:
            return call()
        except InvalidTransition as err:
            raise _Raced(str(err.message)) from err
        except DomainError as err:
            if err.field == "photo":
                err.field = "photos"
            raise

    return inner


def _int_param(request: HttpRequest, name: str) -> int | None:
    """?name=<id>: None when absent or empty; 404 when it cannot be an id."""
    value = request.GET.get(name, "")
    if not value:
        return None
    pk = parse_id(value)
    if pk is None:
        raise Http404
    return pk


def _require_cases(request: HttpRequest) -> None:
    """Pages of the service loop exist only for posts that see cases."""
    if not staff_selectors.can_see_cases(request.user):
        raise Http404


def _case_crumbs(request: HttpRequest) -> list[dict]:
    return [{"name": _("Cases"), "url": reverse("casework:case-list")}]


# --- my work --------------------------------------------------------------------------------


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """What to do next: overdue first, then assigned to me, to accept, due soon, the rest."""
    _require_cases(request)
    work = selectors.my_work(user=request.user, due_soon_hours=settings.BANYAN_DUE_SOON_HOURS)
    seen: set[int] = set()
    sections = []
    for key, title in (
        ("overdue", _("Overdue")),
        ("mine", _("Assigned to me")),
        ("to_accept", _("To accept")),
        ("due_soon", _("Due soon")),
        ("open", _("Everything else open")),
    ):
        rows = [c for c in work[key] if c.pk not in seen]
        seen.update(c.pk for c in rows)
        sections.append(
            {"key": key, "title": title, "rows": rows[:MY_WORK_ROWS], "count": len(rows)}
        )
    scope = get_scope(request.user)
    return render(
        request,
        "casework/my_work.html",
        {
            "sections": sections,
            "nothing": not any(s["rows"] for s in sections),
            "overdue": len(work["overdue"]),
            "mine": len(work["mine"]),
            "can_report": scope.can(Cap.REPORT_CASES),
            "can_chair": scope.can(Cap.CHAIR_MEETINGS),
            "unread": staff_selectors.unread_count(user=request.user),
            "roots": scope.root_nodes(Cap.VIEW_FULL_RECORD),
        },
    )


# --- the list -------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases in scope, filtered; a node outside the scope is a 404, a bad filter an error
    and an empty list (never the unfiltered scope)."""
    _require_cases(request)
    node_pk = _int_param(request, "node")
    node = place_selectors.get_node_for_user(request.user, node_pk) if node_pk else None
    # A first visit (nothing asked but a node or a page) shows the open cases; the filter
    # form always submits every field, so unticking "open only" then shows them all.
    data = request.GET.copy()
    if not set(data) - {"node", "page"}:
        data["open"] = "on"
    form = forms.CaseFilterForm(
        data, categories=staff_selectors.category_choices(user=request.user)
    )
    if form.is_valid():
        d = form.cleaned_data
        cases = selectors.case_list(
            user=request.user,
            node=node,
            state=d["state"],
            kind=d["kind"],
            category=d["category"],
            open_only=d["open"],
            overdue_only=d["overdue"],
            q=d["q"].strip(),
        )
    else:
        cases = selectors.case_list(user=request.user).none()
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "casework/case_list.html",
        {
            "form": form,
            "active": _active_filters(form),
            "node": node,
            "page": page,
            "now": timezone.now(),
            "breadcrumbs": place_crumbs(request.user, node) if node else [],
        },
    )


def _active_filters(form: forms.CaseFilterForm) -> list[str]:
    """The filters in force, as the summary line of the folded filter form."""
    if not form.is_valid():
        return []
    out = []
    for name, value in form.cleaned_data.items():
        if not value:
            continue
        field = form.fields[name]
        if value is True:
            out.append(str(field.label))
        elif hasattr(field, "choices"):
            out.append(str(dict(field.choices).get(value, value)))
        else:
            out.append(f"“{value}”")
    return out


# --- one case -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing a viewer may do on a case page, as the page shows it: built from its row
    of the workflow table (`step`), with its form class and the one service it calls."""

    step: Move
    form: type
    call: Callable[[HttpRequest, Case, dict], Any]

    @property
    def label(self) -> Any:
        return self.step.web_label or self.step.label

    @property
    def done(self) -> Any:
        return self.step.done

    @property
    def inline(self) -> bool:
        return self.step.inline

    @property
    def multipart(self) -> bool:
        return self.step.multipart

    @property
    def danger(self) -> bool:
        return self.step.danger


def _original(request: HttpRequest, case: Case, d: dict) -> Case:
    """A duplicate's original: a case number the user may see."""
    try:
        return selectors.get_case_for_user(request.user, d["original"])
    except Http404:
        raise ValidationFailed(
            _("No case with this number in your area."), field="original"
        ) from None


# What a form's cleaned value cannot be handed to the service as it is, by parameter name.
_VALUES: dict[str, Callable[[HttpRequest, Case, dict], Any]] = {"original": _original}


def web_actions(table: dict[str, Move]) -> dict[str, Action]:
    """The page's actions of a workflow table, by their name on the pages."""
    return {name: _action(step) for name, (_action_code, step) in named(table, "web").items()}


def _action(step: Move) -> Action:
    def call(request: HttpRequest, case: Case, d: dict) -> Any:
        def value(param: Param) -> Any:
            special = _VALUES.get(param.name)
            return special(request, case, d) if special else d[param.name]

        kwargs = service_kwargs(step, value, version=d.get("version"))
        return getattr(services, step.service)(actor=request.user, case=case, **kwargs)

    return Action(step, getattr(forms, step.form), call)


MOVE_ACTIONS: dict[str, Action] = web_actions(ACTIONS)
DISPUTE_ACTIONS: dict[str, Action] = web_actions(WORKFLOW_DISPUTE_ACTIONS)


def _move_allowed(action: str, case: Case, caps: frozenset[str]) -> bool:
    """Whether the page offers `action` now (the service checks again, under a lock)."""
    return MOVE_ACTIONS[action].step.offered(case, caps, case.state)


def _dispute_allowed(action: str, case: Case, caps: frozenset[str]) -> bool:
    return case.kind == Kind.DISPUTE and DISPUTE_ACTIONS[action].step.offered(
        case, caps, case.state
    )


def _form_kwargs(spec: Action, request: HttpRequest, case: Case) -> dict:
    """The choices a form needs, built only when that form is shown."""
    form = spec.form
    if form is forms.AssignForm:
        by_route = staff_selectors.assignee_choices(case=case)
        return {
            "choices": {
                Route.WINDOW.label: by_route[Route.WINDOW],
                Route.REPAIR.label: by_route[Route.REPAIR],
                _("Grid workers (errand or grid route)"): by_route[Route.GRID],
            }
        }
    if form is forms.HandOffForm:
        return {"grids": staff_selectors.handoff_grids(case=case)}
    if form is forms.PartyForm:
        return {"persons": staff_selectors.party_choices(user=request.user, case=case)}
    if form is forms.MediatorForm:
        return {"users": staff_selectors.assignee_choices(case=case)[Route.GRID]}
    return {}


def _form(action: str, spec: Action, request: HttpRequest, case: Case, bound=False):
    data = (request.POST, request.FILES) if bound else ()
    form = spec.form(*data, auto_id=f"id_{action}_%s", **_form_kwargs(spec, request, case))
    _carry_version(form)
    return form


def _carry_version(form: Any) -> None:
    """Every action form carries the case's version as the page showed it: a move made on
    a page that is out of date is refused and shown again (common.forms.show_stale)."""
    form.fields["version"] = version_field()


def _initial(spec: Action, case: Case) -> dict:
    initial: dict[str, Any] = {"version": case.version}
    if spec.form is forms.AgreementForm:
        initial["agreement"] = case.agreement
    if spec.form is forms.AssignForm:
        initial["route"] = case.route or case.category.default_route
        initial["assignee"] = case.assignee_id or ""
        initial["team"] = case.team
    if spec.form is forms.PublicTextForm:
        initial["text"] = case.public_text
    return initial


def _visible(request: HttpRequest, rows) -> list[bool]:
    """For each (community, grid, building) row: may the viewer open it in the registry?"""
    scope = get_scope(request.user)
    return [
        Cap.VIEW_REGISTRY
        in scope.caps_at(community_id=community, grid_id=grid, building_id=building)
        for community, grid, building in rows
    ]


# Verbs whose sentence does not carry the note: show it after the sentence.
_NOTE_APART = frozenset({"case_assigned", "case_handed_off", "case_confirmed", "mediation_held"})
# Steps nobody took: the system did (a resolved case closing after the days without
# objection). Any other step without a staff actor was the resident's.
_AUTOMATIC = frozenset({"case_auto_closed"})


def _history(case: Case, *, public_only: bool) -> list[dict]:
    rows = []
    for event in selectors.case_history(case=case, public_only=public_only):
        extra = []
        if event.verb == "case_assigned" and event.data.get("assignee"):
            extra.append(event.data["assignee"])
        if event.verb in _NOTE_APART and event.data.get("note"):
            extra.append(event.data["note"])
        rows.append(
            {
                "event": event,
                "extra": " · ".join(str(x) for x in extra),
                "automatic": event.verb in _AUTOMATIC,
            }
        )
    return rows


def _case_page(request: HttpRequest, case: Case) -> HttpResponse:
    caps = selectors.caps_for_case(request.user, case)
    handler = Cap.HANDLE_CASES in caps
    # Without the case's record (a building head on a neighbour's case) the page shows
    # what the resident's tracking page shows: category, place, state, public steps.
    record = Cap.VIEW_CASE_RECORD in caps
    readable = selectors.can_read_record(request.user, case, caps)
    moves = []
    for action, spec in MOVE_ACTIONS.items():
        if _move_allowed(action, case, caps):
            form = None
            if spec.inline:
                form = spec.form(auto_id=f"id_{action}_%s", initial=_initial(spec, case))
                _carry_version(form)
            moves.append({"action": action, "spec": spec, "form": form})
    # One-tap moves and links first, then the ones that open a form.
    moves.sort(key=lambda m: bool(m["form"] is not None and m["form"].visible_fields()))
    people = staff_selectors.case_people(case=case) if record else []
    places = [
        (c.person.community_id, c.person.grid_id, c.person.household.building_id) for c in people
    ]
    shown = _visible(request, places)
    linkable = {cp.person_id for cp, ok in zip(people, shown, strict=True) if ok}
    household_link = bool(
        case.household_id
        and _visible(
            request,
            [(case.household.community_id, case.household.grid_id, case.household.building_id)],
        )[0]
    )
    dispute = None
    dispute_actions = []
    visit_homes = []
    if case.kind == Kind.DISPUTE and record:
        dispute = staff_selectors.dispute_panel(case=case, people=people)
        for action, spec in DISPUTE_ACTIONS.items():
            if _dispute_allowed(action, case, caps):
                form = None
                if spec.inline:
                    form = spec.form(auto_id=f"id_{action}_%s", initial=_initial(spec, case))
                    _carry_version(form)
                dispute_actions.append({"action": action, "spec": spec, "form": form})
        if handler and case.state not in FINAL_STATES:
            visit_homes = [h for h in dispute.homes if services.can_record_visit(request.user, h)]
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "caps": caps,
            "handler": handler,
            "moves": moves,
            "people": people,
            "linkable": linkable,
            "household_link": household_link,
            "record": record,
            "readable": readable,
            "photos": staff_selectors.case_photos(user=request.user, case=case),
            # Staff read every event; a building head reads a case they reported as its
            # resident does (public steps), and of other cases only those steps too.
            "history": _history(case, public_only=not handler) if record else [],
            "public_history": [] if record else public_selectors.public_steps(case=case),
            "visit_link": bool(case.from_visit_id and record and Cap.VIEW_FULL_RECORD in caps),
            "dispute": dispute,
            "dispute_actions": dispute_actions,
            "visit_homes": visit_homes,
            "breadcrumbs": _case_crumbs(request),
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    return _case_page(request, case)


def _act(request: HttpRequest, pk: int, area: str, action: str) -> HttpResponse:
    """GET: the action's form alone. POST: call its one service; a form error re-renders,
    someone having acted first sends the user back to the case with a message."""
    case = selectors.get_case_for_user(request.user, pk)
    table = MOVE_ACTIONS if area == "moves" else DISPUTE_ACTIONS
    spec = table.get(action)
    if spec is None:
        raise Http404
    caps = selectors.caps_for_case(request.user, case)
    allowed = _move_allowed if area == "moves" else _dispute_allowed
    if not caps & spec.step.caps:
        raise PermissionDenied
    back = redirect("casework:case-detail", pk=case.pk)
    if request.method == "POST":
        form = _form(action, spec, request, case, bound=True)
        if form.is_valid():
            try:
                done = run_service(
                    form,
                    _guarded(lambda: spec.call(request, case, form.cleaned_data)),
                    current=lambda now: _initial(spec, now),
                )
            except _Raced as raced:
                messages.error(request, str(raced))
                return back
            if done is not None:
                messages.success(request, str(spec.done))
                return back
            if getattr(form, "stale_changes", None) is not None:
                case = selectors.get_case_for_user(request.user, pk)  # as it is now
    else:
        if not allowed(action, case, caps):
            messages.error(request, _("This cannot be done on the case now."))
            return back
        form = _form(action, spec, request, case)
        form.initial = _initial(spec, case)
    return render(
        request,
        "casework/case_action.html",
        {
            "case": case,
            "action": action,
            "spec": spec,
            "form": form,
            "post_url": reverse(f"casework:case-{area[:-1]}", args=[case.pk, action]),
            "breadcrumbs": [
                *_case_crumbs(request),
                {"name": f"#{case.pk}", "url": reverse("casework:case-detail", args=[case.pk])},
            ],
        },
    )


@login_required
def case_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return _act(request, pk, "moves", action)


@login_required
def case_dispute(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return _act(request, pk, "disputes", action)


@login_required
def case_photo(request: HttpRequest, pk: int, photo_pk: int, size: str, token: str) -> HttpResponse:
    """One size of a case photo, only to those who may see the case (never a public media
    URL); kept by their browser, as its URL changes with its content."""
    photo = staff_selectors.get_case_photo_for_user(request.user, pk, photo_pk)
    return photo_response(photo, size, token)


# --- recording a case -----------------------------------------------------------------------


def _place(request: HttpRequest):
    """The place a new case is for, from ?visit= (the visited household) / ?household= /
    ?building= / ?grid= (404 outside)."""
    household = building = grid = None
    if (pk := _int_param(request, "visit")) is not None:
        household = selectors.get_visit_for_user(request.user, pk).household
        building, grid = household.building, household.grid
    elif (pk := _int_param(request, "household")) is not None:
        household = registry_selectors.get_household_for_user(request.user, pk)
        building, grid = household.building, household.grid
    elif (pk := _int_param(request, "building")) is not None:
        building = place_selectors.get_building_for_user(request.user, pk)
        grid = building.grid
    elif (pk := _int_param(request, "grid")) is not None:
        grid = place_selectors.get_node_for_user(request.user, pk)
        if grid.kind != NodeKind.GRID_L2:
            raise Http404
    return grid, building, household


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    """Record a need for a household, a building or a place in a grid. Staff who handle
    the grid record it accepted; a building head's lands as submitted."""
    grid, building, household = _place(request)
    if grid is None:
        return _choose_place(request)
    visit_pk = _int_param(request, "visit")
    visit = selectors.get_visit_for_user(request.user, visit_pk) if visit_pk else None
    caps = get_scope(request.user).caps_at(
        community_id=grid.community_id or 0,
        grid_id=grid.pk,
        building_id=building.pk if building else None,
    )
    if Cap.REPORT_CASES not in caps:
        raise PermissionDenied
    handler = Cap.HANDLE_CASES in caps
    persons = (
        list(
            registry_selectors.person_list(
                user=request.user, household_id=household.pk, status=PersonStatus.LIVING_HERE
            )
        )
        if household
        else []
    )
    channel = request.GET.get("channel", "")

    def create(d: dict) -> Case:
        return _guarded(
            lambda: services.case_create(
                actor=request.user,
                category=d["category"],
                description=d["description"],
                title=d["title"],
                channel=d["channel"],
                grid=grid,
                building=building,
                household=household,
                persons=d.get("persons", []),
                reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"],
                on_behalf_of=d["on_behalf_of"],
                address=d.get("address", ""),
                photos=d["photos"],
                visit=visit,
            )
        )()

    if household is not None:
        where, back = household.label, reverse("registry:household-detail", args=[household.pk])
    elif building is not None:
        where, back = str(building), reverse("places:building-detail", args=[building.pk])
    else:
        where, back = grid.name, reverse("places:node-detail", args=[grid.pk])
    return form_view(
        request,
        forms.CaseCreateForm,
        create,
        done=lambda case: (
            _("Reported; the grid will accept it.")
            if case.state == State.SUBMITTED
            else _("Case #%(n)s recorded.") % {"n": case.pk}
        ),
        then=lambda case: reverse("casework:case-detail", args=[case.pk]),
        back=back,
        files=True,
        template="casework/case_form.html",
        context={
            "where": where,
            "handler": handler,
            "visit": visit,
            "breadcrumbs": place_crumbs(request.user, grid),
        },
        initial={
            "channel": Channel.VISIT
            if visit is not None or channel not in forms.STAFF_CHANNEL_VALUES
            else channel,
            # What the visit heard and found, for the worker to shorten or keep.
            "description": visit.notes if visit is not None else "",
        },
        categories=selectors.categories_for(community_id=grid.community_id or 0),
        persons=persons,
        channel_fixed="" if handler else Channel.BUILDING_HEAD,
        with_address=household is None,
    )


def _choose_place(request: HttpRequest) -> HttpResponse:
    """No place given: a building head goes to their building, a single-grid post to its
    grid, anyone else picks a grid."""
    scope = get_scope(request.user)
    for area in scope.areas:
        if area.building_id is not None and Cap.REPORT_CASES in area.caps:
            return redirect(f"{reverse('casework:case-create')}?building={area.building_id}")
    grids = staff_selectors.report_grids(user=request.user)
    if not grids:
        raise Http404
    if len(grids) == 1:
        return redirect(f"{reverse('casework:case-create')}?grid={grids[0].pk}")
    return render(request, "casework/case_place.html", {"grids": grids})


# --- the inbox ------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(staff_selectors.inbox_page(user=request.user), NOTIFICATIONS_PER_PAGE)
    return render(
        request,
        "casework/inbox.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "setting_form": forms.NotificationSettingForm(
                initial={"email": staff_selectors.email_opt_in(user=request.user)}
            ),
        },
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    form = forms.MarkReadForm(request.POST)
    if form.is_valid():
        ids = None if form.cleaned_data["all"] else form.cleaned_data["ids"]
        n = services.notifications_mark_read(user=request.user, ids=ids)
        messages.success(request, _("%(n)s marked as read.") % {"n": n})
    else:
        messages.error(request, _("Choose the notifications to mark as read."))
    return redirect("casework:inbox")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    return form_view(
        request,
        forms.NotificationSettingForm,
        lambda d: services.notification_setting_set(user=request.user, email=d["email"]),
        done=_("Notification setting saved."),
        then=reverse("casework:inbox"),
        template="casework/notification_settings.html",
        context={"breadcrumbs": [{"name": _("Inbox"), "url": reverse("casework:inbox")}]},
        initial={"email": staff_selectors.email_opt_in(user=request.user)},
    )


urlpatterns = [
    path("", case_list, name="case-list"),
    path("mine/", my_work, name="my-work"),
    path("new/", case_create, name="case-create"),
    path("inbox/", inbox, name="inbox"),
    path("inbox/read/", inbox_read, name="inbox-read"),
    path("inbox/settings/", notification_settings, name="notification-settings"),
    path("<int:pk>/", case_detail, name="case-detail"),
    path("<int:pk>/moves/<str:action>/", case_move, name="case-move"),
    path("<int:pk>/disputes/<str:action>/", case_dispute, name="case-dispute"),
    path(
        "<int:pk>/photos/<int:photo_pk>/<str:size>/<str:token>.jpg", case_photo, name="case-photo"
    ),
]
