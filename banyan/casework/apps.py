from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "banyan.casework"
    label = "casework"
    verbose_name = _("Service loop")

    def ready(self) -> None:
        # Security alerts (accounts.alerts) reach administrators through the inbox here;
        # accounts sits below casework and cannot import it.
        from banyan.accounts.alerts import register_deliverer

        from .services.notify import security_alert

        register_deliverer(security_alert)

        from banyan.common.error_pages import register_back_link

        # A resident on a public page (a wrong tracking code, an old poster) has no account:
        # the way back is the code look-up, not the sign-in page. Posters are staff pages.
        register_back_link("/r/", "intake:track-lookup", _("Look up a report by its code"))
        register_back_link("/r/poster/", "home", _("Back to the home page"))

        # Timeline sentences show routes, teams and visit purposes from their codes.
        from . import verbs

        verbs.register()
