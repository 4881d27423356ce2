"""The one way to write an event. Services call `record` inside their own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from banyan.common.versioning import Versioned
from banyan.places.models import Node

from .models import Event, EventLink


def record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    community: Node,
    verb: str,
    summary: str,
    occurred_on: dt.date | None = None,
    households: Iterable[Any] = (),
    persons: Iterable[Any] = (),
    subject: Any = None,
    on_behalf_of: str = "",
    data: dict[str, Any] | None = None,
    sensitive: bool = False,
) -> Event:
    """Write one event and link it to each household and person it concerns.

    A person is also linked through their current household, so a person's event
    appears on the household timeline too. When the subject is a versioned row, the
    event records the version the change made and the fields it saved, so "what
    changed since version n" can be answered (timeline.versions).
    """
    assert transaction.get_connection().in_atomic_block, (
        "record() runs inside a service's transaction"
    )
    data = dict(data or {})
    if isinstance(subject, Versioned):
        data["version"] = subject.version
        data["changed"] = subject.take_changes()
    event = Event.objects.create(
        community=community,
        verb=verb,
        summary=summary[:300],
        occurred_on=occurred_on or timezone.localdate(),
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        on_behalf_of=on_behalf_of,
        data=data,
        sensitive=sensitive,
        subject_type=subject._meta.model_name if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
    )
    pairs: set[tuple[int | None, int | None]] = set()
    for person in persons:
        pairs.add((person.household_id, person.pk))
    linked = {h for h, _p in pairs}
    for household in households:
        if household.pk not in linked:
            pairs.add((household.pk, None))
    EventLink.objects.bulk_create(
        EventLink(event=event, household_id=h, person_id=p) for h, p in sorted(pairs, key=str)
    )
    return event
