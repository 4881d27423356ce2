from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _record_data_key(sender: AppConfig, using: str, **kwargs: Any) -> None:
    # After every migrate: the first one (or the first after this check existed) records
    # which key the data is written with, if that key reads it (banyan.common.datakey).
    from .datakey import ensure_recorded

    ensure_recorded(using)


class CommonConfig(AppConfig):
    name = "banyan.common"
    label = "common"

    def ready(self) -> None:
        # Registers the system checks.
        from . import checks  # noqa: F401

        post_migrate.connect(_record_data_key, sender=self, dispatch_uid="banyan.data_key")

        from PIL import Image

        from .images import MAX_JPEG_PIXELS

        # Pillow's own guard, for every image this process opens (ours check the
        # header first, banyan.common.images): warn above the largest photo we accept,
        # refuse outright above twice that.
        Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS
