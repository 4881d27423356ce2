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


def test_a_visit_photo_stored_before_its_sizes_gets_them_and_a_visit_without_one_is_skipped(
    client, world
):
    import datetime as dt

    from banyan.casework.models import Visit

    def visit(**fields) -> Visit:
        return Visit.objects.create(
            community=world.community,
            grid=world.l2_1_1,
            household=world.household_1_1,
            visited_on=dt.date(2026, 4, 30),
            visitor=world.bob,
            **fields,
        )

    buf = io.BytesIO()
    Image.new("RGB", (1800, 1350), (60, 120, 90)).save(buf, format="JPEG")
    old = visit()
    old.image.save("photo.jpg", ContentFile(buf.getvalue()), save=True)  # as it was stored
    visit()  # no photo at all: nothing to make, and no failure
    client.force_login(world.bob)
    before = reverse("casework:visit-photo", args=[old.pk, "thumb", old.thumb_token])
    r = client.get(before)
    assert r.status_code == 200 and side(b"".join(r.streaming_content)) == 1800

    out = io.StringIO()
    call_command("make_photo_sizes", stdout=out)
    assert "casework.Visit: 1 made, 0 failed" in out.getvalue()
    old.refresh_from_db()
    assert client.get(before).status_code == 404  # the old URL named the old content
    for size, want in (("thumb", 320), ("medium", 1280)):
        r = client.get(reverse("casework:visit-photo", args=[old.pk, size, old.photo_token(size)]))
        assert side(b"".join(r.streaming_content)) == want
