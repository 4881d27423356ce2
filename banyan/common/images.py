"""Uploaded photos: checked by content (not by name), bounded, re-encoded without metadata."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationFailed

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger is a decompression bomb here
MAX_SIDE = 2048  # stored size: enough to see a leak, small enough for a phone
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})


def clean_photo(upload: UploadedFile, *, field: str = "photo") -> ContentFile:
    """Return the photo as a fresh JPEG (EXIF, GPS and comments dropped) or raise
    ValidationFailed naming `field`. The file name the client sent is ignored."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationFailed(
            _("The photo is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            field=field,
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            _("The photo is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
            field=field,
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationFailed(_("Upload a photo (JPEG, PNG or WebP)."), field=field)
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationFailed(_("The photo has too many pixels."), field=field)
            probe.verify()
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)  # keep the orientation, drop the EXIF
            image = upright.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=85, optimize=True)
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationFailed(_("This file is not a photo we can read."), field=field) from None
    return ContentFile(out.getvalue(), name="photo.jpg")
