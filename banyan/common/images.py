"""Photos, the one way: checked by content (not by name) from the header before anything
is decoded, re-encoded without metadata, kept in three sizes (the photo, a medium size
for a tap, a thumbnail for lists), and served through the caller's scoped view under
names that change when the content does, so the browser may keep them.

A model whose rows carry a photo in `image` inherits PhotoSizes; its service stores
the upload with `store_photo(row, clean_photo(upload))`; its scoped view answers with
`photo_response(row, size, token)`; its templates link `row.thumb_token` and
`row.medium_token` (docs/architecture.md, "Photos"). `manage.py make_photo_sizes` makes
the sizes of photos stored before they existed.

What a photo may cost is bounded before decoding: the header gives the format and the
size, and nothing above MAX_PIXELS is ever decoded whole. A baseline JPEG (what phone
cameras write) may be larger, up to MAX_JPEG_PIXELS, because its decoder can hand it
over at 1/2, 1/4 or 1/8 of its size (`Image.draft`) for no more than the reduced image's
memory; every other format (and a progressive JPEG, whose decoder keeps every
coefficient of the full image) is decoded at full size, so is refused above MAX_PIXELS.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ValidationFailed
from .middleware import cache_privately

MAX_BYTES = 8 * 1024 * 1024
# Most pixels decoded at once: a 24-megapixel camera's photo, about 72 MB as RGB. A
# phone's 12-megapixel photo fits in any format; the browser shrinks photos to 1600 px
# before it sends them (common/static/banyan/photos.js), so only a phone without
# JavaScript ever sends more.
MAX_PIXELS = 24_000_000
# A baseline JPEG up to a 50-megapixel sensor's full resolution (8160×6120): it is
# decoded at half size or less (≤ 12.5 megapixels), never whole.
MAX_JPEG_PIXELS = 50_000_000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "MPO"})
DRAFTABLE = frozenset({"JPEG", "MPO"})

FULL_SIDE = 2048  # the photo kept: enough to see a leak, small enough for a phone
MEDIUM_SIDE = 1280  # what a tap on a thumbnail opens
THUMB_SIDE = 320  # lists and pages: sharp at 104 CSS px on a 3× phone screen
SIZES = {"medium": MEDIUM_SIDE, "thumb": THUMB_SIDE}
QUALITY = {"full": 85, "medium": 80, "thumb": 72}


class CleanPhoto(ContentFile):
    """The photo re-encoded as JPEG (what `image` keeps), with its smaller sizes in
    `sizes` (name → JPEG bytes). Being a ContentFile, it can also be saved alone."""

    def __init__(self, full: bytes, sizes: dict[str, bytes]) -> None:
        super().__init__(full, name="photo.jpg")
        self.sizes = sizes


def _too_many_pixels(field: str) -> ValidationFailed:
    return ValidationFailed(
        _("The photo has too many pixels. Choose a smaller one or a lower camera resolution."),
        field=field,
    )


def _draft_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The smallest size the decoder may hand over that still gives `side` on the long
    side after shrinking (draft() picks the largest reduction that keeps at least this)."""
    width, height = size
    scale = side / max(width, height)
    return max(1, int(width * scale)), max(1, int(height * scale))


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _smaller_sizes(image: Image.Image) -> dict[str, bytes]:
    """The sizes of SIZES of an RGB photo, as JPEG bytes."""
    sizes = {}
    for name, side in SIZES.items():
        copy = image.copy()
        copy.thumbnail((side, side))
        sizes[name] = _encode(copy, QUALITY[name])
    return sizes


def _upright_rgb(opened: Image.Image) -> Image.Image:
    """The decoded photo at most FULL_SIDE, upright (from its EXIF orientation, which
    goes with the rest of its metadata) and RGB, with transparency made white. It is
    shrunk before anything is copied, so one full-size image at most is in memory."""
    image = opened if opened.mode in ("RGB", "RGBA", "L", "LA", "CMYK") else opened.convert("RGBA")
    image.thumbnail((FULL_SIDE, FULL_SIDE))
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA"):
        white = Image.new("RGB", image.size, "white")
        white.paste(image, mask=image.getchannel("A"))
        return white
    return image.convert("RGB")


def clean_photo(upload: UploadedFile, *, field: str = "photo") -> CleanPhoto:
    """Return the photo as a fresh JPEG with its smaller sizes (EXIF, GPS and comments
    dropped) or raise ValidationFailed naming `field`. The file name the client sent is
    ignored. Nothing is decoded before the header has been checked."""
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
        # open() reads the header only; Pillow's own bomb check (Image.MAX_IMAGE_PIXELS,
        # set in CommonConfig.ready) refuses the absurd before we see it.
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in ALLOWED_FORMATS:
                raise ValidationFailed(_("Upload a photo (JPEG, PNG or WebP)."), field=field)
            draftable = opened.format in DRAFTABLE and not opened.info.get("progressive")
            limit = MAX_JPEG_PIXELS if draftable else MAX_PIXELS
            if opened.width * opened.height > limit:
                raise _too_many_pixels(field)
            if draftable:
                opened.draft("RGB", _draft_size(opened.size, FULL_SIDE))
            if opened.width * opened.height > MAX_PIXELS:
                raise _too_many_pixels(field)
            opened.load()  # the one decode; a corrupt file fails here
            image = _upright_rgb(opened)
            full, sizes = _encode(image, QUALITY["full"]), _smaller_sizes(image)
    except ValidationFailed:
        raise
    except Image.DecompressionBombError:
        raise _too_many_pixels(field) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ValidationFailed(_("This file is not a photo we can read."), field=field) from None
    return CleanPhoto(full, sizes)


# --- storing --------------------------------------------------------------------------------


def beside_image(instance: PhotoSizes, filename: str) -> str:
    """A size of a photo lives next to the photo itself (in its community's folder)."""
    return posixpath.join(posixpath.dirname(instance.image.name), filename)


def _hashed_name(data: bytes) -> str:
    # The name is the content's hash: the URL built from it changes when the file does.
    return hashlib.sha256(data).hexdigest()[:32] + ".jpg"


class PhotoSizes(models.Model):
    """A row whose photo (its `image` field, declared by the model with its own folder)
    is kept in the sizes of SIZES too. Until they are made (make_photo_sizes), a size
    falls back to the photo itself."""

    medium = models.FileField(upload_to=beside_image, max_length=200, blank=True, editable=False)
    thumb = models.FileField(upload_to=beside_image, max_length=200, blank=True, editable=False)

    image: Any  # the model's ImageField

    class Meta:
        abstract = True

    def photo_file(self, size: str) -> FieldFile:
        if size not in SIZES:
            raise ValueError(size)
        own: FieldFile = getattr(self, size)
        return own if own else self.image

    def photo_token(self, size: str) -> str:
        """The part of a size's URL that names its content (its stored file's name)."""
        return posixpath.splitext(posixpath.basename(self.photo_file(size).name or ""))[0]

    @property
    def thumb_token(self) -> str:
        return self.photo_token("thumb")

    @property
    def medium_token(self) -> str:
        return self.photo_token("medium")


def _store_sizes(row: PhotoSizes, sizes: dict[str, bytes]) -> None:
    for name in SIZES:
        getattr(row, name).save(_hashed_name(sizes[name]), ContentFile(sizes[name]), save=False)


def store_photo(row: PhotoSizes, photo: CleanPhoto) -> None:
    """Write a cleaned photo and its sizes to storage for `row` (the caller saves the row,
    inside its service's transaction)."""
    row.image.save("photo.jpg", photo, save=False)
    _store_sizes(row, photo.sizes)


def make_sizes(row: PhotoSizes) -> bool:
    """Make the missing sizes of a stored photo and save them on the row; False when it
    had them already. The stored photo was cleaned when it came in: no limits again."""
    if all(getattr(row, name) for name in SIZES):
        return False
    with row.image.open("rb") as handle, Image.open(handle) as opened:
        opened.load()
        sizes = _smaller_sizes(opened.convert("RGB"))
    _store_sizes(row, sizes)
    row.save(update_fields=list(SIZES))
    return True


# --- serving --------------------------------------------------------------------------------

# A size's URL names its content, so the browser may keep it for good; `private`: only
# the browser of the person who may see it, never a shared cache.
MAX_AGE = 365 * 24 * 3600


def photo_response(row: PhotoSizes, size: str, token: str) -> FileResponse:
    """One size of a photo the caller loaded through the user's scope (or the public
    page's credential): 404 unless `token` names its current content."""
    if size not in SIZES or token != row.photo_token(size):
        raise Http404
    try:
        handle = row.photo_file(size).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Content-Disposition"] = "inline"
    cache_privately(response, MAX_AGE)
    return response
