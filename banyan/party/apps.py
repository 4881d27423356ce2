from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "banyan.party"
    label = "party"
    verbose_name = _("Party members")

    def ready(self) -> None:
        from banyan.common import home
        from banyan.timeline.verbs import register_labels

        from .home import obligations_card
        from .models import AttemptMethod, ContactKind, LeadKind, MemberState, SupportKind

        # A branch secretary's home shows the obligations they answer for.
        home.register("party-obligations", obligations_card)

        # Party events keep codes; the timeline shows their labels in the reader's language.
        register_labels("party_contact", kind=ContactKind)
        register_labels("party_tracing_lead", kind=LeadKind)
        register_labels("party_tracing_attempt", method=AttemptMethod)
        register_labels("party_tracing_support", kind=SupportKind)
        register_labels("party_member_left", state=MemberState)
        register_labels("party_settings_changed", value={True: _("yes"), False: _("no")})
