"""Notifications: in-app inbox rows and opt-in email, always after the change commits."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from banyan.accounts.models import Post
from banyan.accounts.roles import CASE_ROUTES, Role
from banyan.common.errors import ValidationFailed

from ..models import Case, Notification, NotificationSetting


def _deliver(
    user_ids: Iterable[int], kind: str, case: Case | None, text: str, *, email: bool = True
) -> None:
    ids = sorted(set(user_ids))
    if not ids:
        return

    def send() -> None:
        Notification.objects.bulk_create(
            Notification(user_id=uid, kind=kind, case=case, text=text[:300]) for uid in ids
        )
        if not email:
            return
        emails = (
            get_user_model()
            .objects.filter(
                pk__in=NotificationSetting.objects.filter(user_id__in=ids, email=True).values(
                    "user_id"
                )
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
        for address in emails:
            # Titles only; never a resident's name, phone or household in an email.
            send_mail(
                str(_("Banyan")) + ": " + text[:120],
                text,
                settings.DEFAULT_FROM_EMAIL,
                [address],
                fail_silently=True,
            )

    transaction.on_commit(send)


def grid_staff(case: Case) -> list[int]:
    """Users holding a grid post over the case's grid (grid manager, leader, secretary)."""
    paths = []
    parts = [p for p in case.grid.path.split("/") if p]
    for i in range(len(parts)):
        paths.append("/".join(parts[: i + 1]) + "/")
    return list(
        Post.objects.filter(
            active=True,
            community_id=case.community_id,
            role__in=[Role.GRID_MANAGER, Role.GRID_LEADER],
            node__path__in=paths,
        ).values_list("user_id", flat=True)
    )


def route_staff(case: Case) -> list[int]:
    roles = [role for role, route in CASE_ROUTES.items() if route == case.route]
    return list(
        Post.objects.filter(
            active=True, community_id=case.community_id, role__in=roles
        ).values_list("user_id", flat=True)
    )


def new_case(case: Case) -> None:
    text = _("New case #%(n)s in %(grid)s: %(title)s") % {
        "n": case.pk,
        "grid": case.grid.name,
        "title": case.title,
    }
    _deliver(grid_staff(case), Notification.Kind.NEW_CASE, case, text)


def assigned(case: Case) -> None:
    text = _("Case #%(n)s assigned: %(title)s") % {"n": case.pk, "title": case.title}
    ids = [case.assignee_id] if case.assignee_id else route_staff(case)
    _deliver([i for i in ids if i], Notification.Kind.ASSIGNED, case, text)


def mediator_named(case: Case, *, by: AbstractBaseUser) -> None:
    """The person named to mediate a dispute learns it (unless they named themselves)."""
    if case.mediator_id is None or case.mediator_id == by.pk:
        return
    text = _("You mediate dispute #%(n)s: %(title)s") % {"n": case.pk, "title": case.title}
    _deliver([case.mediator_id], Notification.Kind.ASSIGNED, case, text)


def reopened(case: Case) -> None:
    text = _("Case #%(n)s reopened by the resident: %(title)s") % {
        "n": case.pk,
        "title": case.title,
    }
    ids = [*grid_staff(case), *([case.assignee_id] if case.assignee_id else [])]
    _deliver(ids, Notification.Kind.REOPENED, case, text)


def confirmed(case: Case) -> None:
    text = _("Case #%(n)s confirmed fixed (%(rating)s/5): %(title)s") % {
        "n": case.pk,
        "rating": case.rating,
        "title": case.title,
    }
    ids = [*([case.assignee_id] if case.assignee_id else []), *grid_staff(case)]
    _deliver(ids, Notification.Kind.CONFIRMED, case, text)


def deadline(user_id: int, case: Case, *, overdue: bool, email: bool = True) -> None:
    """Due soon / overdue; `email=False` when the caller sends one digest email instead
    (casework_daily)."""
    kind = Notification.Kind.OVERDUE if overdue else Notification.Kind.DUE_SOON
    text = (
        _("Case #%(n)s is overdue: %(title)s")
        if overdue
        else _("Case #%(n)s is due soon: %(title)s")
    ) % {"n": case.pk, "title": case.title}
    _deliver([user_id], kind, case, text, email=email)


def security_alert(user_ids: list[int], text: str) -> None:
    """accounts.alerts' deliverer: an alert for a community's administrators."""
    _deliver(user_ids, Notification.Kind.SECURITY, None, text)


# --- the inbox (the user's own rows; no event: reading one's inbox changes no case) --------


@transaction.atomic
def notifications_mark_read(*, user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read: those in `ids`, or all of them when `ids`
    is None. Other users' ids are ignored. Returns how many were marked."""
    qs = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=[int(i) for i in ids])
    return qs.update(read_at=timezone.now())


@transaction.atomic
def notification_setting_set(*, user: AbstractBaseUser, email: bool) -> NotificationSetting:
    """Opt in to (or out of) notifications by email; opting in needs an address on file."""
    if email and not (getattr(user, "email", "") or "").strip():
        raise ValidationFailed(
            _("Your account has no email address; ask the community secretary to add one."),
            field="email",
        )
    setting, _created = NotificationSetting.objects.update_or_create(
        user_id=user.pk, defaults={"email": bool(email)}
    )
    return setting
