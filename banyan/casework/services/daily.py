"""The daily run (`manage.py casework_daily`): auto-close, then due-soon / overdue notices.

Who is told about an open case: its assignee, the grid posts over its grid (grid
managers and leaders) and, for a case routed to the window or the repair centre, that
centre's staff — the people whose "my work" shows it. Each gets at most one notice
of each kind per case per (local) day: running the command twice sends nothing new.
People who opted in to email get one digest email listing their new notices.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from banyan.accounts.models import Post
from banyan.accounts.roles import CASE_ROUTES, Role

from ..models import Case, Notification, NotificationSetting
from ..workflow import OPEN_STATES, State
from . import notify
from .cases import close_unconfirmed

GRID_ROLES = (Role.GRID_MANAGER, Role.GRID_LEADER)
DEADLINE_KINDS = (Notification.Kind.DUE_SOON, Notification.Kind.OVERDUE)


@dataclass
class DailySummary:
    """Counts only: the summary is printed and logged, so it carries no personal data."""

    auto_closed: int = 0
    due_soon: int = 0
    overdue: int = 0
    notifications: int = 0
    skipped: int = 0  # already told today
    users: int = 0
    emails: int = 0
    per_kind: dict[str, int] = field(default_factory=dict)


def _local_midnight(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _recipients(cases: list[Case]) -> dict[int, set[int]]:
    """Case id → the active users to tell, from one query over the relevant posts."""
    communities = sorted({c.community_id for c in cases})
    posts = list(
        Post.objects.filter(
            active=True,
            user__is_active=True,
            community_id__in=communities,
            role__in=[*GRID_ROLES, *CASE_ROUTES],
        ).select_related("node")
    )
    result: dict[int, set[int]] = defaultdict(set)
    for case in cases:
        who = result[case.pk]
        if case.assignee_id is not None:
            who.add(case.assignee_id)
        for post in posts:
            if post.community_id != case.community_id:
                continue
            if post.role in GRID_ROLES:
                if case.grid.path.startswith(post.node.path):
                    who.add(post.user_id)
            elif case.route and CASE_ROUTES.get(post.role) == case.route:
                who.add(post.user_id)
    return result


def _active(user_ids: set[int]) -> set[int]:
    return set(
        get_user_model()
        .objects.filter(pk__in=sorted(user_ids), is_active=True)
        .values_list("pk", flat=True)
    )


def _digest_text(items: list[tuple[Case, bool]]) -> str:
    # Case numbers and titles only: never a resident's name, phone or household by email.
    lines = [
        "{label}: #{n} {title} ({due:%Y-%m-%d %H:%M})".format(
            label=_("Overdue") if overdue else _("Due soon"),
            n=case.pk,
            title=case.title,
            due=timezone.localtime(case.due_at),
        )
        for case, overdue in items
    ]
    header = str(_("Your cases that need attention today:"))
    # The site's address when the deployment names one (a nightly job has no request).
    link = [settings.BANYAN_PUBLIC_URL] if settings.BANYAN_PUBLIC_URL else []
    return "\n".join([header, "", *lines, "", *link])


def deadline_notices(*, now: dt.datetime | None = None) -> DailySummary:
    """Tell each person about their due-soon and overdue open cases, once per case and
    kind per local day; one digest email per person who opted in."""
    now = now or timezone.now()
    soon = now + dt.timedelta(hours=settings.BANYAN_DUE_SOON_HOURS)
    summary = DailySummary()
    cases = list(
        Case.objects.filter(state__in=OPEN_STATES, due_at__lte=soon)
        .exclude(state=State.SUSPENDED)
        .select_related("grid")
        .order_by("due_at", "id")
    )
    if not cases:
        return summary
    overdue_ids = {c.pk for c in cases if c.is_overdue(now)}
    summary.overdue = len(overdue_ids)
    summary.due_soon = len(cases) - summary.overdue

    told = set(
        Notification.objects.filter(
            kind__in=DEADLINE_KINDS, created_at__gte=_local_midnight(now)
        ).values_list("user_id", "case_id", "kind")
    )
    recipients = _recipients(cases)
    active = _active(set().union(*recipients.values()))
    per_user: dict[int, list[tuple[Case, bool]]] = defaultdict(list)
    for case in cases:
        overdue = case.pk in overdue_ids
        kind = Notification.Kind.OVERDUE if overdue else Notification.Kind.DUE_SOON
        for user_id in sorted(recipients[case.pk] & active):
            if (user_id, case.pk, kind) in told:
                summary.skipped += 1
                continue
            per_user[user_id].append((case, overdue))

    opted_in = dict(
        get_user_model()
        .objects.filter(
            pk__in=NotificationSetting.objects.filter(
                user_id__in=sorted(per_user), email=True
            ).values("user_id")
        )
        .exclude(email="")
        .values_list("pk", "email")
    )
    for user_id, items in per_user.items():
        with transaction.atomic():
            for case, overdue in items:
                notify.deadline(user_id, case, overdue=overdue, email=False)
                label = "overdue" if overdue else "due_soon"
                summary.per_kind[label] = summary.per_kind.get(label, 0) + 1
            summary.notifications += len(items)
            address = opted_in.get(user_id)
            if address:
                need = ngettext(
                    "%(n)s case needs attention", "%(n)s cases need attention", len(items)
                )
                subject = str(_("Banyan")) + ": " + need % {"n": len(items)}
                body = _digest_text(items)
                transaction.on_commit(
                    partial(
                        send_mail,
                        subject,
                        body,
                        settings.DEFAULT_FROM_EMAIL,
                        [address],
                        fail_silently=True,
                    )
                )
                summary.emails += 1
    summary.users = len(per_user)
    return summary


def casework_daily(*, now: dt.datetime | None = None) -> DailySummary:
    """The whole daily run: auto-close resolved cases past BANYAN_AUTO_CLOSE_DAYS, then
    the deadline notices. Safe to run more than once a day."""
    now = now or timezone.now()
    closed = close_unconfirmed(now=now)
    summary = deadline_notices(now=now)
    summary.auto_closed = closed
    return summary
