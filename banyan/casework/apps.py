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
