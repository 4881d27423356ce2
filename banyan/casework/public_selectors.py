"""Reads for the pages residents open without an account (QR form, tracking page).

There is no user to scope by: the building's poster token or the case's tracking code
is the credential, and what these return is only what a resident may see.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from banyan.places.models import Building

from .models import BuildingIntake, Case, CasePhoto


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
