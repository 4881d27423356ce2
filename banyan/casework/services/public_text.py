"""Moderating what a resident wrote for the public (FixMyStreet's way): a case that came in
through the QR poster or Open311 publishes the resident's own words as its public text;
staff who handle the case may correct it (a name, a phone number, a neighbour's door) or
hide it. The internal description is never published, so there is nothing else to
moderate. Each change writes one event, kept off the resident's tracking page.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from banyan.accounts.roles import Cap
from banyan.common.cleaning import clean_text
from banyan.common.errors import ValidationFailed

from ..models import Case
from .cases import User, _event, _lock, _require, _save

MAX_LENGTH = 4000


def _locked_resident_case(actor: User, case: Case) -> Case:
    locked = _lock(case)
    _require(actor, locked, Cap.HANDLE_CASES)
    if not locked.came_from_resident:
        # Only a resident's own words may be published: staff cannot give a case they
        # recorded a public text.
        raise ValidationFailed(
            _("Only a report a resident sent through the QR poster or Open311 has a public text."),
            field="public_text",
        )
    return locked


@transaction.atomic
def case_public_text_edit(*, actor: User, case: Case, text: str) -> Case:
    """Correct the resident's public text (take out a name, a phone, a door number).
    The event keeps what it said before, for staff."""
    text = clean_text(text, "public_text", required=True, max_length=MAX_LENGTH)
    locked = _locked_resident_case(actor, case)
    if text == locked.public_text:
        raise ValidationFailed(_("Nothing changed."), field="public_text")
    before = locked.public_text
    locked.public_text = text
    _save(locked, "public_text")
    _event(actor, locked, "case_public_text_edited", before=before, after=text)
    return locked


@transaction.atomic
def case_public_text_hide(*, actor: User, case: Case, hidden: bool = True) -> Case:
    """Hide the public text (the case then shows its category only), or show it again."""
    locked = _locked_resident_case(actor, case)
    if locked.public_text_hidden == hidden:
        raise ValidationFailed(
            _("The public text is already hidden.")
            if hidden
            else _("The public text is already shown."),
            field="public_text",
        )
    locked.public_text_hidden = hidden
    _save(locked, "public_text_hidden")
    _event(actor, locked, "case_public_text_hidden" if hidden else "case_public_text_shown")
    return locked
