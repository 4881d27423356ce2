"""Photos for tests: hand-written PNGs (a header that lies, a last row that breaks), JPEGs
of any size, and a guard that fails a test if an image file is decoded."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, *, bad_last_row: bool = False, header_only: bool = False):
    """An RGB PNG written by hand: only its header when `header_only` (the data does not
    match it), or every row grey with the last row's filter byte invalid when
    `bad_last_row` (it decodes to the very end, then fails)."""
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if header_only:
        data = zlib.compress(b"\0" * 64)
    else:
        row = b"\x80" * (width * 3)
        packer = zlib.compressobj(6)
        data = b"".join(
            [
                *(packer.compress(b"\0" + row) for _ in range(height - 1)),
                packer.compress((b"\x09" if bad_last_row else b"\0") + row),
                packer.flush(),
            ]
        )
    raw = PNG_SIGNATURE + ihdr + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")
    return SimpleUploadedFile("p.png", raw, content_type="image/png")


def jpeg(width: int, height: int, *, progressive: bool = False, exif_orientation: int = 0):
    buf = io.BytesIO()
    image = Image.new("RGB", (width, height), (120, 90, 60))
    kwargs = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        exif[0x010F] = "PhoneMaker"
        kwargs["exif"] = exif.tobytes()
    image.save(buf, format="JPEG", quality=80, progressive=progressive, **kwargs)
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def refuse_decoding(monkeypatch) -> list:
    """Fail the test if any image file is decoded: the refusal must come from the header.
    (ImageFile.load is where every file format's pixels are decoded; an image made in
    memory, as the tests' own photos are before they are saved, does not use it.)"""
    decoded = []

    def refuse(self, *args, **kwargs):
        decoded.append(self.size)
        raise AssertionError(f"decoded a {self.size} image")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    return decoded


def spy_on_decoding(monkeypatch) -> list:
    """The size each image file had when it was decoded (load() is called again on a
    loaded image, with nothing left to decode: those calls are not counted)."""
    sizes = []
    real = ImageFile.ImageFile.load

    def spy(self):
        if self.tile:
            sizes.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return sizes
