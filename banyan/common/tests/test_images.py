"""Photos are checked from their header before anything is decoded, decoded at most
MAX_PIXELS at a time, and kept in three sizes without their metadata."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from banyan.common import images
from banyan.common.errors import ValidationFailed

from .photos import PNG_SIGNATURE, jpeg, png, refuse_decoding, spy_on_decoding


@pytest.fixture
def no_decoding(monkeypatch):
    return refuse_decoding(monkeypatch)


@pytest.fixture
def decoded_sizes(monkeypatch):
    return spy_on_decoding(monkeypatch)


def _refusal(upload) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as err:
        images.clean_photo(upload)
    assert err.value.field == "photo"
    return err.value


def test_it_refuses_a_20000_square_png_from_its_header_without_decoding(no_decoding):
    upload = png(20_000, 20_000, header_only=True)
    assert upload.size < 1_000
    assert "too many pixels" in _refusal(upload).message
    assert no_decoding == []


def test_it_refuses_the_6300_square_png_with_a_bad_last_row_without_decoding(no_decoding):
    upload = png(6300, 6300, bad_last_row=True)
    assert upload.size < 200_000  # a small file that would cost 40 megapixels to decode
    assert "too many pixels" in _refusal(upload).message
    assert no_decoding == []


def test_it_refuses_a_png_under_the_cap_that_fails_to_decode(decoded_sizes):
    upload = png(2000, 2000, bad_last_row=True)
    assert "not a photo we can read" in _refusal(upload).message
    assert decoded_sizes == [(2000, 2000)]  # decoded once, to the last row


def test_it_refuses_every_format_above_the_cap_except_a_baseline_jpeg(monkeypatch, no_decoding):
    monkeypatch.setattr(images, "MAX_PIXELS", 10_000)
    assert "too many pixels" in _refusal(png(101, 100, header_only=True)).message
    # A progressive JPEG is decoded whole whatever size is asked for: no larger than the cap.
    assert "too many pixels" in _refusal(jpeg(101, 100, progressive=True)).message
    assert no_decoding == []


def test_it_refuses_a_baseline_jpeg_above_its_own_cap_from_the_header(monkeypatch, no_decoding):
    monkeypatch.setattr(images, "MAX_JPEG_PIXELS", 40_000)
    assert "too many pixels" in _refusal(jpeg(201, 200)).message
    assert no_decoding == []


def test_it_decodes_a_large_baseline_jpeg_at_a_reduced_size(monkeypatch, decoded_sizes):
    # Caps scaled down a hundredfold so that the test's photo stays small: a 1600×1200
    # photo is over the 10,000-pixel cap, but the decoder can hand it over at 1/8 size.
    monkeypatch.setattr(images, "MAX_PIXELS", 40_000)
    monkeypatch.setattr(images, "FULL_SIDE", 200)
    cleaned = images.clean_photo(jpeg(1600, 1200))
    assert decoded_sizes == [(200, 150)]
    with Image.open(io.BytesIO(cleaned.read())) as full:
        assert full.size == (200, 150)


def test_it_accepts_a_twelve_megapixel_phone_photo(decoded_sizes):
    cleaned = images.clean_photo(jpeg(4032, 3024))
    assert max(decoded_sizes[0]) <= 4032
    with Image.open(io.BytesIO(cleaned.read())) as full:
        assert max(full.size) == images.FULL_SIDE


def test_it_keeps_a_medium_size_and_a_thumbnail_upright_and_without_metadata():
    cleaned = images.clean_photo(jpeg(3000, 2000, exif_orientation=6))  # turned 90°
    sides = {"full": images.FULL_SIDE, "medium": images.MEDIUM_SIDE, "thumb": images.THUMB_SIDE}
    assert set(cleaned.sizes) == {"medium", "thumb"}
    for name, data in [("full", cleaned.read()), *cleaned.sizes.items()]:
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and not image.getexif(), name
            width, height = image.size
            assert height > width and height == sides[name], (name, image.size)
    assert len(cleaned.sizes["thumb"]) < 20_000


@pytest.mark.parametrize(
    "data",
    [b"", b"\0" * 100, b"GIF89a", PNG_SIGNATURE + b"\0" * 40, b"\xff\xd8\xff" + b"\0" * 40],
)
def test_it_refuses_what_is_not_a_photo(data):
    upload = SimpleUploadedFile("x.jpg", data, content_type="image/jpeg")
    assert "not a photo we can read" in _refusal(upload).message


def test_it_refuses_a_file_over_the_byte_limit(monkeypatch, no_decoding):
    monkeypatch.setattr(images, "MAX_BYTES", 1000)
    upload = jpeg(400, 400)
    assert upload.size > 1000
    assert "larger than" in _refusal(upload).message
