"""Cards on a user's home page, contributed by the apps that own the work they show.

The home page (banyan.places.views.home) sits low in the layers: it must not import the
apps above it (party, later contributions and wishes). Each of those registers, from its
`AppConfig.ready()`, a function of the request that returns a `Card` (a template and its
context) or None when it has nothing for this user; the page shows the cards it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Card:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100  # smaller first


Provider = Callable[[HttpRequest], Card | None]

_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace: `ready()` may run twice) the card provider called `name`."""
    _PROVIDERS[name] = provider


def unregister(name: str) -> None:
    _PROVIDERS.pop(name, None)


def cards(request: HttpRequest) -> list[Card]:
    """The cards every registered app has for this request's user, in their order."""
    found = [card for provider in _PROVIDERS.values() if (card := provider(request)) is not None]
    return sorted(found, key=lambda card: card.order)
