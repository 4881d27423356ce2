"""Forms parse and type the input; the services decide what is valid in the domain."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.common.forms import ModelIdsField, VersionedForm
from banyan.places.models import Building

from .models import Category, Gender, Household, Person, Relation, ResidenceType


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class HouseholdFields(forms.Form):
    unit = forms.CharField(label=_("Unit (entrance)"), max_length=16, required=False)
    room = forms.CharField(label=_("Room"), max_length=16, required=False)
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Only for homes outside a compound."),
    )
    situation_note = forms.CharField(
        label=_("Household situation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HouseholdForm(VersionedForm, HouseholdFields):
    """Editing a household: the fields, and the version the page showed."""


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=40,
        required=False,
        help_text=_("18 characters; leave empty if not known yet."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    relation = forms.ChoiceField(label=_("Relation to household head"), choices=Relation.choices)
    residence_type = forms.ChoiceField(label=_("Residence type"), choices=ResidenceType.choices)
    registered_address = forms.CharField(
        label=_("Registered residence (户籍地)"), max_length=200, required=False
    )
    lives_at_registered_address = forms.BooleanField(
        label=_("Lives at the registered residence"), required=False, initial=True
    )


class PersonEditForm(VersionedForm, PersonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["id_number"].help_text = _("Leave empty to keep the number on record.")


class AddPersonForm(PersonForm):
    REASONS = [
        ("registered", _("Already lives here (registration)")),
        ("moved_in", _("Moved in")),
        ("born", _("Birth")),
    ]
    reason = forms.ChoiceField(label=_("Why is this person added?"), choices=REASONS)
    occurred_on = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        required=False,
        help_text=_("For a birth, the birth date is used."),
    )
    field_order = ["reason", "occurred_on"]


class BirthForm(forms.Form):
    """A newborn in a few taps: what a grid worker knows at the door."""

    name = forms.CharField(label=_("Baby's name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput())
    relation = forms.ChoiceField(
        label=_("Relation to household head"), choices=Relation.choices, initial=Relation.CHILD
    )
    residence_type = forms.ChoiceField(
        label=_("Residence type"), choices=ResidenceType.choices, initial=ResidenceType.REGISTERED
    )


class DatedForm(forms.Form):
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = timezone.localdate()


class MoveOutForm(DatedForm):
    destination = forms.CharField(label=_("Moved to"), max_length=200, required=False)


class MoveForm(DatedForm):
    to_household = forms.IntegerField(
        label=_("Household number"),
        help_text=_("The number shown on the other household's page."),
        min_value=1,
    )
    relation = forms.ChoiceField(
        label=_("Relation to the new household's head"), choices=Relation.choices
    )


class MergeForm(DatedForm):
    target = forms.IntegerField(
        label=_("Merge into household number"),
        min_value=1,
        help_text=_("Everyone living here joins that household; this one is closed."),
    )


class SplitForm(DatedForm):
    persons = ModelIdsField(
        label=_("Members who form the new household"),
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    unit = forms.CharField(label=_("Unit (entrance)"), max_length=16, required=False)
    room = forms.CharField(label=_("Room"), max_length=16, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    def __init__(self, *args, household: Household, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].queryset = household.members.filter(status="living")
        self.fields["building"].queryset = buildings
        self.fields["building"].initial = household.building_id


class CategoryAddForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid until"), widget=DateInput(), required=False)
    grade = forms.CharField(
        label=_("Grade"),
        max_length=16,
        required=False,
        help_text=_("For disability: the grade on the certificate."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.fields["valid_from"].initial = timezone.localdate()


class CategoryEndForm(forms.Form):
    valid_to = forms.DateField(label=_("Ended on"), widget=DateInput())


class HouseholdCreateForm(HouseholdFields):
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    field_order = ["building", "unit", "room", "address", "situation_note"]

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
