"""On a phone on a slow connection: a photo is made smaller before it is sent, with its
progress shown; the case page shows a thumbnail that the browser keeps; without
JavaScript the plain form still sends the photo.

Timings are printed (run with -s) for docs/performance.md, never asserted."""

from __future__ import annotations

import functools
import io
import time
from pathlib import Path

import pytest
from PIL import Image

from banyan.casework import services
from banyan.casework.models import Case, CasePhoto
from banyan.casework.services.intake import building_intake_token

from .factories import add_centres, category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
# Chrome's "slow 3G", as the issue measured it: 400 kbit/s each way, 400 ms latency.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@functools.cache
def phone_photo() -> bytes:
    """A 12-megapixel photo as a phone writes it (about 2.9 MB), taken with the phone
    turned (EXIF orientation 6: the picture is portrait once turned upright). Noise at
    two scales stands in for a real scene's detail, so that each size weighs about what
    a real photo's does (the 1600 px upload ~350 KB, the thumbnail ~15 KB)."""
    width, height = 4032, 3024
    fine = Image.effect_noise((width // 2, height // 2), 40).resize((width, height))
    coarse = Image.effect_noise((width // 16, height // 16), 40).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    light = Image.linear_gradient("L").resize((width, height))
    shade = light.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = Image.merge(
        "RGB",
        (
            Image.blend(fine, coarse, 0.5),
            Image.blend(coarse, light, 0.5),
            Image.blend(fine, shade, 0.6),
        ),
    )
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=87, exif=exif.tobytes())
    return out.getvalue()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name


def _slow_3g(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    return cdp


def _posted_bytes(page) -> list[int]:
    """The size of every POST body the page sends from now on, from its Content-Length
    as it went on the wire (the body itself is not readable when it holds a file)."""
    sizes: list[int] = []

    def sent(request) -> None:
        if request.method == "POST":
            sizes.append(int(request.header_value("content-length") or 0))

    page.on("requestfinished", sent)
    return sizes


def _sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# The page's CSP forbids eval, which wait_for_function polls with: evaluate a promise.
THUMBNAIL_LOADED = """() => new Promise((done, failed) => {
  const img = document.querySelector(".cw-photos img");
  if (img.complete && img.naturalWidth) return done(img.naturalWidth);
  img.addEventListener("load", () => done(img.naturalWidth));
  img.addEventListener("error", () => failed(new Error("the thumbnail did not load")));
})"""


def _thumbnail_loaded(page) -> None:
    assert page.evaluate(THUMBNAIL_LOADED) > 0


def _photo_file(name: str = "IMG_0412.JPG") -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": phone_photo()}


def test_a_phone_photo_is_shrunk_and_sent_with_progress_on_slow_3g(phone_page, world):
    add_centres(world)
    page = phone_page
    assert len(phone_photo()) > 2_500_000
    page.goto(f"/r/{building_intake_token(building=world.building_1_1)}/")
    page.select_option("select[name=category]", str(category("roof_leak").pk))
    page.fill("textarea[name=description]", "顶楼屋顶漏水，下雨时滴到床上")
    page.set_input_files("input[name=photo]", files=[_photo_file()])
    _slow_3g(page)
    posted = _posted_bytes(page)

    started = time.monotonic()
    page.locator("main button[name=send]").click()
    # The bar shows while the photo travels.
    page.wait_for_selector(".upload-status progress[value]")
    assert "正在发送" in page.locator(".upload-status").inner_text()
    _shot(page, "photo-uploading")
    page.wait_for_url("**/thanks/", timeout=60_000)
    seconds = time.monotonic() - started
    code = page.locator("#tracking-code").inner_text().strip()

    print(
        f"\nslow 3G: photo of {len(phone_photo()):,} B sent as {posted[0]:,} B in {seconds:.1f} s"
    )
    assert len(posted) == 1 and 50_000 < posted[0] < 500_000
    photo = CasePhoto.objects.get(case=Case.objects.get(tracking_code=code))
    with Image.open(photo.image.path) as stored:
        # Shrunk in the browser to 1600 px on the long side, and turned upright there
        # (what it sent has no EXIF left for the server to turn it by again).
        assert stored.size == (1200, 1600)


def test_the_staff_form_sends_photos_the_same_way_and_shows_where_it_went(phone_page, world):
    page = phone_page
    _sign_in(page, "bob", world.password)
    page.goto(f"/cases/new/?household={world.household_1_1.pk}")
    page.select_option("select[name=category]", str(category("roof_leak").pk))
    page.set_input_files("input[name=photos]", files=[_photo_file()])
    posted = _posted_bytes(page)
    # Without a description the form comes back with its error, in place.
    page.locator("main button[type=submit]").click()
    page.wait_for_selector(".field.has-error textarea[name=description]")
    assert not Case.objects.exists() and "/cases/new/" in page.url
    # Chosen again (no browser keeps a file across a page) and sent.
    page.fill("textarea[name=description]", "楼道灯坏了")
    page.set_input_files("input[name=photos]", files=[_photo_file()])
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get()
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert f"#{case.pk}" in page.locator(".flash").inner_text()  # the message was kept
    assert len(posted) == 2 and all(50_000 < size < 500_000 for size in posted)
    thumb = page.locator(".cw-photos img")
    thumb.scroll_into_view_if_needed()
    _thumbnail_loaded(page)
    _shot(page, "photo-case-page")


def test_without_javascript_the_plain_form_still_sends_the_photo(phone_page, world, live_server):
    add_centres(world)
    browser = phone_page.context.browser
    context = browser.new_context(
        viewport={"width": 375, "height": 667},
        locale="zh-CN",
        base_url=live_server.url,
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(f"/r/{building_intake_token(building=world.building_1_1)}/")
    page.select_option("select[name=category]", str(category("roof_leak").pk))
    page.fill("textarea[name=description]", "楼道漏水")
    page.set_input_files("input[name=photo]", files=[_photo_file()])
    posted = _posted_bytes(page)
    page.locator("main button[name=send]").click()
    page.wait_for_url("**/thanks/")
    context.close()
    assert posted[0] > len(phone_photo())  # the photo as it was: nothing shrank it
    photo = CasePhoto.objects.get()
    with Image.open(photo.image.path) as stored:
        assert stored.size == (1536, 2048)  # the server shrank and turned it instead


def _case_with_a_phone_photo(world) -> Case:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("IMG_0412.JPG", phone_photo(), content_type="image/jpeg")
    return services.case_create(
        actor=world.bob,
        category=category("roof_leak"),
        description="屋顶漏水，雨天滴到床上",
        channel="visit",
        household=world.household_1_1,
        photos=[upload],
    )


def test_a_case_page_with_a_photo_weighs_under_100_kb_and_the_photo_is_kept(phone_page, world):
    case = _case_with_a_phone_photo(world)
    page = phone_page
    _sign_in(page, "bob", world.password)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    wire: dict[str, int] = {}  # request id → bytes on the wire (headers and body)
    urls: dict[str, str] = {}
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: wire.__setitem__(e["requestId"], e["encodedDataLength"]),
    )

    cdp.send("Network.clearBrowserCache")  # the first view: nothing kept from signing in

    def view() -> dict[str, int]:
        wire.clear()
        page.goto(f"/cases/{case.pk}/")
        page.locator(".cw-photos img").scroll_into_view_if_needed()
        _thumbnail_loaded(page)
        page.wait_for_load_state("networkidle")
        return {urls[rid]: n for rid, n in wire.items() if n}

    first = view()
    total = sum(first.values())
    photo = [n for url, n in first.items() if "/photos/" in url]
    print(
        f"\ncase page, first view: {total:,} B on the wire ({len(first)} requests); photo {photo}"
    )
    assert len(photo) == 1 and photo[0] < 40_000
    assert total <= 100_000
    # The next view takes the thumbnail from the browser's cache: no bytes for it.
    again = view()
    assert not [url for url in again if "/photos/" in url]
    # A tap opens the medium size.
    page.locator(".cw-photos a").click()
    page.wait_for_url("**/medium/*.jpg")
    size = page.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]")
    assert size == [960, 1280]


# An <img> for the URL, loaded in the page: its width, or 0 when no picture came (signed
# out, the server answers with the sign-in page, which is not one).
IMAGE_WIDTH = """(url) => new Promise((done) => {
  const img = new Image();
  img.addEventListener("load", () => done(img.naturalWidth));
  img.addEventListener("error", () => done(0));
  img.src = url;
})"""


def _sign_out(page) -> None:
    page.locator("details.usermenu summary").click()
    page.locator("details.usermenu button", has_text="退出").click()
    page.wait_for_url("**/accounts/login/")


def test_signing_out_removes_the_photos_from_the_browsers_cache(phone_page, world):
    """On a shared phone the next person must not find a resident's photos in the cache.

    A photo is kept under `Vary: Cookie`, so the browser reuses it only for a request
    with the same cookies; the test sends the old session's cookies again after the
    server forgot that session, so only the cache can still show the photo."""
    from django.contrib.sessions.models import Session

    case = _case_with_a_phone_photo(world)
    page = phone_page
    context = page.context

    def view_case() -> str:
        page.goto(f"/cases/{case.pk}/")
        page.locator(".cw-photos img").scroll_into_view_if_needed()
        _thumbnail_loaded(page)
        return page.locator(".cw-photos img").get_attribute("src")

    def shown_with(cookies: list) -> int:
        context.clear_cookies()
        context.add_cookies(cookies)
        return page.evaluate(IMAGE_WIDTH, thumb)

    # What the test observes: the session ended on the server without a word to the
    # browser (its row deleted), the photo still shows, from the cache alone.
    _sign_in(page, "bob", world.password)
    thumb = view_case()
    cookies = context.cookies()
    Session.objects.all().delete()
    page.goto("/accounts/login/")
    assert shown_with(cookies) > 0

    # Signed out with the button, the cache is emptied: the same cookies find nothing.
    _sign_in(page, "bob", world.password)
    assert view_case() == thumb
    cookies = context.cookies()
    _sign_out(page)
    assert shown_with(cookies) == 0
