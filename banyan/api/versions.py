"""The API's side of optimistic concurrency (common.versioning): an edit names the
`version` it was based on, in the body; without one a PATCH is refused with 428."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from banyan.common.errors import VersionRequired

from .schemas import ConflictOut, ErrorOut

# The answers every versioned edit documents, besides its own.
EDIT = {409: ConflictOut, 428: ErrorOut}


def take_version(changes: dict[str, Any]) -> int:
    """Pop the required `version` from a PATCH's fields (VersionRequired → 428)."""
    version = changes.pop("version", None)
    if version is None:
        raise VersionRequired(
            _(
                "Send the version you read (the object's `version`), so that an edit based "
                "on an old copy cannot overwrite a newer change."
            ),
            field="version",
        )
    return int(version)
