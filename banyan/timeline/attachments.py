"""What an event shows beside its sentence on a timeline: a photo's thumbnail (a visit's),
from the app that wrote the event. The timeline sits below those apps, so each registers
a function for its verbs from its AppConfig.ready; it loads what the reader may see, in
one query for all the events of a page, and never more."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import Event


@dataclass(frozen=True)
class Thumbnail:
    src: str  # the thumbnail's URL
    href: str  # what a tap opens (the medium size)
    alt: str


# (the reader, the events of one verb) → event id → what it shows.
Attacher = Callable[[AbstractBaseUser | AnonymousUser, list[Event]], dict[int, Thumbnail]]

_ATTACHERS: dict[str, Attacher] = {}


def register(verb: str, attacher: Attacher) -> None:
    _ATTACHERS[verb] = attacher


def attach(user: AbstractBaseUser | AnonymousUser, events: Iterable[Event]) -> list[Event]:
    """The events, each with `thumbnail` set (None when it shows none). The attacher
    checks the reader's scope: an event whose photo the reader may not open shows none."""
    events = list(events)
    by_verb: dict[str, list[Event]] = {}
    for event in events:
        event.thumbnail = None  # type: ignore[attr-defined]
        if event.verb in _ATTACHERS:
            by_verb.setdefault(event.verb, []).append(event)
    for verb, group in by_verb.items():
        found = _ATTACHERS[verb](user, group)
        for event in group:
            event.thumbnail = found.get(event.pk)  # type: ignore[attr-defined]
    return events
