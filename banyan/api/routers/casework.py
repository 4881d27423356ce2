"""The service loop: cases (list, detail, create, transitions), home visits, committee
meetings. Same scope, services and masking as the pages: outside the scope is 404.

A transition is POST /cases/{id}/transitions with {"action": ..., ...parameters}; each
action calls the one service of that move (workflow.py), so the API can do nothing the
pages cannot. An action the case's state does not allow is 409 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from banyan.accounts.roles import Cap
from banyan.casework import selectors, services
from banyan.casework.models import Case, Meeting, Route
from banyan.casework.public_selectors import PublicStep, public_steps
from banyan.casework.services.visits import visit_record
from banyan.casework.staff_selectors import assignee_choices, handoff_grids
from banyan.casework.workflow import ACTIONS, MOVES, Move, Param
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.common.workflow import named, service_kwargs
from banyan.places.selectors import get_building_for_user, get_node_for_user
from banyan.registry.selectors import get_household_for_user, get_person_for_user

from ..auth import actor
from ..pagination import page, page_of
from ..routing import Router
from ..schemas import ConflictOut, ErrorOut, ListParams, Page
from ..schemas_casework import (
    CaseDetailOut,
    CaseEventOut,
    CaseFilters,
    CaseIn,
    CaseOut,
    MeetingDetailOut,
    MeetingOut,
    TransitionIn,
    VisitFilters,
    VisitIn,
    VisitOut,
)

router = Router(tags=["casework"])

READ = {403: ErrorOut, 404: ErrorOut}
WRITE = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- shaping --------------------------------------------------------------------------------


def _case_fields(case: Case, caps: frozenset[str], readable: bool) -> dict[str, Any]:
    """`readable`: the caller may read the case's record (selectors.can_read_record);
    without it a case is its category, place and state (a building head on a neighbour's
    case)."""
    registry = Cap.VIEW_REGISTRY in caps and readable
    return {
        "id": case.pk,
        "version": case.version,
        "title": case.title if readable else case.category.display_name,
        "category": case.category.code,
        "category_name": case.category.display_name,
        "kind": case.kind,
        "state": case.state,
        "route": case.route,
        "community": case.community_id,
        "grid": case.grid_id,
        "building": case.building_id,
        "household": case.household_id if registry else None,
        "assignee": case.assignee.get_username()
        if case.assignee is not None and Cap.VIEW_CASE_RECORD in caps
        else None,
        "reporter_phone": case.reporter_phone_masked if readable else "",
        "due_at": case.due_at,
        "overdue": case.is_overdue(),
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def _case_out(user: Any, case: Case) -> CaseOut:
    caps = selectors.caps_for_case(user, case)
    readable = getattr(case, "readable", None)
    if readable is None:
        readable = selectors.can_read_record(user, case, caps)
    return CaseOut(**_case_fields(case, caps, readable))


def _event_out(event: Any) -> CaseEventOut:
    data = event.data or {}
    return CaseEventOut(
        id=event.pk,
        verb=event.verb,
        text=event.text,
        recorded_at=event.recorded_at,
        actor=event.actor.get_username() if event.actor_id else None,
        on_behalf_of=event.on_behalf_of,
        public=bool(data.get("public")),
        note=str(data.get("note") or ""),
    )


def _step_out(step: PublicStep) -> CaseEventOut:
    """A public step, for a caller without the case's record: what its resident reads."""
    return CaseEventOut(
        id=None,
        verb=step.verb,
        text=step.text,
        recorded_at=step.when,
        actor=None,
        on_behalf_of="",
        public=True,
        note=step.note,
    )


def _actions(case: Case, caps: frozenset[str], readable: bool) -> list[str]:
    if Cap.HANDLE_CASES not in caps:
        return ["note"] if Cap.REPORT_CASES in caps and readable else []
    moves = [a for a, (_a, step) in named(MOVES, "api").items() if step.allows(case.state)]
    if case.came_from_resident:
        moves += [
            "edit_public_text",
            "show_public_text" if case.public_text_hidden else "hide_public_text",
        ]
    return [*moves, "note"]


def _case_detail_out(user: Any, case: Case) -> CaseDetailOut:
    caps = selectors.caps_for_case(user, case)
    record = Cap.VIEW_CASE_RECORD in caps
    readable = selectors.can_read_record(user, case, caps)
    registry = Cap.VIEW_REGISTRY in caps and record
    persons = list(case.people.values_list("person_id", flat=True)) if registry else []
    resident = record and case.came_from_resident
    return CaseDetailOut(
        **_case_fields(case, caps, readable),
        description=case.description if readable else "",
        address=case.address if readable else "",
        lat=case.lat,
        lng=case.lng,
        channel=case.channel,
        reporter_name=case.reporter_name if readable else "",
        entered_by=case.entered_by.get_username()
        if case.entered_by is not None and readable
        else None,
        on_behalf_of=case.on_behalf_of if readable else "",
        team=case.team,
        duplicate_of=case.duplicate_of_id,
        public_note=case.public_note,
        public_text=case.public_text if resident else "",
        public_text_hidden=case.public_text_hidden if resident else False,
        from_visit=case.from_visit_id if record else None,
        rating=case.rating,
        feedback=case.feedback if readable else "",
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        persons=sorted(persons),
        actions=_actions(case, caps, readable),
        history=[_event_out(e) for e in selectors.case_history(case=case)]
        if record
        else [_step_out(s) for s in public_steps(case=case)],
    )


# --- cases ----------------------------------------------------------------------------------


@router.get("/cases", response={200: Page[CaseOut], **READ})
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> Any:
    """Cases in your scope, soonest due first. The window and the repair centre see the
    cases routed to them. `node` outside your scope is 404."""
    user = actor(request)
    node = get_node_for_user(user, filters.node) if filters.node is not None else None
    qs = selectors.case_list(
        user=user,
        node=node,
        state=filters.state or "",
        kind=filters.kind or "",
        category=filters.category,
        overdue_only=filters.overdue,
        route=filters.route or "",
        q=filters.q,
    )
    items, count = page_of(qs, filters)
    return page([_case_out(user, c) for c in items], count)


@router.get("/cases/{id}", response={200: CaseDetailOut, **READ})
def get_case(request: HttpRequest, id: int) -> Any:
    """One case with its whole history (each event says whether the resident sees it)."""
    user = actor(request)
    return _case_detail_out(user, selectors.get_case_for_user(user, id))


@router.post("/cases", response={201: CaseDetailOut, **WRITE})
def create_case(request: HttpRequest, payload: CaseIn) -> Any:
    """Record a need at a household, a building or a second-level grid (say one), or heard
    at a `visit` (its household, and its notes as the description when none is given).
    Staff who handle the grid record it accepted; others (a building head) leave it
    submitted. What staff write is internal: a case recorded here is never published
    (Open311 shows its category only). Photos are added on the case page: this JSON
    endpoint takes none."""
    user = actor(request)
    visit = selectors.get_visit_for_user(user, payload.visit) if payload.visit is not None else None
    household = (
        get_household_for_user(user, payload.household) if payload.household is not None else None
    )
    if visit is not None and household is None and payload.building is None:
        household = visit.household  # a need heard at a visit is the visited household's
    building = (
        get_building_for_user(user, payload.building) if payload.building is not None else None
    )
    grid = get_node_for_user(user, payload.grid) if payload.grid is not None else None
    place = household or building or grid
    if place is None:
        raise ValidationFailed(_("Say where: a grid, building or household."), field="grid")
    community_id = place.community_id
    assert community_id is not None
    category = (
        selectors.categories_for(community_id=community_id).filter(code=payload.category).first()
    )
    if category is None:
        raise ValidationFailed(_("Not a valid choice."), field="category")
    persons = [get_person_for_user(user, pk) for pk in payload.persons]
    case = services.case_create(
        actor=user,
        category=category,
        description=payload.description,
        channel=payload.channel,
        title=payload.title,
        grid=grid,
        building=building,
        household=household,
        persons=persons,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        on_behalf_of=payload.on_behalf_of,
        address=payload.address,
        lat=payload.lat,
        lng=payload.lng,
        visit=visit,
    )
    return Status(201, _case_detail_out(user, selectors.get_case_for_user(user, case.pk)))


# --- transitions ----------------------------------------------------------------------------


def _assignee(case: Case, route: str, value: int | str | None) -> Any:
    """The named user, if they can take the case on that route (looked up only among
    those: a username outside the community is as unknown as a wrong one)."""
    if value is None or value == "":
        return None
    if route not in Route.values:
        raise ValidationFailed(_("Not a valid choice."), field="route")
    wanted = str(value).strip()
    for candidate in assignee_choices(case=case)[route]:
        if str(candidate.pk) == wanted or candidate.get_username() == wanted:
            return candidate
    raise ValidationFailed(_("This person cannot take cases on that route."), field="assignee")


def _original(user: Any, p: TransitionIn) -> Case:
    if p.original is None:
        raise ValidationFailed(_("This field is required."), field="original")
    return selectors.get_case_for_user(user, p.original)


def _hand_off_grid(case: Case, p: TransitionIn) -> Any:
    grid = handoff_grids(case=case).filter(pk=p.grid).first() if p.grid is not None else None
    if grid is None:
        raise ValidationFailed(_("Choose a second-level grid of this community."), field="grid")
    return grid


Handler = Callable[[Any, Case, TransitionIn], Case]

# What a body's field cannot be handed to the service as it is, by parameter name.
_VALUES: dict[str, Handler] = {
    "original": lambda u, c, p: _original(u, p),
    "assignee": lambda u, c, p: _assignee(c, p.route, p.assignee),
    "grid": lambda u, c, p: _hand_off_grid(c, p),
    "rating": lambda u, c, p: p.rating or 0,
}


def transitions(table: dict[str, Move]) -> dict[str, Handler]:
    """The API's transitions of a workflow table, by their name over the API."""
    return {name: _handler(step) for name, (_action, step) in named(table, "api").items()}


def _handler(step: Move) -> Handler:
    def handler(user: Any, case: Case, payload: TransitionIn) -> Case:
        def value(param: Param) -> Any:
            special = _VALUES.get(param.name)
            if special is not None:
                return special(user, case, payload)
            return getattr(payload, param.api_field or param.name)

        kwargs = service_kwargs(step, value, version=payload.version, api=True)
        return getattr(services, step.service)(actor=user, case=case, **kwargs)

    return handler


def describe(table: dict[str, Move]) -> str:
    """The transition endpoint's description: one line per transition, with its body's
    fields, from the same table."""
    lines = []
    for name, (_action, step) in named(table, "api").items():
        fields = [
            f"`{p.api_field}`" + (f" ({p.doc})" if p.doc else "")
            for p in step.params
            if p.api_field is not None
        ]
        line = f"- `{name}`" + (": " + ", ".join(fields) if fields else "")
        if step.api_note:
            line += f". {step.api_note}"
        lines.append(line)
    return (
        'Move the case. Body: `{"action": <action>, ...parameters}`:\n\n'
        + "\n".join(lines)
        + "\n\nSend the case's `version` as you read it to make the move conditional: when "
        "the case changed since, the answer is 409 with the version now and the fields that "
        "changed (the web pages always send it). An unknown action or a bad parameter is 400 "
        "naming the field; a move the case's state does not allow (someone acted first) is "
        "409; a case outside your scope is 404."
    )


TRANSITIONS: dict[str, Handler] = transitions(ACTIONS)


@router.post(
    "/cases/{id}/transitions",
    response={200: CaseDetailOut, 409: ConflictOut | ErrorOut, **WRITE},
    description=describe(ACTIONS),
)
def transition_case(request: HttpRequest, id: int, payload: TransitionIn) -> Any:
    user = actor(request)
    case = selectors.get_case_for_user(user, id)  # 404 first: the body cannot probe
    handler = TRANSITIONS.get(payload.action)
    if handler is None:
        raise ValidationFailed(
            _("Unknown action; use one of: %(actions)s.")
            % {"actions": ", ".join(sorted(TRANSITIONS))},
            field="action",
        )
    try:
        moved = handler(user, case, payload)
    except InvalidTransition as err:
        return Status(409, {"detail": str(err.message), "field": err.field})
    # The mover may no longer see the case (handed off, routed away): answer with what
    # it became all the same, shaped by the caps they have on it now.
    return _case_detail_out(user, moved)


# --- visits ---------------------------------------------------------------------------------


@router.get("/visits", response={200: Page[VisitOut], **READ})
def list_visits(request: HttpRequest, filters: Query[VisitFilters]) -> Any:
    """Home visits (走访) in your scope, newest first; for posts that see the full record."""
    user = actor(request)
    node = get_node_for_user(user, filters.node) if filters.node is not None else None
    household = (
        get_household_for_user(user, filters.household) if filters.household is not None else None
    )
    qs = selectors.visit_list(
        user=user, household_id=household.pk if household else None, node=node
    )
    items, count = page_of(qs, filters)
    return page(items, count)


@router.post("/visits", response={201: VisitOut, **WRITE})
def create_visit(request: HttpRequest, payload: VisitIn) -> Any:
    """Log a visit to a household, by you: its purpose (with a note), what you heard and
    found. `dispute_case` makes it a dispute's follow-up. A photo is added on the visit
    form: this JSON endpoint takes none."""
    user = actor(request)
    household = get_household_for_user(user, payload.household)
    dispute = (
        selectors.get_case_for_user(user, payload.dispute_case)
        if payload.dispute_case is not None
        else None
    )
    visit = visit_record(
        actor=user,
        household=household,
        visited_on=payload.visited_on,
        purpose=payload.purpose,
        purpose_note=payload.purpose_note,
        heard=payload.heard,
        findings=payload.findings,
        dispute_case=dispute,
    )
    return Status(201, visit)


# --- meetings -------------------------------------------------------------------------------


@router.get("/meetings", response={200: Page[MeetingOut], **READ})
def list_meetings(request: HttpRequest, filters: Query[ListParams]) -> Any:
    """Committee meetings (党总支会议) of the communities where you chair them."""
    user = actor(request)
    qs = selectors.meeting_list(user=user)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    items, count = page_of(qs, filters)
    return page(items, count)


@router.get("/meetings/{id}", response={200: MeetingDetailOut, **READ})
def get_meeting(request: HttpRequest, id: int) -> Any:
    """One meeting with its agenda items and decisions."""
    meeting: Meeting = selectors.get_meeting_for_user(actor(request), id)
    meeting.agenda_items = list(  # type: ignore[attr-defined]
        meeting.items.select_related("case").order_by("sort_order", "id")
    )
    return meeting
