from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "banyan.common"
    label = "common"

    def ready(self) -> None:
        # Registers the system checks.
        from . import checks  # noqa: F401
