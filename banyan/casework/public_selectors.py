"""Reads for the pages residents open without an account (QR form, tracking page).

There is no user to scope by: the building's poster token or the case's tracking code
is the credential, and what these return is only what a resident may see.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from banyan.places.models import Building

from .models import BuildingIntake, Case, CasePhoto, Route
from .selectors import case_history

# What each public step of the history says to someone who may not read the case's record
# (the resident on the tracking page, a building head on a neighbour's case). Staff names,
# the person a case is assigned to, its title and internal notes never appear: only the
# step, and the note staff wrote for the resident.
PUBLIC_STEPS = {
    "case_created": _("Report received"),
    "case_accepted": _("Taken on by the grid"),
    "case_rejected": _("Not taken on"),
    "case_duplicate": _("Already reported: handled together with the earlier report"),
    "case_assigned": _("Passed to: %(route)s"),
    "case_started": _("Work started"),
    "case_resolved": _("Done — is it fixed?"),
    "case_suspended": _("On hold"),
    "case_resumed": _("Work resumed"),
    "case_confirmed": _("Confirmed fixed (%(rating)s/5)"),
    "case_reopened": _("Reopened: not fixed"),
    "case_closed": _("Closed"),
    "case_auto_closed": _("Closed: nobody said it was not fixed"),
    "case_note": _("Note"),
}


# Events recorded before steps carried their own `public_note`: the note of these verbs was
# always meant for the resident (a rejection's reason, the resident's own words, a note
# staff marked public). Any other old note stays inside.
_OLD_PUBLIC_NOTES = frozenset({"case_rejected", "case_confirmed", "case_reopened", "case_note"})


def _public_note(verb: str, data: dict) -> str:
    if "public_note" in data:
        return str(data["public_note"] or "")
    return str(data.get("note") or "") if verb in _OLD_PUBLIC_NOTES else ""


@dataclass(frozen=True)
class PublicStep:
    verb: str
    when: dt.datetime
    text: str
    note: str


def public_steps(*, case: Case) -> list[PublicStep]:
    """The case's public history, oldest first, as its resident reads it."""
    steps = []
    for event in case_history(case=case, public_only=True):
        data = event.data or {}
        route = data.get("route", "")
        text = str(PUBLIC_STEPS.get(event.verb, _("Update")))
        with contextlib.suppress(KeyError, TypeError, ValueError):  # a stray % in a translation
            text = text % {
                "route": Route(route).label if route in Route.values else "",
                "rating": data.get("rating", ""),
            }
        steps.append(
            PublicStep(event.verb, event.recorded_at, text, _public_note(event.verb, data))
        )
    return steps


def get_building_by_intake_token(token: str) -> Building:
    """The building a QR poster links to, or Http404 (also for a retired token)."""
    intake = (
        BuildingIntake.objects.select_related("building__compound", "building__community")
        .filter(token=token)
        .first()
    )
    if intake is None:
        raise Http404
    return intake.building


def public_photos(*, case: Case) -> QuerySet[CasePhoto]:
    """Photos staff marked public (the work done); never the resident's own report photo."""
    return case.photos.filter(public=True).order_by("uploaded_at", "id")


def get_public_photo(*, case: Case, pk: int) -> CasePhoto:
    photo = public_photos(case=case).filter(pk=pk).first()
    if photo is None:
        raise Http404
    return photo
