"""Pages residents open without an account — the QR form and the tracking page — and the
posters staff print for them (namespace `intake`, mounted at /r/).

The resident pages need no login: the poster's token or the case's tracking code is the
credential. They show the building and the case's progress, never a resident's name,
phone, household or an internal note, and they are never cached. The posters are staff
pages: a building outside the user's scope is a 404.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, register_converter, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.errors import DomainError
from banyan.common.forms import client_ip, run_service
from banyan.common.images import photo_response
from banyan.common.links import absolute_url
from banyan.places import selectors as place_selectors
from banyan.places.models import Building

from .. import public_selectors, selectors, services
from ..models import Case, CaseCategory, is_tracking_code, normalize_tracking_code
from ..services import intake
from ..workflow import State


class IntakeTokenConverter:
    """A poster token (BuildingIntake.token): URL-safe base64, never a sequential id."""

    regex = "[A-Za-z0-9_-]{16,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IntakeTokenConverter, "intake_token")


# --- forms ----------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    category: forms.ModelChoiceField[CaseCategory] = forms.ModelChoiceField(
        label=_("What is it about?"),
        queryset=None,  # the building's community's public categories, set per form
        empty_label=_("Choose one"),
    )
    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you see and since when. Please write no names or phone numbers here."),
    )
    where = forms.CharField(
        label=_("Where exactly?"),
        required=False,
        max_length=100,
        help_text=_("For example: unit 2, top-floor stairwell."),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*"}),
        help_text=_("Optional. A photo helps the repair team bring the right tools."),
    )
    phone = forms.CharField(
        label=_("Your mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Optional. Only grid staff see it, to call you back if they need to."),
    )

    def __init__(self, *args: Any, categories: QuerySet[CaseCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]


class ConfirmForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was it done?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = poorly, 5 = very well."),
    )
    comment = forms.CharField(
        label=_("Anything to add?"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("What is still wrong?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- the QR form ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def intake_form(request: HttpRequest, token: str) -> HttpResponse:
    building = public_selectors.get_building_by_intake_token(token)
    categories = selectors.categories_for(community_id=building.community_id, public_only=True)
    posted = request.method == "POST"
    form = IntakeForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        categories=categories,
    )
    status = 200
    if posted and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.intake_submit(
                building=building,
                category=d["category"],
                description=d["description"],
                where=d["where"],
                phone=d["phone"],
                photo=d["photo"],
                client_key=intake.client_key_for(client_ip(request)),
            )
        except intake.IntakeLimited as err:
            form.add_error(None, str(err.message))
            status = 429
        except DomainError as err:
            form.add_error(err.field if err.field in form.fields else None, str(err.message))
        else:
            return redirect("intake:thanks", code=case.tracking_code)
    return render(
        request,
        "casework/public_form.html",
        {"form": form, "building": building, "community": building.community},
        status=status,
    )


# --- tracking -------------------------------------------------------------------------------


def _can_reopen(case: Case) -> bool:
    if case.state == State.RESOLVED:
        return True
    if case.state == State.CLOSED and case.closed_at is not None:
        window = dt.timedelta(days=settings.BANYAN_REOPEN_DAYS)
        return timezone.now() - case.closed_at <= window
    return False


def _track_page(
    request: HttpRequest,
    case: Case,
    *,
    confirm: ConfirmForm | None = None,
    reopen: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    history = public_selectors.public_steps(case=case)
    return render(
        request,
        "casework/public_track.html",
        {
            "case": case,
            "building": case.building,
            "history": history,
            "photos": list(public_selectors.public_photos(case=case)),
            "overdue": case.is_overdue(),
            "can_confirm": case.state == State.RESOLVED,
            "can_reopen": _can_reopen(case),
            "confirm_form": confirm or ConfirmForm(prefix="confirm"),
            "reopen_form": reopen or ReopenForm(prefix="reopen"),
        },
        status=status,
    )


def _case_for(request: HttpRequest, code: str) -> Case:
    """The case a tracking code names, or Http404. A client that has typed too many codes
    naming nothing is refused for the hour (IntakeLimited), and each miss is counted."""
    client = intake.client_key_for(client_ip(request))
    intake.check_tracking_allowed(client_key=client)
    case = selectors.find_case_by_tracking_code(code)
    if case is None:
        if is_tracking_code(normalize_tracking_code(code)):
            intake.tracking_miss(client_key=client)
        raise Http404
    return case


View = Callable[..., HttpResponse]


def _tracking(view: View) -> View:
    """A page named by a tracking code: a refused client gets the lookup form with why."""

    @functools.wraps(view)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except intake.IntakeLimited as err:
            return render(
                request,
                "casework/public_lookup.html",
                {"code": "", "error": str(err.message)},
                status=429,
            )

    return inner


def _shape_error(code: str) -> str:
    """Why a typed code cannot be one (after spaces and case are set aside), or ""."""
    if is_tracking_code(code):
        return ""
    if set(code) & set("0O1I"):
        return str(
            _(
                "Tracking codes have no 0, O, 1 or I (they are easy to mix up). Check those "
                "characters on your note."
            )
        )
    return str(_("A tracking code has ten letters and digits. Check it and try again."))


@never_cache
@require_GET
@_tracking
def track_lookup(request: HttpRequest) -> HttpResponse:
    """Type a tracking code (from the thank-you page or a grid worker's note): spaces,
    hyphens, lower case and full-width letters are all fine."""
    typed = request.GET.get("code", "")
    code = normalize_tracking_code(typed)[:40]
    error = ""
    if code:
        error = _shape_error(code)
        if not error:
            try:
                case = _case_for(request, code)
            except Http404:  # say so on the form instead
                error = str(_("No report has this code. Check it and try again."))
            else:
                return redirect("intake:track", code=case.tracking_code)
    return render(
        request,
        "casework/public_lookup.html",
        {"code": code, "error": error},
        status=404 if error else 200,
    )


@never_cache
@require_GET
@_tracking
def track(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_for(request, code)
    if code != case.tracking_code:  # typed by hand into the address bar
        return redirect("intake:track", code=case.tracking_code)
    return _track_page(request, case)


@never_cache
@require_GET
@_tracking
def thanks(request: HttpRequest, code: str) -> HttpResponse:
    case = _case_for(request, code)
    return render(request, "casework/public_thanks.html", {"case": case})


@never_cache
@require_POST
@_tracking
def track_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """The resident says it is fixed, with a rating (case_confirm with no account)."""
    case = _case_for(request, code)
    form = ConfirmForm(request.POST, prefix="confirm")
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.case_confirm(
                actor=None,
                case=case,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            ),
        )
        if done is not None:
            messages.success(request, _("Thank you. The case is closed."))
            return redirect("intake:track", code=case.tracking_code)
    return _track_page(request, case, confirm=form, status=400)


@never_cache
@require_POST
@_tracking
def track_reopen(request: HttpRequest, code: str) -> HttpResponse:
    """ "Not fixed": the resident reopens the case (case_reopen with no account)."""
    case = _case_for(request, code)
    form = ReopenForm(request.POST, prefix="reopen")
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.case_reopen(
                actor=None, case=case, comment=form.cleaned_data["comment"]
            ),
        )
        if done is not None:
            messages.success(request, _("Thank you. The grid has been told it is not fixed."))
            return redirect("intake:track", code=case.tracking_code)
    return _track_page(request, case, reopen=form, status=400)


@require_GET
@_tracking
def track_photo(request: HttpRequest, code: str, pk: int, size: str, token: str) -> FileResponse:
    """One size of a public photo of the case (the work done), served only through its
    tracking code."""
    case = _case_for(request, code)
    return photo_response(public_selectors.get_public_photo(case=case, pk=pk), size, token)


# --- posters (staff) ------------------------------------------------------------------------


def _poster(request: HttpRequest, building: Building, token: str) -> dict[str, Any]:
    # The public address when one is configured (posters hang for years), else the one
    # this page was opened on.
    url = absolute_url(request, reverse("intake:form", args=[token]))
    qr = segno.make(url, error="m")
    # segno writes the SVG from the QR matrix alone (no user text): safe to inline.
    svg = mark_safe(qr.svg_inline(omitsize=True, dark="#000"))  # noqa: S308
    return {"building": building, "url": url, "svg": svg}


@login_required
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """A building's printable QR poster."""
    building = place_selectors.get_building_for_user(request.user, pk)
    if request.method != "GET":  # after the scope check: a 405 would confirm the building
        return HttpResponseNotAllowed(["GET"])
    token = intake.building_intake_token(building=building)
    caps = get_scope(request.user).caps_at(
        community_id=building.community_id, grid_id=building.grid_id, building_id=building.pk
    )
    return render(
        request,
        "casework/poster.html",
        {
            "title": str(building),
            "posters": [_poster(request, building, token)],
            "building": building,
            "can_renew": Cap.MANAGE_PLACES in caps,
            "back": reverse("places:building-detail", args=[building.pk]),
        },
    )


@login_required
def poster_compound(request: HttpRequest, pk: int) -> HttpResponse:
    """Every building's poster in a compound, one per printed page."""
    compound = place_selectors.get_compound_for_user(request.user, pk)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    buildings = list(place_selectors.building_list(user=request.user, compound=compound))
    tokens = intake.building_intake_tokens(buildings=buildings)
    return render(
        request,
        "casework/poster.html",
        {
            "title": compound.name,
            "posters": [_poster(request, b, tokens[b.pk]) for b in buildings],
            "compound": compound,
            "back": reverse("places:compound-detail", args=[compound.pk]),
        },
    )


@login_required
@require_POST
def poster_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """A new link for a building: every poster printed before stops working."""
    building = place_selectors.get_building_for_user(request.user, pk)
    intake.building_intake_rotate(actor=request.user, building=building)
    messages.success(
        request,
        _("New link made. Posters printed before no longer work: print and hang this one."),
    )
    return redirect("intake:poster", pk=building.pk)


urlpatterns = [
    path("track/", track_lookup, name="track-lookup"),
    path("track/<str:code>/", track, name="track"),
    path("track/<str:code>/thanks/", thanks, name="thanks"),
    path("track/<str:code>/confirm/", track_confirm, name="track-confirm"),
    path("track/<str:code>/reopen/", track_reopen, name="track-reopen"),
    path(
        "track/<str:code>/photos/<int:pk>/<str:size>/<str:token>.jpg",
        track_photo,
        name="track-photo",
    ),
    path("poster/<int:pk>/", poster, name="poster"),
    path("poster/<int:pk>/renew/", poster_renew, name="poster-renew"),
    path("poster/compound/<int:pk>/", poster_compound, name="poster-compound"),
    path("<intake_token:token>/", intake_form, name="form"),
]
