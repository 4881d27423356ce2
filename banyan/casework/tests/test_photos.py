"""Photos stored before they had sizes: served as they are, then given their sizes by
`manage.py make_photo_sizes` (banyan.common.images)."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from banyan.casework.models import CasePhoto

from .factories import add_centres, open_case


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def old_photo(case, side: int = 1800) -> CasePhoto:
    """A photo as one was stored before the sizes: the photo alone."""
    buf = io.BytesIO()
    Image.new("RGB", (side, side * 3 // 4), (60, 120, 90)).save(buf, format="JPEG")
    photo = CasePhoto(case=case)
    photo.image.save("photo.jpg", ContentFile(buf.getvalue()), save=False)
    photo.save()
    return photo


def url(photo: CasePhoto, size: str) -> str:
    return reverse(
        "casework:case-photo", args=[photo.case_id, photo.pk, size, photo.photo_token(size)]
    )


def side(body: bytes) -> int:
    with Image.open(io.BytesIO(body)) as image:
        return max(image.size)


def test_an_old_photo_is_served_as_it_is_until_it_has_its_sizes(client, world):
    add_centres(world)
    photo = old_photo(open_case(world))
    client.force_login(world.bob)
    assert photo.thumb_token == photo.medium_token  # both are the photo itself for now
    old_url = url(photo, "thumb")
    r = client.get(old_url)
    assert r.status_code == 200 and side(b"".join(r.streaming_content)) == 1800

    out = io.StringIO()
    call_command("make_photo_sizes", stdout=out)
    assert "casework.CasePhoto: 1 made, 0 failed" in out.getvalue()
    photo.refresh_from_db()
    assert photo.thumb and photo.medium and photo.thumb_token != photo.medium_token
    # The old URL named the old content: it is gone; the new ones serve the sizes.
    assert url(photo, "thumb") != old_url and client.get(old_url).status_code == 404
    for size, want in (("thumb", 320), ("medium", 1280)):
        assert side(b"".join(client.get(url(photo, size)).streaming_content)) == want
    # Each size sits next to the photo, in the case's own folder.
    folder = photo.image.name.rsplit("/", 1)[0]
    assert photo.thumb.name.startswith(folder + "/") and photo.medium.name.startswith(folder)


def test_making_sizes_again_does_nothing_and_a_lost_file_does_not_stop_it(world):
    add_centres(world)
    case = open_case(world)
    done, lost, waiting = old_photo(case), old_photo(case), old_photo(case, side=400)
    call_command("make_photo_sizes", stdout=io.StringIO())
    CasePhoto.objects.filter(pk__in=[lost.pk, waiting.pk]).update(thumb="", medium="")
    lost.image.storage.delete(lost.image.name)
    before = CasePhoto.objects.get(pk=done.pk).thumb.name

    out, err = io.StringIO(), io.StringIO()
    call_command("make_photo_sizes", stdout=out, stderr=err)
    assert "casework.CasePhoto: 1 made, 1 failed" in out.getvalue()
    assert f"casework.CasePhoto {lost.pk}:" in err.getvalue()
    assert CasePhoto.objects.get(pk=done.pk).thumb.name == before
    waiting.refresh_from_db()
    assert waiting.thumb and waiting.medium
