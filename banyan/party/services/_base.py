"""What every party service shares: the guards, date checks and the one event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope, require
from banyan.common.errors import ValidationFailed
from banyan.places.models import Node
from banyan.timeline.models import Event
from banyan.timeline.services import record

from ..models import Org, PartyDataVersion

User = AbstractBaseUser | AnonymousUser
SEEING = frozenset({Cap.VIEW_PARTY})


def require_org(actor: User, org: Org, cap: str = Cap.MANAGE_PARTY) -> None:
    """Http404 unless the actor sees the org's rows; PermissionDenied without `cap`."""
    require(get_scope(actor).caps_at_node(org.node), cap, seeing=SEEING)


def require_admin(actor: User, community_id: int) -> None:
    """Http404 unless the actor administers party data for the whole community."""
    require(get_scope(actor).caps_at(community_id=community_id), Cap.PARTY_ADMIN, seeing=SEEING)


def today() -> dt.date:
    return timezone.localdate()


def check_date(value: dt.date | None, field: str, *, not_before: dt.date | None = None) -> dt.date:
    if value is None:
        raise ValidationFailed(_("This date is required."), field=field)
    if value > today():
        raise ValidationFailed(_("This date is in the future."), field=field)
    if not_before is not None and value < not_before:
        raise ValidationFailed(
            _("This date is before %(date)s.") % {"date": not_before.isoformat()}, field=field
        )
    return value


def event(
    *,
    actor: User | None,
    community: Node | int,
    verb: str,
    summary: str,
    subject: Any,
    data: dict[str, Any],
    occurred_on: dt.date | None = None,
) -> Event:
    """Write the service's one event. Party events are sensitive and never linked to a
    household or person: party membership must not surface on the registry's timelines,
    which grid workers read (SECURITY.md 5). The subject keeps them findable."""
    if isinstance(community, int):
        community = Node.objects.get(pk=community)
    written = record(
        actor=actor,
        community=community,
        verb=verb,
        summary=summary,
        occurred_on=occurred_on,
        subject=subject,
        data=data,
        sensitive=True,
    )
    # Kept compliance tallies of this community are stale from now on (one upsert).
    PartyDataVersion.objects.bulk_create(
        [PartyDataVersion(community=community, last_event_id=written.pk)],
        update_conflicts=True,
        unique_fields=["community"],
        update_fields=["last_event_id"],
    )
    return written
