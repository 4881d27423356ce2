"""How casework's events read on a timeline: their codes (banyan.timeline.verbs) — a
case's route and team, a visit's purpose — by their labels in the reader's language, and
a visit's photo as a thumbnail beside it (banyan.timeline.attachments). Registered from
CaseworkConfig.ready."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _

from banyan.timeline import attachments
from banyan.timeline.attachments import Thumbnail
from banyan.timeline.models import Event
from banyan.timeline.verbs import label, register_shaper

from . import selectors
from .models import Route, VisitPurpose, VolunteerTeam


def purpose_text(purpose: str, note: str) -> str:
    """A visit's purpose as a line: its label, and the note when there is one."""
    text = str(label(VisitPurpose, purpose))
    return f"{text} · {note}" if note else text


def _assigned(data: dict[str, Any]) -> dict[str, Any]:
    """`route` is the route's code (events written before kept its label beside it, in
    `route_label`, in their writer's language); a team route names the team too."""
    route = str(label(Route, data.get("route", "")))
    if data.get("route") == Route.TEAM and data.get("team"):
        route = f"{route} · {label(VolunteerTeam, data['team'])}"
    return {**data, "route": route}


def _visited(data: dict[str, Any]) -> dict[str, Any]:
    """The visit's purpose from its code and note. Events written before kept it as one
    line in the writer's language ("日常走访 · 高龄老人"): its label is read back."""
    if "purpose_note" in data:
        return {**data, "purpose": purpose_text(data.get("purpose_code", ""), data["purpose_note"])}
    head, sep, rest = str(data.get("purpose", "")).partition(" · ")
    return {**data, "purpose": f"{label(VisitPurpose, head)}{sep}{rest}"}


def _visit_photos(
    user: AbstractBaseUser | AnonymousUser, events: list[Event]
) -> dict[int, Thumbnail]:
    """Each visit event's photo, where the visit has one the reader may open."""
    visit_ids = {
        e.pk: e.data["visit"]
        for e in events
        if isinstance(e.data, dict) and isinstance(e.data.get("visit"), int)
    }
    visits = {v.pk: v for v in selectors.visits_with_photos(user=user, ids=visit_ids.values())}
    found = {}
    for event_id, visit_id in visit_ids.items():
        visit = visits.get(visit_id)
        if visit is not None:
            found[event_id] = Thumbnail(
                src=reverse("casework:visit-photo", args=[visit.pk, "thumb", visit.thumb_token]),
                href=reverse("casework:visit-photo", args=[visit.pk, "medium", visit.medium_token]),
                alt=_("Photo taken at the visit"),
            )
    return found


def register() -> None:
    register_shaper("case_assigned", _assigned)
    register_shaper("household_visited", _visited)
    attachments.register("household_visited", _visit_photos)
