"""Forms of the staff pages: they parse and type the input; the services decide what is
valid in the domain (and name the field when it is not)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.common.params import parse_id
from banyan.places.models import Node
from banyan.registry.models import Person

from .models import CaseCategory, Channel, Kind, Route, VisitPurpose, VolunteerTeam
from .workflow import State

MAX_PHOTOS = 6


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one <input type=file multiple>; the service checks each by
    its content (banyan.common.images.clean_photo)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        files = [f for f in (single(d, initial) for d in items if d) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)s photos.") % {"n": MAX_PHOTOS})
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


def _text(label, *, required=True, max_length=300, rows=0, help_text=""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=widget,
        help_text=help_text,
        strip=True,
    )


# --- lists ----------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    """The case list's filters (GET). An unknown value is an error, never "everything"."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    open = forms.BooleanField(label=_("Open only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, categories: Iterable[CaseCategory] = (), **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("All"))]
        self.fields["state"].choices = anything + list(State.choices)
        self.fields["kind"].choices = anything + list(Kind.choices)
        seen: dict[str, str] = {}
        for c in categories:
            seen.setdefault(c.code, c.display_name)
        self.fields["category"].choices = anything + list(seen.items())


# --- recording a case -----------------------------------------------------------------------

STAFF_CHANNELS = [
    (Channel.VISIT, Channel.VISIT.label),
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.WALK_IN, Channel.WALK_IN.label),
    (Channel.BUILDING_HEAD, Channel.BUILDING_HEAD.label),
]
STAFF_CHANNEL_VALUES = frozenset(value for value, _label in STAFF_CHANNELS)


class CaseCreateForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about?"))
    description = _text(_("Description"), max_length=4000, rows=4)
    title = _text(
        _("Short title"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to use the first line of the description."),
    )
    channel = forms.ChoiceField(label=_("How did it reach us?"), choices=STAFF_CHANNELS)
    persons = forms.MultipleChoiceField(
        label=_("Who in the household is concerned?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reporter_name = _text(_("Reporter's name"), required=False, max_length=50)
    reporter_phone = forms.CharField(
        label=_("Reporter's phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    on_behalf_of = _text(
        _("Entered on behalf of"),
        required=False,
        max_length=100,
        help_text=_("When you record it for a resident (who has no phone, for instance)."),
    )
    address = _text(_("Where exactly"), required=False, max_length=200)
    photos = PhotosField(label=_("Photos"))

    def __init__(
        self,
        *args,
        categories: Iterable[CaseCategory],
        persons: Sequence[Person] = (),
        channel_fixed: str = "",
        with_address: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.categories = {str(c.pk): c for c in categories}
        self.fields["category"].choices = [("", "—")] + [
            (pk, f"{c.display_name} · {c.get_kind_display()}") for pk, c in self.categories.items()
        ]
        self.person_map = {str(p.pk): p for p in persons}
        if self.person_map:
            self.fields["persons"].choices = [(pk, p.name) for pk, p in self.person_map.items()]
        else:
            del self.fields["persons"]
        self.channel_fixed = channel_fixed
        if channel_fixed:
            # A building head always reports as the building head, whatever is posted.
            del self.fields["channel"]
        if not with_address:
            del self.fields["address"]

    def clean(self):
        data = super().clean()
        if self.channel_fixed:
            data["channel"] = self.channel_fixed
        return data

    def clean_category(self) -> CaseCategory:
        return self.categories[self.cleaned_data["category"]]

    def clean_persons(self) -> list[Person]:
        return [self.person_map[pk] for pk in self.cleaned_data.get("persons", [])]


# --- the moves (workflow.MOVES) and notes ---------------------------------------------------


class EmptyForm(forms.Form):
    """A move that needs nothing but the button."""


class ReasonForm(forms.Form):
    reason = _text(_("Reason"), rows=2)


class DuplicateForm(forms.Form):
    original = forms.IntegerField(
        label=_("Number of the original case"),
        min_value=1,
        help_text=_("The case this one repeats, e.g. 1024 for #1024."),
    )


class AssignForm(forms.Form):
    route = forms.ChoiceField(label=_("Route"), choices=Route.choices)
    assignee = forms.ChoiceField(
        label=_("Who takes it"),
        required=False,
        help_text=_("Needed for an errand or a grid worker; optional for a centre."),
    )
    team = forms.ChoiceField(
        label=_("Volunteer team"),
        required=False,
        choices=[("", "—"), *VolunteerTeam.choices],
        help_text=_("Only when routed to a volunteer team."),
    )
    note = _text(_("Note"), required=False, rows=2)

    def __init__(
        self, *args, choices: dict[str, Sequence[AbstractBaseUser]] | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.users: dict[str, AbstractBaseUser] = {}
        groups: list = [("", "—")]
        for label, users in (choices or {}).items():
            options = []
            for u in users:
                self.users[str(u.pk)] = u
                options.append((str(u.pk), u.get_full_name() or u.get_username()))
            if options:
                groups.append((label, options))
        self.fields["assignee"].choices = groups

    def clean_assignee(self) -> AbstractBaseUser | None:
        value = self.cleaned_data.get("assignee")
        return self.users.get(value) if value else None


class HandOffForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Node.objects.none())
    note = _text(_("Why"), rows=2)

    def __init__(self, *args, grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if grids is not None:
            self.fields["grid"].queryset = grids


class ResolveForm(forms.Form):
    note = _text(_("What was done"), max_length=1000, rows=3)
    public_note = _text(
        _("Note for the resident"),
        required=False,
        rows=2,
        help_text=_(
            "Shown to the resident on the tracking page and, for a repair or hazard, in "
            "Open311. The note above stays internal."
        ),
    )
    photos = PhotosField(
        label=_("Photos"), help_text=_("An errand (代办) needs a photo of the hand-over.")
    )


class PublicTextForm(forms.Form):
    text = _text(
        _("Public text"),
        max_length=4000,
        rows=4,
        help_text=_(
            "The resident's words as published: take out names, phone numbers, doors. "
            "To publish nothing, hide it instead."
        ),
    )


class NoteOnlyForm(forms.Form):
    note = _text(_("Note"), rows=2)


RATINGS = [(str(n), str(n)) for n in range(5, 0, -1)]


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), choices=RATINGS, coerce=int)
    comment = _text(_("The resident's words"), required=False, max_length=1000, rows=2)
    on_behalf_of = _text(
        _("On behalf of"),
        max_length=100,
        help_text=_("Who confirmed, and how (e.g. 张桂英, by phone)."),
    )


class ReopenForm(forms.Form):
    comment = _text(_("What is still wrong"), max_length=1000, rows=2)
    on_behalf_of = _text(_("On behalf of"), max_length=100)


class NoteForm(forms.Form):
    note = _text(_("Note"), max_length=1000, rows=3)
    public = forms.BooleanField(
        label=_("Show it to the resident on the tracking page"), required=False
    )


# --- disputes -------------------------------------------------------------------------------


class PartyForm(forms.Form):
    person = forms.ChoiceField(label=_("Resident"))

    def __init__(self, *args, persons: Sequence[Person] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.persons = {str(p.pk): p for p in persons}
        self.fields["person"].choices = [("", "—")] + [
            (pk, f"{p.name} · {p.household.label}") for pk, p in self.persons.items()
        ]

    def clean_person(self) -> Person:
        return self.persons[self.cleaned_data["person"]]


class MediatorForm(forms.Form):
    mediator = forms.ChoiceField(label=_("Mediator"))

    def __init__(self, *args, users: Sequence[AbstractBaseUser] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in users}
        self.fields["mediator"].choices = [("", "—")] + [
            (pk, u.get_full_name() or u.get_username()) for pk, u in self.users.items()
        ]

    def clean_mediator(self) -> AbstractBaseUser:
        return self.users[self.cleaned_data["mediator"]]


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput(), initial=timezone.localdate)
    attendees = _text(_("Attendees"), max_length=300)
    summary = _text(_("What was said"), required=False, max_length=4000, rows=3)
    agreed = _text(_("What was agreed"), required=False, max_length=4000, rows=2)


class AgreementForm(forms.Form):
    agreement = _text(_("Agreement"), max_length=4000, rows=4)


# --- visits ---------------------------------------------------------------------------------


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=_("Visited on"), widget=DateInput(), initial=timezone.localdate
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=VisitPurpose.choices, initial=VisitPurpose.ROUTINE
    )
    purpose_note = _text(
        _("About"),
        required=False,
        max_length=200,
        help_text=_("What in particular (needed for “Other”), e.g. the pension certificate."),
    )
    heard = _text(_("What we heard"), required=False, max_length=4000, rows=3)
    findings = _text(_("Findings"), required=False, max_length=4000, rows=3)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("Optional: what you saw (a hazard, the state of the home)."),
    )
    record_need = forms.BooleanField(
        label=_("and record a need from this visit"),
        required=False,
        help_text=_("Opens the need's form with what you heard and found."),
    )


# --- the inbox ------------------------------------------------------------------------------


class IdListField(forms.Field):
    """Several ids from checkboxes of the same name; the service keeps only the user's own."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        items = value if isinstance(value, list | tuple) else [value] if value else []
        ids = [parse_id(v) for v in items]
        if None in ids:
            raise forms.ValidationError(_("Not a valid choice."))
        return [pk for pk in ids if pk is not None][:500]


class MarkReadForm(forms.Form):
    ids = IdListField(required=False)
    all = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("all") and not data.get("ids"):
            raise forms.ValidationError(_("Choose the notifications to mark as read."))
        return data


class NotificationSettingForm(forms.Form):
    email = forms.BooleanField(label=_("Also send my notifications by email"), required=False)
