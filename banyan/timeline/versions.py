"""Refusing an edit based on an old version, and saying what changed since.

A versioned row (common.versioning.Versioned) counts its changes; each event whose
subject it is records the version that change made and the fields it saved. So the
fields changed since version n are those named by the row's events past n.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from banyan.common.errors import StaleEdit
from banyan.common.versioning import Versioned

from .models import Event


def changed_since(obj: Versioned, version: int) -> list[str]:
    """The fields of `obj` its events say were changed after `version`, sorted. A change
    made as a side effect of another object's event (members moved by a household
    merge) is not named here: the list can be shorter than the truth, never longer."""
    rows = Event.objects.filter(
        subject_type=obj._meta.model_name, subject_id=obj.pk, data__version__gt=version
    ).values_list("data", flat=True)
    return sorted({str(name) for data in rows for name in (data.get("changed") or ())})


def check_version(obj: Versioned, version: int | None) -> None:
    """Raise StaleEdit unless `obj` (locked by the caller) is still at `version`.

    None skips the check: only for callers that did not read the row first (imports,
    the demo builder, a resident's move on the tracking page); edges that show a row
    and take an edit of it always send the version.
    """
    if version is None or obj.version == version:
        return
    changed = changed_since(obj, version) if version < obj.version else []
    raise StaleEdit(
        _(
            "Someone else changed this while you were working on it. Look at what changed "
            "and make your change again."
        ),
        current=obj.version,
        changed=changed,
        obj=obj,
    )
