"""How each event verb reads on a timeline, in the reader's language.

Events store the verb and its data; the sentence is made when it is shown, so a
timeline written in Chinese reads in English for an English-speaking user. The data
therefore holds codes, never their labels: a route, a role, a contact's kind is stored
as its code and shown by its label in the reader's language. The app that owns the
choices says which key holds which (`register_labels`, from its AppConfig.ready: this
module sits below those apps), or shapes a verb's data itself (`register_shaper`). A
reference row's name is stored with its English name beside it (`category` and
`category_en`), and the reader's language picks, as `BilingualName` does.

Events written before kept some labels in their writer's language: a label of any
language the site speaks is read back as its code and shown in the reader's language;
anything else is shown as it was stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Choices
from django.utils import translation
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

VERBS = {
    "household_created": _("Household registered at %(label)s"),
    "household_updated": _("Household details changed (%(fields)s)"),
    "household_verified": _("Household situation verified"),
    "household_split": ngettext_lazy(
        "%(count)s member split off into a new household at %(label)s",
        "%(count)s members split off into a new household at %(label)s",
        "count",
    ),
    "household_merged": _("Household merged into %(label)s"),
    "household_received": _("Members of %(label)s merged into this household"),
    "person_registered": _("%(name)s added to the household"),
    "person_moved_in": _("%(name)s moved in"),
    "person_born": _("%(name)s was born"),
    "person_updated": _("%(name)s: details changed (%(fields)s)"),
    "person_moved": _("%(name)s moved from %(from)s to %(to)s"),
    "person_moved_out": _("%(name)s moved out (%(destination)s)"),
    "person_died": _("%(name)s died"),
    "category_added": _("%(name)s: category %(category)s from %(valid_from)s"),
    "category_ended": _("%(name)s: category %(category)s ended on %(valid_to)s"),
    "building_head_set": _("%(name)s became building head of %(building)s"),
    "user_created": _("Account %(username)s created for %(user)s"),
    "post_granted": _("Post granted: %(role)s at %(node)s to %(user)s"),
    "post_revoked": _("Post revoked: %(role)s at %(node)s from %(user)s"),
    "case_created": _("Case #%(case)s recorded: %(title)s"),
    "case_accepted": _("Case #%(case)s accepted"),
    "case_rejected": _("Case #%(case)s rejected: %(note)s"),
    "case_duplicate": _("Case #%(case)s marked as a duplicate of #%(original)s"),
    "case_assigned": _("Case #%(case)s routed to %(route)s"),
    "case_handed_off": _("Case #%(case)s handed off from %(source)s to %(target)s"),
    "case_started": _("Work on case #%(case)s started"),
    "case_resolved": _("Case #%(case)s resolved: %(note)s"),
    "case_suspended": _("Case #%(case)s suspended: %(note)s"),
    "case_resumed": _("Case #%(case)s resumed"),
    "case_escalated": _("Case #%(case)s escalated to the committee: %(note)s"),
    "case_confirmed": _("Case #%(case)s confirmed fixed by the resident (%(rating)s/5)"),
    "case_reopened": _("Case #%(case)s reopened: %(note)s"),
    "case_closed": _("Case #%(case)s closed: %(note)s"),
    "case_auto_closed": _("Case #%(case)s closed after %(days)s days without objection"),
    "case_note": _("Note on case #%(case)s: %(note)s"),
    "case_public_text_edited": _("Public text of case #%(case)s corrected"),
    "case_public_text_hidden": _("Public text of case #%(case)s hidden"),
    "case_public_text_shown": _("Public text of case #%(case)s shown again"),
    "intake_link_renewed": _("New QR poster link for %(building)s (old posters stop working)"),
    "open311_key_issued": _("Open311 key issued to %(name)s"),
    "open311_key_revoked": _("Open311 key of %(name)s revoked"),
    "facility_created": _("Facility %(name)s added"),
    "facility_updated": _("Facility %(name)s changed"),
    "compound_created": _("Compound %(name)s added"),
    "building_created": _("Building %(name)s added"),
    "compound_updated": _("Compound %(name)s changed"),
    "building_updated": _("Building %(name)s changed"),
    "meeting_created": _("Committee meeting %(held_on)s %(title)s recorded"),
    "meeting_updated": _("Committee meeting %(held_on)s %(title)s changed"),
    "meeting_items_added": ngettext_lazy(
        "%(count)s item put on the agenda of %(title)s",
        "%(count)s items put on the agenda of %(title)s",
        "count",
    ),
    "meeting_item_removed": _("%(item)s taken off the agenda of %(title)s"),
    "meeting_item_decided": _("%(title)s decided on %(item)s: %(note)s"),
    "meeting_closed": ngettext_lazy(
        "Minutes of %(title)s made final (%(items)s item)",
        "Minutes of %(title)s made final (%(items)s items)",
        "items",
    ),
    "household_visited": _("Home visit: %(purpose)s"),
    "dispute_party_added": _("%(name)s named a party to dispute #%(case)s"),
    "dispute_mediator_set": _("%(mediator)s mediates dispute #%(case)s"),
    "mediation_held": _("Mediation session on dispute #%(case)s (%(held_on)s)"),
    "dispute_agreement_recorded": _("Agreement recorded in dispute #%(case)s: %(note)s"),
    "dispute_referred_legal_aid": _("Dispute #%(case)s referred to legal aid: %(note)s"),
    # party (events recorded sensitive and never linked to a household or person)
    "party_org_created": _("Party organisation %(name)s set up (bound to %(node)s)"),
    "party_org_bound": _("%(name)s bound to %(to)s (was %(from)s)"),
    "party_member_added": _("%(name)s joined %(branch)s"),
    "party_member_updated": _("%(name)s: party details changed (%(fields)s)"),
    "party_member_mobile": _("%(name)s is working away (%(where)s)"),
    "party_member_back": _("%(name)s is back from working away"),
    "party_member_transferred": _("%(name)s transferred from %(from)s to %(to)s"),
    "party_member_left": _("%(name)s left the community's party organisation (%(state)s)"),
    "party_settings_changed": _("Party settings: grid workers see member households: %(value)s"),
    "party_contact": _("%(kind)s with %(name)s"),
    "party_admission": _("%(name)s admitted to hospital"),
    "party_rule_created": _("Care rule %(name)s, in force from %(valid_from)s"),
    "party_rule_changed": _("Care rule %(name)s changed from %(valid_from)s"),
    "party_rule_ended": _("Care rule %(name)s ends: not in force from %(valid_from)s"),
    "party_themed_day": _("Themed party day of %(branch)s: %(theme)s"),
    "party_themed_day_photos": ngettext_lazy(
        "%(photos)s photo added to the themed day %(theme)s",
        "%(photos)s photos added to the themed day %(theme)s",
        "photos",
    ),
    "party_attendance": _(
        "Attendance at %(theme)s: %(present)s present, %(excused)s excused, %(absent)s absent"
    ),
    "party_member_lost": _("%(name)s lost touch with the branch (since %(since)s)"),
    "party_tracing_lead": _("Tracing %(name)s: a lead (%(kind)s)"),
    "party_tracing_attempt": _("Tracing %(name)s: attempt by %(method)s"),
    "party_tracing_verified": _("Tracing %(name)s: identity verified"),
    "party_tracing_returned": _("%(name)s is back in the branch"),
    "party_tracing_support": _("Support for %(name)s: %(kind)s"),
    "party_tracing_closed": _("Tracing %(name)s closed: %(note)s"),
    "party_registration": _("In-service member %(name)s registered from %(unit)s"),
    "party_registration_approved": _(
        "In-service member %(name)s (%(unit)s) approved into %(branch)s"
    ),
    "party_registration_rejected": _("Registration of %(name)s rejected: %(note)s"),
    "party_service": _("%(name)s served: %(activity)s (%(hours)s h)"),
}

SENSITIVE_VERBS = frozenset({"category_added", "category_ended"})


# --- codes shown by their label ---------------------------------------------------------------

# Choices (a TextChoices class) or a mapping of code → (lazy) label.
Labels = type[Choices] | Mapping[Any, Any]
Shaper = Callable[[dict[str, Any]], dict[str, Any]]

_SHAPERS: dict[str, list[Shaper]] = {}
# id(labels) → label in each language the site speaks → code; made on first use.
_CODES_BY_LABEL: dict[int, dict[str, Any]] = {}


def register_shaper(verbs: str | Iterable[str], shaper: Shaper) -> None:
    """Let `shaper` turn the data of these verbs into what their sentence shows (when it
    is shown, in the reader's language). It returns a new dict; the stored data stays."""
    for verb in [verbs] if isinstance(verbs, str) else verbs:
        if shaper not in _SHAPERS.setdefault(verb, []):
            _SHAPERS[verb].append(shaper)


def register_labels(verbs: str | Iterable[str], **keys: Labels) -> None:
    """The data of these verbs holds, under each key, a code of its labels: the sentence
    shows the label in the reader's language (`label`)."""

    def shaper(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, **{k: label(labels, data[k]) for k, labels in keys.items() if k in data}}

    register_shaper(verbs, shaper)


def _mapping(labels: Labels) -> Mapping[Any, Any]:
    if isinstance(labels, type) and issubclass(labels, Choices):
        return dict(labels.choices)
    return labels


def _codes_by_label(labels: Labels) -> dict[str, Any]:
    codes = _CODES_BY_LABEL.get(id(labels))
    if codes is None:
        codes = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for code, text in _mapping(labels).items():
                    codes.setdefault(str(text), code)
        _CODES_BY_LABEL[id(labels)] = codes
    return codes


def label(labels: Labels, value: Any) -> Any:
    """The label of the code `value` in the active language. A value that is itself a
    label, in any language the site speaks (an event written when labels were stored), is
    shown as its code's label now; any other value as it is."""
    if not isinstance(value, str | int | bool):
        return value
    mapping = _mapping(labels)
    if value in mapping:
        return mapping[value]
    codes = _codes_by_label(labels)
    return mapping[codes[str(value)]] if str(value) in codes else value


def _in_language(data: dict[str, Any]) -> dict[str, Any]:
    """A name stored with its English beside it (`x` and `x_en`): the English one for an
    English reader, when there is one."""
    if not (get_language() or "").startswith("en"):
        return data
    english = {k[:-3]: v for k, v in data.items() if k.endswith("_en") and v and k[:-3] in data}
    return {**data, **english} if english else data


def _field_labels() -> dict[str, str]:
    """Field name → its translated label, from the models whose changes are recorded."""
    from django.apps import apps

    labels: dict[str, str] = {"id_number": str(_("ID number"))}
    for label in (
        "registry.Person",
        "registry.Household",
        "places.Compound",
        "places.Building",
        "places.Facility",
    ):
        for field in apps.get_model(label)._meta.get_fields():
            verbose = getattr(field, "verbose_name", None)
            if verbose:
                labels.setdefault(field.name, str(verbose))
    return labels


def describe(verb: str, data: dict, fallback: str) -> str:
    """The event as a sentence in the active language; changed fields by their labels."""
    template = VERBS.get(verb)
    if template is None:
        return fallback
    try:
        data = _in_language(data)
        for shaper in _SHAPERS.get(verb, ()):
            data = shaper(data)
        if "fields" in data:
            labels = _field_labels()
            names = [f.strip() for f in str(data["fields"]).split(",") if f.strip()]
            sep = "、" if (get_language() or "").startswith("zh") else ", "
            data = {**data, "fields": sep.join(labels.get(n, n) for n in names)}
        return str(template % data)  # a lazy plural picks its form from `data`
    except (AttributeError, KeyError, TypeError, ValueError):
        # Data that does not fit (an event written by an older release, a stray % in a
        # translation): the summary written with the event, never a failing page.
        return fallback
