from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "banyan.accounts"
    label = "accounts"
    verbose_name = _("Accounts and posts")

    def ready(self) -> None:
        from banyan.timeline.verbs import register_labels

        from . import signals  # noqa: F401  (connects the sign-in log receivers)
        from .roles import Role

        # A post's events keep the role's code; the timeline shows its label.
        register_labels(("post_granted", "post_revoked"), role=Role)
