"""How each event verb reads on a timeline, in the reader's language.

Events store the verb and its data; the sentence is made when it is shown, so a
timeline written in Chinese reads in English for an English-speaking user.
"""

from __future__ import annotations

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
    "case_assigned": _("Case #%(case)s routed to %(route_label)s"),
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
    if "fields" in data:
        labels = _field_labels()
        names = [f.strip() for f in str(data["fields"]).split(",") if f.strip()]
        sep = "、" if (get_language() or "").startswith("zh") else ", "
        data = {**data, "fields": sep.join(labels.get(n, n) for n in names)}
    try:
        return str(template % data)  # a lazy plural picks its form from `data`
    except (KeyError, TypeError, ValueError):
        return fallback
