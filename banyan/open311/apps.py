from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "banyan.open311"
    label = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self) -> None:
        from banyan.common.error_pages import register_responder

        from .render import error_for_path

        # Under /open311/ even an unknown URL or a server error is the spec's error document.
        register_responder("/open311/", error_for_path)
