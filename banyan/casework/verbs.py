"""How casework's events show their codes on a timeline (banyan.timeline.verbs): a case's
route and team, a visit's purpose, by their labels in the reader's language. Registered
from CaseworkConfig.ready."""

from __future__ import annotations

from typing import Any

from banyan.timeline.verbs import label, register_shaper

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


def register() -> None:
    register_shaper("case_assigned", _assigned)
    register_shaper("household_visited", _visited)
