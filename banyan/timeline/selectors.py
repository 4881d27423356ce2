"""Timelines (活档案): events for a household or a person, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Event


def household_timeline(
    *, household_id: int, include_sensitive: bool, limit: int | None = 100
) -> QuerySet[Event]:
    """Events linked to the household; the caller has already checked scope."""
    qs = Event.objects.filter(links__household_id=household_id)
    if not include_sensitive:
        qs = qs.filter(sensitive=False)
    qs = qs.select_related("actor").distinct()
    return qs if limit is None else qs[:limit]


def person_timeline(
    *, person_id: int, include_sensitive: bool, limit: int | None = 100
) -> QuerySet[Event]:
    """Events linked to the person; the caller has already checked scope."""
    qs = Event.objects.filter(links__person_id=person_id)
    if not include_sensitive:
        qs = qs.filter(sensitive=False)
    qs = qs.select_related("actor").distinct()
    return qs if limit is None else qs[:limit]
