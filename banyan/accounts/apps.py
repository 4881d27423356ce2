from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "banyan.accounts"
    label = "accounts"
    verbose_name = _("Accounts and posts")

    def ready(self) -> None:
        # Connects the sign-in log receivers.
        from . import signals  # noqa: F401
