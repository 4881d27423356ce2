"""Forms parse and type the input; the services decide what is valid in the domain."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.accounts.roles import Role
from banyan.common.forms import VersionedForm
from banyan.registry.forms import DateInput

from .models import (
    RULE_KINDS,
    AttemptMethod,
    Cadence,
    ContactKind,
    LeadKind,
    Membership,
    Org,
    Responsible,
    ServiceTeam,
    Subject,
    SupportKind,
    TriggerKind,
    UnitLevel,
)


def _today():
    return timezone.localdate()


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Contact"), choices=ContactKind.choices)
    contacted_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=_today)
    notes = forms.CharField(
        label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuickContactForm(forms.Form):
    """The one-step log from the obligations list: kind (and date, default today)."""

    kind = forms.ChoiceField(choices=ContactKind.choices)
    contacted_on = forms.DateField(required=False)
    notes = forms.CharField(max_length=500, required=False)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    person = forms.IntegerField(
        label=_("Resident record (number)"),
        required=False,
        help_text=_("For a resident: the person's number from the registry page."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Address"), max_length=200, required=False, help_text=_("If not a resident here.")
    )
    membership = forms.ChoiceField(label=_("Membership"), choices=Membership.choices)
    joined_party_on = forms.DateField(
        label=_("Joined the party on"), widget=DateInput(), required=False
    )
    joined_on = forms.DateField(label=_("Joined the branch on"), widget=DateInput(), initial=_today)
    mobile = forms.BooleanField(label=_("Mobile member (working away)"), required=False)
    mobile_where = forms.CharField(label=_("Working away where"), max_length=100, required=False)
    mobile_reach = forms.CharField(label=_("How to reach them"), max_length=200, required=False)
    retired = forms.BooleanField(label=_("Retired"), required=False)
    restructured = forms.BooleanField(
        label=_("From a restructured enterprise (改制企业)"), required=False
    )
    former_unit = forms.CharField(label=_("Former unit"), max_length=100, required=False)


class MemberEditForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    membership = forms.ChoiceField(label=_("Membership"), choices=Membership.choices)
    joined_party_on = forms.DateField(
        label=_("Joined the party on"), widget=DateInput(), required=False
    )
    retired = forms.BooleanField(label=_("Retired"), required=False)
    restructured = forms.BooleanField(
        label=_("From a restructured enterprise (改制企业)"), required=False
    )
    former_unit = forms.CharField(label=_("Former unit"), max_length=100, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False)
    skills = forms.CharField(label=_("Skills"), max_length=200, required=False)
    team = forms.ChoiceField(
        label=_("Preferred service team"),
        choices=[("", "—"), *ServiceTeam.choices],
        required=False,
    )

    # An in-service member (双报到) keeps their membership with their work unit: the
    # community records their unit and team. A community member has no unit or team here.
    IN_SERVICE_ONLY = ("unit", "skills", "team")
    COMMUNITY_ONLY = ("membership", "retired", "restructured", "former_unit")

    def __init__(self, *args, in_service: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.COMMUNITY_ONLY if in_service else self.IN_SERVICE_ONLY:
            del self.fields[name]


class MobileForm(forms.Form):
    mobile = forms.TypedChoiceField(
        label=_("Working away"),
        choices=[("1", _("Starts working away")), ("0", _("Is back"))],
        coerce=lambda v: v == "1",
    )
    since = forms.DateField(label=_("Since"), widget=DateInput(), initial=_today)
    where = forms.CharField(label=_("Where"), max_length=100, required=False)
    reach = forms.CharField(label=_("How to reach them"), max_length=200, required=False)


class TransferForm(forms.Form):
    to_branch = forms.ModelChoiceField(label=_("To branch"), queryset=Org.objects.none())
    on = forms.DateField(label=_("Transferred on"), widget=DateInput(), initial=_today)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_branch"].queryset = branches


class DatedNoteForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=_today)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ThemedDayForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput(), initial=_today)
    theme = forms.CharField(label=_("Theme"), max_length=100)
    content = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosForm(forms.Form):
    # The files are read from request.FILES.getlist and checked by the service.
    photos = forms.FileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "multiple": True}),
    )


class LeadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LeadKind.choices)
    detail = forms.CharField(label=_("Detail"), max_length=300)


class AttemptForm(forms.Form):
    tried_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=_today)
    method = forms.ChoiceField(label=_("Method"), choices=AttemptMethod.choices)
    result = forms.CharField(label=_("Result"), max_length=300)
    reached = forms.BooleanField(label=_("Reached the member"), required=False)


class VerifyForm(forms.Form):
    verified_on = forms.DateField(label=_("Verified on"), widget=DateInput(), initial=_today)
    how = forms.CharField(label=_("How identity was verified"), max_length=200)


class ReturnForm(forms.Form):
    returned_on = forms.DateField(
        label=_("Back in the branch's life on"), widget=DateInput(), initial=_today
    )


class SupportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SupportKind.choices)
    note = forms.CharField(label=_("What was done"), max_length=300)
    done_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=_today)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Why the search ends"), max_length=300)


def _who_field(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[
            ("", _("Whoever")),
            ("only", _("Only these members")),
            ("except", _("All but these members")),
        ],
        required=False,
    )


class RuleForm(forms.Form):
    """A care rule. Its filter (`who`, JSON in the rule) is asked for as one control per
    key the obligations engine reads (banyan.party.obligations.WHO_KEYS); the form builds
    the JSON, and the service checks it once more (the API and the admin write it too)."""

    code = forms.SlugField(label=_("Code"), max_length=32, required=False)
    name = forms.CharField(label=_("Name (Chinese)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100, required=False)
    subject = forms.ChoiceField(label=_("For"), choices=Subject.choices)
    who_mobile = _who_field(_("Mobile members (working away)"))
    who_in_service = _who_field(_("In-service members (在职党员)"))
    who_retired = _who_field(_("Retired members"))
    who_restructured = _who_field(_("Members from restructured enterprises (改制企业)"))
    who_membership = forms.ChoiceField(
        label=_("Membership"),
        choices=[("", _("Formal and probationary")), *Membership.choices],
        required=False,
        help_text=_("For each member only: a rule for each branch takes no filter."),
    )
    contact_kind = forms.ChoiceField(label=_("Contact"), choices=RULE_KINDS)
    cadence = forms.ChoiceField(label=_("How often"), choices=Cadence.choices)
    count = forms.IntegerField(label=_("N"), min_value=0, max_value=90)
    trigger = forms.ChoiceField(
        label=_("After (for rules counted from an event)"),
        choices=[("", "—"), *TriggerKind.choices],
        required=False,
    )
    responsible_role = forms.ChoiceField(label=_("Responsible post"), choices=Role.choices)
    responsible_at = forms.ChoiceField(label=_("Responsible where"), choices=Responsible.choices)

    # Yes/no filters; with "membership", every key of WHO_KEYS (a test holds them equal).
    FLAGS = ("mobile", "in_service", "retired", "restructured")

    @classmethod
    def initial_who(cls, who: dict[str, Any]) -> dict[str, str]:
        """A rule's filter as the controls' initial values."""
        initial = {f"who_{k}": ("only" if who[k] else "except") for k in cls.FLAGS if k in who}
        if who.get("membership"):
            initial["who_membership"] = who["membership"]
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        who: dict[str, Any] = {}
        for key in self.FLAGS:
            choice = data.pop(f"who_{key}", "")
            if choice:
                who[key] = choice == "only"
        membership = data.pop("who_membership", "")
        if membership:
            who["membership"] = membership
        data["who"] = who
        return data


class RuleChangeForm(VersionedForm, RuleForm):
    """Changing a rule: the rule's fields and the rule's version the page showed."""


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    unit = forms.CharField(label=_("Your unit"), max_length=100)
    unit_level = forms.ChoiceField(label=_("Unit level"), choices=UnitLevel.choices)
    skills = forms.CharField(
        label=_("Skills you can offer"),
        max_length=200,
        required=False,
        help_text=_("Haircuts, legal advice, health checks, teaching …"),
    )
    team = forms.ChoiceField(
        label=_("Preferred service team"),
        choices=[("", "—"), *ServiceTeam.choices],
        required=False,
    )
    address = forms.CharField(label=_("Where you live"), max_length=200, required=False)


class ApproveForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Org.objects.none())
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=200)


class ServiceEntryForm(forms.Form):
    served_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=_today)
    activity = forms.CharField(label=_("Activity"), max_length=200)
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_value=24, decimal_places=1)


class SettingsForm(forms.Form):
    grid_sees_member_households = forms.BooleanField(
        label=_("Grid workers see which households have party members"),
        required=False,
        help_text=_("Only that a household has members: never who, nor any party detail."),
    )
