"""Themed party days (主题党日): held, posted with photos, attendance per member."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from banyan.common.cleaning import clean_text
from banyan.common.errors import ValidationFailed
from banyan.common.images import clean_photo, store_photo

from ..models import (
    Attendance,
    Member,
    Org,
    OrgKind,
    Presence,
    ThemedDay,
    ThemedDayPhoto,
)
from ._base import User, check_date, event, require_org

MAX_PHOTOS = 9  # what fits in one WeChat post


def _save_photos(themed_day: ThemedDay, photos: Iterable[UploadedFile], actor: User) -> int:
    photos = list(photos)
    # Counted before any is decoded: a tenth photo costs nothing.
    if themed_day.photos.count() + len(photos) > MAX_PHOTOS:
        raise ValidationFailed(
            _("At most %(n)s photos per themed day.") % {"n": MAX_PHOTOS}, field="photos"
        )
    cleaned = [clean_photo(p, field="photos") for p in photos]
    for content in cleaned:
        photo = ThemedDayPhoto(
            community_id=themed_day.community_id, themed_day=themed_day, uploaded_by_id=actor.pk
        )
        store_photo(photo, content)
        photo.save()
    return len(cleaned)


@transaction.atomic
def themed_day_create(
    *,
    actor: User,
    branch: Org,
    held_on: dt.date,
    theme: str,
    content: str = "",
    photos: Iterable[UploadedFile] = (),
) -> ThemedDay:
    """Post a branch's themed day: it meets the month's "one themed day" obligation."""
    require_org(actor, branch)
    if branch.kind != OrgKind.BRANCH:
        raise ValidationFailed(_("Themed days are held by branches."), field="branch")
    held_on = check_date(held_on, "held_on", not_before=branch.active_from)
    day = ThemedDay.objects.create(
        community_id=branch.community_id,
        branch=branch,
        held_on=held_on,
        theme=clean_text(theme, "theme", required=True, max_length=100),
        content=clean_text(content, "content", max_length=4000),
        posted_by_id=actor.pk,
    )
    count = _save_photos(day, photos, actor)
    event(
        actor=actor,
        community=branch.community_id,
        verb="party_themed_day",
        summary=f"{branch.name}: {day.theme}",
        subject=day,
        data={"branch": branch.name, "theme": day.theme, "photos": count},
        occurred_on=held_on,
    )
    return day


@transaction.atomic
def themed_day_photos_add(
    *, actor: User, themed_day: ThemedDay, photos: Iterable[UploadedFile]
) -> int:
    """Add photos to a posted themed day (checked by content, metadata dropped)."""
    require_org(actor, themed_day.branch)
    themed_day = ThemedDay.objects.select_for_update().get(pk=themed_day.pk)
    photos = list(photos)
    if not photos:
        raise ValidationFailed(_("Choose a photo."), field="photos")
    count = _save_photos(themed_day, photos, actor)
    event(
        actor=actor,
        community=themed_day.community_id,
        verb="party_themed_day_photos",
        summary=themed_day.theme,
        subject=themed_day,
        data={"theme": themed_day.theme, "photos": count},
    )
    return count


@transaction.atomic
def attendance_record(
    *, actor: User, themed_day: ThemedDay, marks: Mapping[int, str]
) -> dict[str, int]:
    """Record who was present, excused or absent (member id → presence); replaces the
    earlier record for the members named. Members must be of the branch."""
    require_org(actor, themed_day.branch)
    themed_day = ThemedDay.objects.select_for_update().get(pk=themed_day.pk)
    for value in marks.values():
        if value not in Presence.values:
            raise ValidationFailed(_("Not a valid choice."), field="attendance")
    ids = set(marks)
    allowed = set(
        Member.objects.filter(pk__in=ids, branch_id=themed_day.branch_id).values_list(
            "pk", flat=True
        )
    ) | set(themed_day.attendance.filter(member_id__in=ids).values_list("member_id", flat=True))
    if ids - allowed:
        raise ValidationFailed(
            _("Only members of the branch attend its themed day."), field="attendance"
        )
    themed_day.attendance.filter(member_id__in=ids).delete()
    Attendance.objects.bulk_create(
        Attendance(
            community_id=themed_day.community_id,
            themed_day=themed_day,
            member_id=mid,
            presence=presence,
        )
        for mid, presence in sorted(marks.items())
    )
    counts = dict.fromkeys(Presence.values, 0)
    for presence in themed_day.attendance.values_list("presence", flat=True):
        counts[presence] += 1
    event(
        actor=actor,
        community=themed_day.community_id,
        verb="party_attendance",
        summary=themed_day.theme,
        subject=themed_day,
        data={"theme": themed_day.theme, **counts},
    )
    return counts
