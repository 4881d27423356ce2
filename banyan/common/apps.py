from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "banyan.common"
    label = "common"

    def ready(self) -> None:
        from PIL import Image

        from .images import MAX_JPEG_PIXELS

        # Pillow's own guard, for every image this process opens (ours check the
        # header first, banyan.common.images): warn above the largest photo we accept,
        # refuse outright above twice that.
        Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS
