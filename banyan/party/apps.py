from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "banyan.party"
    label = "party"
    verbose_name = _("Party members")

    def ready(self) -> None:
        from banyan.common import home

        from .home import obligations_card

        # A branch secretary's home shows the obligations they answer for.
        home.register("party-obligations", obligations_card)
