"""Security alerts to a community's administrators.

Raised by the lower apps (the lookup guard, accounts.lookups); delivered by whichever app
keeps an inbox. Casework holds the inbox and sits above accounts and registry, so it
registers a deliverer from its AppConfig.ready() instead of being imported from here.
Every alert also goes to the server log (without personal data), so one is never lost
when no deliverer is installed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from .models import Post
from .roles import CAPABILITIES, Cap

log = logging.getLogger("banyan.security")

Deliverer = Callable[[list[int], str], None]
_deliverers: list[Deliverer] = []


def register_deliverer(deliver: Deliverer) -> None:
    """Add a function (user ids, text) that delivers an alert, e.g. into an inbox."""
    if deliver not in _deliverers:
        _deliverers.append(deliver)


def administrators(community_ids: Iterable[int]) -> list[int]:
    """Users holding an active post that manages posts in any of these communities."""
    roles = [role for role, caps in CAPABILITIES.items() if Cap.MANAGE_POSTS in caps]
    return sorted(
        set(
            Post.objects.filter(
                active=True, community_id__in=sorted(set(community_ids)), role__in=roles
            ).values_list("user_id", flat=True)
        )
    )


def alert_administrators(*, community_ids: Iterable[int], text: str, reason: str) -> list[int]:
    """Tell the administrators of these communities; returns who was told. `reason` is a
    short code for the server log; `text` (no personal data in it) is what they read."""
    recipients = administrators(community_ids)
    log.warning("security alert %s: %d administrator(s) told", reason, len(recipients))
    for deliver in list(_deliverers):
        deliver(recipients, text)
    return recipients
