"""Case services: one function per workflow move (see workflow.py for the table).

Each takes the acting user (None for a resident without an account, who acts
through the tracking code), locks the case, checks the state it expects, changes it
and writes one event: on the case's history and on each linked household's
timeline. Notifications go out after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import CASE_ROUTES, Cap
from banyan.accounts.scope import get_scope
from banyan.common.cleaning import clean_choice, clean_text
from banyan.common.coordinates import clean_point
from banyan.common.errors import InvalidTransition, ValidationFailed
from banyan.common.images import clean_photo, store_photo
from banyan.common.phone import normalize_phone
from banyan.places.models import Building, Node, NodeKind
from banyan.registry.models import Household, Person
from banyan.timeline.services import record
from banyan.timeline.versions import check_version

from ..models import (
    RESIDENT_CHANNELS,
    Case,
    CaseCategory,
    CasePerson,
    CasePhoto,
    Channel,
    Route,
    Visit,
    VolunteerTeam,
)
from ..selectors import can_read_record, caps_for_case
from ..workflow import MOVES, State
from . import notify

User = AbstractBaseUser | AnonymousUser


def display_name(user: AbstractBaseUser) -> str:
    """The name staff know a colleague by: the full name when set, else the username."""
    full = getattr(user, "get_full_name", None)
    return (full() if callable(full) else "") or user.get_username()


# --- guards and helpers --------------------------------------------------------------------


def _require(actor: User | None, case: Case, cap: str = Cap.HANDLE_CASES) -> None:
    if actor is None:
        raise PermissionDenied
    caps = caps_for_case(actor, case)
    if Cap.VIEW_CASES not in caps:
        raise Http404
    if cap not in caps:
        raise PermissionDenied


def _lock(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "community", "household", "duplicate_of")
        .get(pk=case.pk)
    )


def _expect(case: Case, action: str) -> None:
    if not MOVES[action].allows(case.state):
        raise InvalidTransition(
            _(
                "This case is %(state)s; it cannot be changed that way now (someone may have "
                "acted on it first)."
            )
            % {"state": case.get_state_display()},
            field="action",
        )


def _persons(case: Case) -> list[Person]:
    return [cp.person for cp in case.people.select_related("person")]


def _event(
    actor: User | None,
    case: Case,
    verb: str,
    *,
    note: str = "",
    public: bool = False,
    public_note: str = "",
    on_behalf_of: str = "",
    **data: Any,
) -> None:
    """One event on the case's history. `public` puts the step on the resident's tracking
    page; only `public_note` (written for the resident, or the resident's own words) is
    shown with it there. `note` is for staff."""
    households = [case.household] if case.household_id else []
    record(
        actor=actor,
        community=case.community,
        verb=verb,
        summary=f"#{case.pk} {case.title}",
        households=households,
        persons=_persons(case),
        subject=case,
        on_behalf_of=on_behalf_of,
        data={
            "case": case.pk,
            "title": case.title,
            "state": case.state,
            "note": note,
            "public": public,
            "public_note": public_note if public else "",
            **data,
        },
    )


def _save(case: Case, *fields: str) -> None:
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "updated_at"])


def _locked(
    actor: User | None,
    case: Case,
    action: str,
    cap: str | None = Cap.HANDLE_CASES,
    version: int | None = None,
) -> Case:
    """Lock the case row, then check (on the fresh row) that the actor may act, that it is
    still at the `version` the move was based on (None: not checked, for a resident's
    move and API clients that send none) and that the case is in a state the action
    expects. `cap` None: a resident's own move."""
    locked = _lock(case)
    if cap is not None:
        _require(actor, locked, cap)
    check_version(locked, version)
    _expect(locked, action)
    return locked


def _move(
    actor: User | None,
    case: Case,
    action: str,
    cap: str | None = Cap.HANDLE_CASES,
    version: int | None = None,
) -> Case:
    """The common core of a transition: lock, check, set the target state."""
    locked = _locked(actor, case, action, cap, version)
    target = MOVES[action].target
    if target is not None:
        locked.state = target
    return locked


# --- create ---------------------------------------------------------------------------------


def _place_of(
    *, grid: Node | None, building: Building | None, household: Household | None
) -> tuple[Node, Building | None, Household | None]:
    if household is not None:
        building = household.building
        grid = household.grid
    elif building is not None:
        grid = building.grid
    if grid is None or grid.kind != NodeKind.GRID_L2:
        raise ValidationFailed(_("Say where: a grid, building or household."), field="grid")
    return grid, building, household


@transaction.atomic
def case_create(
    *,
    actor: User | None,
    category: CaseCategory,
    description: str,
    channel: str,
    title: str = "",
    grid: Node | None = None,
    building: Building | None = None,
    household: Household | None = None,
    persons: Iterable[Person] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter: Person | None = None,
    on_behalf_of: str = "",
    address: str = "",
    lat: Decimal | float | str | None = None,
    lng: Decimal | float | str | None = None,
    photos: Iterable[UploadedFile] = (),
    public_text: str = "",
    visit: Visit | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Record a need. Staff who handle cases in the grid record it accepted; a building
    head, the QR form or an API client leave it submitted for the grid to accept.

    `actor` None is a resident without an account (QR poster, Open311): the caller has
    already applied the rate limits. Only they come in through a resident channel
    (RESIDENT_CHANNELS), and only their words may become the case's `public_text`: what
    staff write is internal, whatever channel they name.

    `visit`: the home visit the need was heard at (the case links to it, and its notes
    are the description when none is given).
    """
    if visit is not None:
        if household is None and building is None and grid is None:
            household = visit.household
        description = description or visit.notes
    grid, building, household = _place_of(grid=grid, building=building, household=household)
    community_id = grid.community_id
    assert community_id is not None
    handler = False
    if actor is not None:
        caps = get_scope(actor).caps_at(
            community_id=community_id,
            grid_id=grid.pk,
            building_id=building.pk if building else None,
        )
        if Cap.REPORT_CASES not in caps:
            raise Http404
        handler = Cap.HANDLE_CASES in caps
    if category.community_id not in (None, community_id) or not category.active:
        raise ValidationFailed(_("Not a valid choice."), field="category")
    description = clean_text(description, "description", required=True, max_length=4000)
    title = clean_text(title, "title", max_length=100) or description.splitlines()[0][:60]
    channel = clean_choice(channel, Channel, "channel")
    if (channel in RESIDENT_CHANNELS) != (actor is None):
        # Staff never write as a resident of the public form, and public intake is never
        # staff: the channel says whose words these are.
        raise ValidationFailed(
            _("Staff record a case as a visit, a call, a walk-in or a building head's report."),
            field="channel",
        )
    public_text = clean_text(public_text, "public_text", max_length=4000)
    if visit is not None:
        if actor is None or visit.community_id != community_id:
            raise ValidationFailed(_("Not a visit of this community."), field="visit")
        if Cap.VIEW_FULL_RECORD not in get_scope(actor).caps_at(
            community_id=visit.community_id,
            grid_id=visit.grid_id,
            building_id=visit.household.building_id,
        ):
            raise ValidationFailed(_("Not a visit of your grids."), field="visit")
    phone = normalize_phone(reporter_phone, field="reporter_phone") if reporter_phone else ""
    if on_behalf_of and actor is None:
        raise ValidationFailed(_("Only staff enter on behalf of a resident."), field="on_behalf_of")
    people = list(persons)
    for person in people:
        if person.community_id != community_id:
            raise ValidationFailed(_("Not a resident of this community."), field="persons")
    point_lat, point_lng = clean_point(lat, lng)
    cleaned_photos = [clean_photo(p) for p in photos]
    now = now or timezone.now()
    case = Case.objects.create(
        community_id=community_id,
        grid=grid,
        compound_id=building.compound_id if building else None,
        building=building,
        household=household,
        kind=category.kind,
        category=category,
        title=title,
        description=description,
        channel=channel,
        reporter_name=clean_text(reporter_name, "reporter_name", max_length=50),
        reporter_phone=phone,
        reporter=reporter,
        entered_by_id=actor.pk if actor is not None else None,
        on_behalf_of=clean_text(on_behalf_of, "on_behalf_of", max_length=100),
        address=clean_text(address, "address"),
        lat=point_lat,
        lng=point_lng,
        public_text=public_text,
        from_visit=visit,
        state=State.ACCEPTED if handler else State.SUBMITTED,
        created_at=now,
        updated_at=now,
        due_at=now + category.deadline,
    )
    CasePerson.objects.bulk_create(CasePerson(case=case, person=p) for p in people)
    for content in cleaned_photos:
        photo = CasePhoto(case=case, stage=CasePhoto.Stage.REPORT, uploaded_by=case.entered_by)
        store_photo(photo, content)
        photo.save()
    _event(
        actor,
        case,
        "case_created",
        on_behalf_of=case.on_behalf_of,
        public=True,
        channel=channel,
        category=category.name,
        visit=visit.pk if visit is not None else None,
    )
    if case.state == State.SUBMITTED:
        notify.new_case(case)
    return case


# --- triage ---------------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, actor: User, case: Case, version: int | None = None) -> Case:
    """The grid takes the case on (from the QR form, a building head or the API)."""
    case = _move(actor, case, "accept", version=version)
    _save(case, "state")
    _event(actor, case, "case_accepted", public=True)
    return case


@transaction.atomic
def case_reject(*, actor: User, case: Case, reason: str, version: int | None = None) -> Case:
    """Refuse a case, telling the resident why."""
    reason = clean_text(reason, "reason", required=True, max_length=300)
    case = _move(actor, case, "reject", version=version)
    case.public_note = reason
    case.closed_at = timezone.now()
    _save(case, "state", "public_note", "closed_at")
    _event(actor, case, "case_rejected", note=reason, public=True, public_note=reason)
    return case


@transaction.atomic
def case_mark_duplicate(
    *, actor: User, case: Case, original: Case, version: int | None = None
) -> Case:
    """Point a case at the one it repeats; later updates go to the original too."""
    original = Case.objects.select_related("duplicate_of").get(pk=original.pk)
    _require(actor, original, Cap.VIEW_CASES)
    root = original.duplicate_of or original
    if root.pk == case.pk:
        raise ValidationFailed(_("A case cannot duplicate itself."), field="original")
    if root.community_id != case.community_id:
        raise ValidationFailed(_("Choose a case of the same community."), field="original")
    case = _move(actor, case, "mark_duplicate", version=version)
    case.duplicate_of = root
    case.closed_at = timezone.now()
    _save(case, "state", "duplicate_of", "closed_at")
    _event(actor, case, "case_duplicate", public=True, original=root.pk)
    return case


# --- routing --------------------------------------------------------------------------------


def can_take(user: AbstractBaseUser, case: Case, route: str) -> bool:
    """Whether the user holds a post that handles this case on `route`: the window and
    the repair centre take their own routes, grid posts the errands and the rest."""
    for area in get_scope(user).areas:
        if Cap.HANDLE_CASES not in area.caps or not area.covers(
            community_id=case.community_id, grid_id=case.grid_id, building_id=case.building_id
        ):
            continue
        own_route = CASE_ROUTES.get(area.post.role)
        if own_route == route or (own_route is None and route not in CASE_ROUTES.values()):
            return True
    return False


def _check_assignee(case: Case, route: str, assignee: AbstractBaseUser | None) -> None:
    if assignee is None:
        if route in (Route.ERRAND, Route.GRID):
            raise ValidationFailed(_("Choose who runs it."), field="assignee")
        return
    if not can_take(assignee, case, route):
        raise ValidationFailed(_("This person cannot take cases on that route."), field="assignee")


@transaction.atomic
def case_assign(
    *,
    actor: User,
    case: Case,
    route: str,
    assignee: AbstractBaseUser | None = None,
    team: str = "",
    note: str = "",
    version: int | None = None,
) -> Case:
    """Route the case: to the window, as the grid worker's errand (代办), to the repair
    centre, to a volunteer team, or to a named grid worker."""
    route = clean_choice(route, Route, "route")
    if route == Route.TEAM:
        if not team:
            raise ValidationFailed(_("Choose the volunteer team."), field="team")
        team = clean_choice(team, VolunteerTeam, "team")
    case = _move(actor, case, "assign", version=version)
    _check_assignee(case, route, assignee)
    case.route = route
    case.assignee_id = assignee.pk if assignee is not None else None
    case.team = team if route == Route.TEAM else ""
    _save(case, "state", "route", "assignee", "team")
    _event(
        actor,
        case,
        "case_assigned",
        note=clean_text(note, "note", max_length=300),
        public=True,
        route=route,  # codes: the sentence shows their labels (casework.verbs)
        assignee=display_name(assignee) if assignee else "",
        **({"team": case.team} if case.team else {}),
    )
    notify.assigned(case)
    return case


@transaction.atomic
def case_hand_off(
    *, actor: User, case: Case, grid: Node, note: str, version: int | None = None
) -> Case:
    """流转: pass the case to another L2 grid of the community, which accepts it anew."""
    if grid.kind != NodeKind.GRID_L2 or grid.community_id != case.community_id:
        raise ValidationFailed(_("Choose a second-level grid of this community."), field="grid")
    note = clean_text(note, "note", required=True, max_length=300)
    case = _move(actor, case, "hand_off", version=version)
    if grid.pk == case.grid_id:
        raise ValidationFailed(_("The case is already in this grid."), field="grid")
    source = case.grid
    case.grid = grid
    case.route = ""
    case.assignee_id = None
    if case.building is not None and case.building.grid_id != grid.pk:
        case.building = None
        case.compound = None
    _save(case, "state", "grid", "route", "assignee", "building", "compound")
    _event(actor, case, "case_handed_off", note=note, source=source.name, target=grid.name)
    notify.new_case(case)
    return case


@transaction.atomic
def case_start(*, actor: User, case: Case, version: int | None = None) -> Case:
    case = _move(actor, case, "start", version=version)
    _save(case, "state")
    _event(actor, case, "case_started", public=True)
    return case


@transaction.atomic
def case_resolve(
    *,
    actor: User,
    case: Case,
    note: str,
    public_note: str = "",
    photos: Iterable[UploadedFile] = (),
    version: int | None = None,
) -> Case:
    """The work is done; the resident is asked "is it fixed?". An errand (代办) needs
    proof of hand-over: a note and a photo. `note` is internal; only `public_note`, written
    for the resident, is shown on the tracking page and in Open311."""
    note = clean_text(note, "note", required=True, max_length=1000)
    cleaned = [clean_photo(p) for p in photos]
    locked = _locked(actor, case, "resolve", version=version)
    if locked.route == Route.ERRAND and not cleaned:
        raise ValidationFailed(_("An errand needs a photo of the hand-over."), field="photos")
    locked.state = State.RESOLVED
    locked.resolved_at = timezone.now()
    public_note = clean_text(public_note, "public_note", max_length=300)
    if public_note:
        locked.public_note = public_note
    _save(locked, "state", "resolved_at", "public_note")
    stage = CasePhoto.Stage.PROOF if locked.route == Route.ERRAND else CasePhoto.Stage.RESOLUTION
    for content in cleaned:
        photo = CasePhoto(case=locked, stage=stage, public=True, uploaded_by_id=actor.pk)
        store_photo(photo, content)
        photo.save()
    _event(actor, locked, "case_resolved", note=note, public=True, public_note=public_note)
    return locked


# --- the clock ------------------------------------------------------------------------------


@transaction.atomic
def case_suspend(*, actor: User, case: Case, reason: str, version: int | None = None) -> Case:
    """挂起: stop the deadline clock (waiting for a part, for the resident …)."""
    reason = clean_text(reason, "reason", required=True, max_length=300)
    locked = _locked(actor, case, "suspend", version=version)
    locked.state_before_suspend = locked.state
    locked.state = State.SUSPENDED
    locked.suspended_since = timezone.now()
    _save(locked, "state", "state_before_suspend", "suspended_since")
    _event(actor, locked, "case_suspended", note=reason, public=True)
    return locked


@transaction.atomic
def case_resume(*, actor: User, case: Case, version: int | None = None) -> Case:
    """解挂: the clock runs again; the due time moves by the time spent suspended."""
    locked = _locked(actor, case, "resume", version=version)
    now = timezone.now()
    paused = now - (locked.suspended_since or now)
    locked.due_at = locked.due_at + paused
    locked.state = locked.state_before_suspend or State.ACCEPTED
    locked.state_before_suspend = ""
    locked.suspended_since = None
    _save(locked, "state", "state_before_suspend", "suspended_since", "due_at")
    _event(
        actor,
        locked,
        "case_resumed",
        public=True,
        paused_hours=round(paused.total_seconds() / 3600, 1),
    )
    return locked


@transaction.atomic
def case_escalate(*, actor: User, case: Case, reason: str, version: int | None = None) -> Case:
    """Send the case to the committee meeting (党总支会议)."""
    reason = clean_text(reason, "reason", required=True, max_length=300)
    case = _move(actor, case, "escalate", version=version)
    _save(case, "state")
    _event(actor, case, "case_escalated", note=reason)
    return case


# --- closing --------------------------------------------------------------------------------


def _resident_or_staff(actor: User | None, case: Case, on_behalf_of: str) -> str:
    """A resident acts through the tracking code (actor None); staff may act for them."""
    if actor is None:
        return ""
    _require(actor, case, Cap.HANDLE_CASES)
    return clean_text(on_behalf_of, "on_behalf_of", required=True, max_length=100)


@transaction.atomic
def case_confirm(
    *,
    actor: User | None,
    case: Case,
    rating: int,
    comment: str = "",
    on_behalf_of: str = "",
    version: int | None = None,
) -> Case:
    """The resident says it is fixed, with a rating (1–5) and a comment."""
    behalf = _resident_or_staff(actor, case, on_behalf_of)
    if rating not in range(1, 6):
        raise ValidationFailed(_("Give a rating from 1 to 5."), field="rating")
    comment = clean_text(comment, "comment", max_length=1000)
    case = _move(actor, case, "confirm", cap=None, version=version)  # staff checked above
    case.rating = rating
    case.feedback = comment
    case.closed_at = timezone.now()
    _save(case, "state", "rating", "feedback", "closed_at")
    _event(
        actor,
        case,
        "case_confirmed",
        note=comment,
        public=True,
        public_note=comment,
        rating=rating,
        on_behalf_of=behalf,
    )
    notify.confirmed(case)
    return case


@transaction.atomic
def case_reopen(
    *,
    actor: User | None,
    case: Case,
    comment: str,
    on_behalf_of: str = "",
    version: int | None = None,
) -> Case:
    """ "Not fixed": the resident reopens a resolved case (or a closed one, for a while)."""
    behalf = _resident_or_staff(actor, case, on_behalf_of)
    comment = clean_text(comment, "comment", required=True, max_length=1000)
    locked = _locked(actor, case, "reopen", cap=None, version=version)  # staff checked above
    if locked.state == State.CLOSED:
        window = dt.timedelta(days=settings.BANYAN_REOPEN_DAYS)
        if locked.closed_at is None or timezone.now() - locked.closed_at > window:
            raise InvalidTransition(
                _("This case was closed too long ago; please report it again."), field="action"
            )
    locked.state = State.REOPENED
    locked.resolved_at = None
    locked.closed_at = None
    locked.rating = None
    _save(locked, "state", "resolved_at", "closed_at", "rating")
    _event(
        actor,
        locked,
        "case_reopened",
        note=comment,
        public=True,
        public_note=comment,
        on_behalf_of=behalf,
    )
    notify.reopened(locked)
    return locked


@transaction.atomic
def case_close(*, actor: User, case: Case, note: str, version: int | None = None) -> Case:
    """Close without the resident: a committee decision, or a category that needs no
    confirmation."""
    note = clean_text(note, "note", required=True, max_length=300)
    locked = _locked(actor, case, "close", version=version)
    if locked.state == State.RESOLVED and locked.category.needs_confirmation:
        raise InvalidTransition(
            _(
                "The resident confirms this kind of case (or it closes by itself after "
                "%(days)s days)."
            )
            % {"days": settings.BANYAN_AUTO_CLOSE_DAYS},
            field="action",
        )
    locked.state = State.CLOSED
    locked.closed_at = timezone.now()
    _save(locked, "state", "closed_at")
    _event(actor, locked, "case_closed", note=note, public=True)
    return locked


@transaction.atomic
def case_auto_close(*, case: Case, now: dt.datetime | None = None) -> Case | None:
    """Close a resolved case nobody objected to within BANYAN_AUTO_CLOSE_DAYS; None when
    it is not (or no longer) due."""
    now = now or timezone.now()
    locked = _lock(case)
    limit = dt.timedelta(days=settings.BANYAN_AUTO_CLOSE_DAYS)
    if locked.state != State.RESOLVED or not locked.resolved_at or now - locked.resolved_at < limit:
        return None
    locked.state = State.CLOSED
    locked.closed_at = now
    _save(locked, "state", "closed_at")
    _event(None, locked, "case_auto_closed", public=True, days=settings.BANYAN_AUTO_CLOSE_DAYS)
    return locked


def close_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Auto-close every resolved case past the window; each in its own transaction."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.BANYAN_AUTO_CLOSE_DAYS)
    closed = 0
    for case in Case.objects.filter(state=State.RESOLVED, resolved_at__lte=cutoff).only("pk"):
        if case_auto_close(case=case, now=now) is not None:
            closed += 1
    return closed


# --- notes ----------------------------------------------------------------------------------


@transaction.atomic
def case_note(*, actor: User, case: Case, note: str, public: bool = False) -> Case:
    """A note on the history; a note on a duplicate is forwarded to the original. Only on
    a case whose record the actor reads: a building head notes what he reported, not a
    neighbour's case he sees the state of."""
    _require(actor, case, Cap.VIEW_CASES)
    caps = caps_for_case(actor, case)
    if not caps & {Cap.HANDLE_CASES, Cap.REPORT_CASES} or not can_read_record(actor, case, caps):
        raise PermissionDenied
    note = clean_text(note, "note", required=True, max_length=1000)
    locked = _lock(case)
    _save(locked)
    _event(actor, locked, "case_note", note=note, public=public, public_note=note)
    if locked.duplicate_of is not None:
        original = _lock(locked.duplicate_of)
        _save(original)
        _event(
            actor,
            original,
            "case_note",
            note=note,
            public=public,
            public_note=note,
            forwarded_from=locked.pk,
        )
    return locked
