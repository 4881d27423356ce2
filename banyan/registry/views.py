"""Registry screens: thin views that parse input, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.casework.staff_selectors import household_panel
from banyan.common.errors import DomainError
from banyan.common.forms import client_ip, run_and_report
from banyan.common.pages import form_view
from banyan.common.params import parse_id
from banyan.common.sealed import seal, unseal
from banyan.party.selectors import household_has_members
from banyan.places import selectors as place_selectors
from banyan.places.views import crumbs as place_crumbs
from banyan.timeline.attachments import attach
from banyan.timeline.selectors import household_timeline, person_timeline

from . import forms, selectors, services
from .models import Household, Person


def _crumbs(user, household: Household) -> list[dict]:
    trail = place_crumbs(user, household.grid)
    if household.building_id:
        trail.append(
            {
                "name": str(household.building),
                "url": reverse("places:building-detail", args=[household.building_id]),
            }
        )
    return trail


def _require(caps: frozenset[str], cap: str) -> None:
    if cap not in caps:
        raise PermissionDenied


# --- households -------------------------------------------------------------------------


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for_user(request.user, pk)
    caps = selectors.caps_for_household(request.user, household)
    sensitive = Cap.VIEW_SENSITIVE in caps
    full = Cap.VIEW_FULL_RECORD in caps
    members = selectors.household_members(household=household, include_sensitive=sensitive)
    timeline = (
        # With a visit's photo beside it (timeline.attachments).
        attach(
            request.user,
            household_timeline(household_id=household.pk, include_sensitive=sensitive),
        )
        if full
        else []
    )
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "living": [m for m in members if m.status == "living"],
            "former": [m for m in members if m.status != "living"],
            "timeline": timeline,
            "full": full,
            "can_edit": Cap.EDIT_REGISTRY in caps,
            "breadcrumbs": _crumbs(request.user, household),
            # Last visit, recent visits and cases (casework/_household_panel.html).
            "cw": household_panel(user=request.user, household=household),
            # Grid workers may know that party members live here, where allowed.
            "has_party_members": household_has_members(caps=caps, household=household),
        },
    )


@login_required
def household_create(request: HttpRequest) -> HttpResponse:
    """Register a household in a building (?building=) or at an address in a grid (?grid=)."""
    building = grid = None
    if (building_pk := parse_id(request.GET.get("building"))) is not None:
        building = place_selectors.get_building_for_user(request.user, building_pk)
        grid = building.grid
    elif (grid_pk := parse_id(request.GET.get("grid"))) is not None:
        grid = place_selectors.get_node_for_user(request.user, grid_pk)
    if grid is None:
        raise Http404
    _require(
        get_scope(request.user).caps_at(
            community_id=grid.community_id or 0,
            grid_id=grid.pk,
            building_id=building.pk if building else None,
        ),
        Cap.EDIT_REGISTRY,
    )
    return form_view(
        request,
        forms.HouseholdCreateForm,
        lambda d: services.household_create(
            actor=request.user,
            grid=grid,
            building=d["building"],
            unit=d["unit"],
            room=d["room"],
            address=d["address"],
            situation_note=d["situation_note"],
        ),
        done=_("Household registered."),
        then=lambda household: reverse("registry:household-detail", args=[household.pk]),
        title=_("Register a household"),
        subtitle=grid.name,
        initial={"building": building},
        buildings=place_selectors.building_list(user=request.user, node=grid),
    )


def _household_initial(household: Household) -> dict:
    return {f: getattr(household, f) for f in (*services.HOUSEHOLD_FIELDS, "version")}


@login_required
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for_user(request.user, pk, Cap.EDIT_REGISTRY)
    back = reverse("registry:household-detail", args=[household.pk])
    return form_view(
        request,
        forms.HouseholdForm,
        lambda d: services.household_update(actor=request.user, household=household, **d),
        done=_("Household saved."),
        then=back,
        title=_("Edit household"),
        back=back,
        subtitle=household.label,
        initial=_household_initial(household),
        current=_household_initial,
    )


@login_required
@require_POST
def household_verify(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for_user(request.user, pk, Cap.EDIT_REGISTRY)
    services.household_verify(actor=request.user, household=household)
    messages.success(request, _("Household situation marked as verified today."))
    return redirect("registry:household-detail", pk=household.pk)


@login_required
def household_split(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for_user(request.user, pk, Cap.EDIT_REGISTRY)
    return form_view(
        request,
        forms.SplitForm,
        lambda d: services.household_split(
            actor=request.user,
            household=household,
            persons=list(d["persons"]),
            building=d["building"],
            unit=d["unit"],
            room=d["room"],
            address=d["address"],
            occurred_on=d["occurred_on"],
        ),
        done=_("New household registered."),
        then=lambda new: reverse("registry:household-detail", args=[new.pk]),
        title=_("Split household"),
        back=reverse("registry:household-detail", args=[household.pk]),
        subtitle=household.label,
        household=household,
        buildings=place_selectors.building_list(user=request.user, node=household.grid),
    )


@login_required
def household_merge(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.get_household_for_user(request.user, pk, Cap.EDIT_REGISTRY)

    def merge(d: dict) -> Household:
        try:
            target = selectors.get_household_for_user(request.user, d["target"], Cap.EDIT_REGISTRY)
        except Http404:
            raise DomainError(_("No such household in your grids."), field="target") from None
        return services.household_merge(
            actor=request.user, source=household, target=target, occurred_on=d["occurred_on"]
        )

    return form_view(
        request,
        forms.MergeForm,
        merge,
        done=_("Households merged."),
        then=lambda merged: reverse("registry:household-detail", args=[merged.pk]),
        title=_("Merge household"),
        back=reverse("registry:household-detail", args=[household.pk]),
        subtitle=household.label,
    )


# --- persons ----------------------------------------------------------------------------


def _person_page(request: HttpRequest, person: Person, revealed: dict[str, str]) -> HttpResponse:
    caps = selectors.caps_for_person(request.user, person)
    sensitive = Cap.VIEW_SENSITIVE in caps
    full = Cap.VIEW_FULL_RECORD in caps
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "full": full,
            "can_edit": Cap.EDIT_REGISTRY in caps,
            "can_reveal": Cap.REVEAL_PII in caps,
            "categories": selectors.person_categories(person=person, include_sensitive=sensitive)
            if full
            else [],
            "timeline": person_timeline(person_id=person.pk, include_sensitive=sensitive)
            if full
            else [],
            "revealed": revealed,
            "breadcrumbs": [
                *_crumbs(request.user, person.household),
                {
                    "name": person.household.label,
                    "url": reverse("registry:household-detail", args=[person.household_id]),
                },
            ],
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for_user(request.user, pk)
    services.person_viewed(actor=request.user, person=person, ip=client_ip(request))
    return _person_page(request, person, {})


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one field unmasked in the response to this POST only: the value never goes
    into a URL, a redirect or the session store, and the page is not cached."""
    person = selectors.get_person_for_user(request.user, pk)
    field = request.POST.get("field", "")
    ok, value = run_and_report(
        request,
        lambda: services.person_reveal(
            actor=request.user, person=person, field=field, ip=client_ip(request)
        ),
    )
    if not ok:
        return redirect("registry:person-detail", pk=person.pk)
    return _person_page(request, person, {field: value})


@login_required
def person_add(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = selectors.get_household_for_user(request.user, household_pk, Cap.EDIT_REGISTRY)
    back = reverse("registry:household-detail", args=[household.pk])
    return form_view(
        request,
        forms.AddPersonForm,
        lambda d: services.person_add(
            actor=request.user, household=household, ip=client_ip(request), **d
        ),
        done=lambda person: _("%(name)s added.") % {"name": person.name},
        then=back,
        title=_("Add a person"),
        back=back,
        subtitle=household.label,
    )


@login_required
def person_birth(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = selectors.get_household_for_user(request.user, household_pk, Cap.EDIT_REGISTRY)
    back = reverse("registry:household-detail", args=[household.pk])
    return form_view(
        request,
        forms.BirthForm,
        lambda d: services.person_add(
            actor=request.user,
            household=household,
            ip=client_ip(request),
            reason="born",
            registered_address="",
            lives_at_registered_address=True,
            **d,
        ),
        done=lambda person: _("Birth of %(name)s recorded.") % {"name": person.name},
        then=back,
        title=_("Record a birth"),
        back=back,
        subtitle=household.label,
    )


def _person_initial(person: Person) -> dict:
    initial = {f: getattr(person, f) for f in services.PERSON_FIELDS if f != "id_number"}
    initial["phone"] = ""  # never put the full number into the page
    initial["version"] = person.version
    return initial


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for_user(request.user, pk, Cap.EDIT_REGISTRY)

    def form(*args: Any, **kwargs: Any) -> forms.PersonEditForm:
        built = forms.PersonEditForm(*args, **kwargs)
        built.fields["phone"].help_text = _("On record: %(phone)s. Leave empty to keep it.") % {
            "phone": person.phone_masked or "—"
        }
        return built

    def save(d: dict) -> Person:
        if not d["phone"]:
            d = {k: v for k, v in d.items() if k != "phone"}  # keep the number on record
        return services.person_update(actor=request.user, person=person, ip=client_ip(request), **d)

    back = reverse("registry:person-detail", args=[person.pk])
    return form_view(
        request,
        form,
        save,
        done=_("Saved."),
        then=back,
        title=_("Edit person"),
        back=back,
        subtitle=person.name,
        initial=_person_initial(person),
        current=_person_initial,
    )


def _person_action(request, pk, form_class, title, call, done_message):
    person = selectors.get_person_for_user(request.user, pk, Cap.EDIT_REGISTRY)
    back = reverse("registry:person-detail", args=[person.pk])
    return form_view(
        request,
        form_class,
        lambda d: call(person, d),
        done=done_message,
        then=back,
        title=title,
        back=back,
        subtitle=person.name,
    )


@login_required
def person_move_out(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_action(
        request,
        pk,
        forms.MoveOutForm,
        _("Record a move out"),
        lambda p, d: services.person_move_out(
            actor=request.user,
            person=p,
            occurred_on=d["occurred_on"],
            destination=d["destination"],
        ),
        _("Move out recorded."),
    )


@login_required
def person_death(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_action(
        request,
        pk,
        forms.DatedForm,
        _("Record a death"),
        lambda p, d: services.person_record_death(
            actor=request.user, person=p, occurred_on=d["occurred_on"]
        ),
        _("Death recorded."),
    )


@login_required
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    def move(person: Person, d: dict) -> Person:
        try:
            target = selectors.get_household_for_user(
                request.user, d["to_household"], Cap.EDIT_REGISTRY
            )
        except Http404:
            raise DomainError(_("No such household in your grids."), field="to_household") from None
        return services.person_move(
            actor=request.user,
            person=person,
            to_household=target,
            occurred_on=d["occurred_on"],
            relation=d["relation"],
        )

    return _person_action(
        request, pk, forms.MoveForm, _("Move to another household"), move, _("Move recorded.")
    )


@login_required
def category_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person_for_user(request.user, pk, Cap.EDIT_REGISTRY)
    caps = selectors.caps_for_person(request.user, person)
    categories = selectors.categories_for(
        community_id=person.community_id, include_sensitive=Cap.VIEW_SENSITIVE in caps
    )
    back = reverse("registry:person-detail", args=[person.pk])
    return form_view(
        request,
        forms.CategoryAddForm,
        lambda d: services.category_add(actor=request.user, person=person, **d),
        done=_("Category added."),
        then=back,
        title=_("Add a category"),
        back=back,
        subtitle=person.name,
        categories=categories,
    )


@login_required
def category_end(request: HttpRequest, pk: int) -> HttpResponse:
    pc = selectors.get_person_category_for_user(request.user, pk, Cap.EDIT_REGISTRY)
    back = reverse("registry:person-detail", args=[pc.person_id])
    return form_view(
        request,
        forms.CategoryEndForm,
        lambda d: services.category_end(
            actor=request.user, person_category=pc, valid_to=d["valid_to"]
        ),
        done=_("Category ended."),
        then=back,
        title=_("End a category"),
        back=back,
        subtitle=f"{pc.person.name} · {pc.category.display_name}",
    )


# --- lists ------------------------------------------------------------------------------

PERSONS_PER_PAGE = 50
HOUSEHOLDS_PER_PAGE = 50


@login_required
def household_list(request: HttpRequest) -> HttpResponse:
    """Households in a node's subtree (a grid manager's L2 grid), 50 to a page.

    A constant number of queries whatever the grid or the page: the count and the page
    are two indexed queries on the household's own community / grid columns, and the
    member counts are computed in the page query for its rows.
    """
    node = None
    if (node_pk := parse_id(request.GET.get("node"))) is not None:
        node = place_selectors.get_node_for_user(request.user, node_pk)
    households = selectors.household_rows(
        user=request.user, qs=selectors.household_list(user=request.user, node=node)
    )
    page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/household_list.html",
        {
            "node": node,
            "page": page,
            "rows": [
                (row["id"], selectors.row_label(row), row["member_count"])
                for row in page.object_list
            ],
            "breadcrumbs": place_crumbs(request.user, node) if node else [],
        },
    )


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """People living in a node's subtree, optionally with one current category (人员类别清).

    A post that sees aggregates only (the district) gets the count and no one by name.
    """
    node = category = None
    if (node_pk := parse_id(request.GET.get("node"))) is not None:
        node = place_selectors.get_node_for_user(request.user, node_pk)
    if request.GET.get("category"):
        category = selectors.get_category_for_user(
            request.user, code=request.GET["category"], node=node
        )
    page = None
    if get_scope(request.user).can(Cap.VIEW_REGISTRY):
        q = request.GET.get("q", "").strip()
        try:
            persons = selectors.person_list(
                user=request.user, node=node, category=category, q=q, status="living"
            )
        except DomainError as err:  # a number, or input no search takes: list without it
            messages.error(request, str(err.message))
            persons = selectors.person_list(
                user=request.user, node=node, category=category, status="living"
            )
        persons = persons.select_related("household__building__compound")
        page = Paginator(persons, PERSONS_PER_PAGE).get_page(request.GET.get("page"))
        count = page.paginator.count
    else:
        count = selectors.living_count(user=request.user, node=node, category=category)
    return render(
        request,
        "registry/person_list.html",
        {
            "node": node,
            "category": category,
            "page": page,
            "count": count,
            "breadcrumbs": place_crumbs(request.user, node) if node else [],
        },
    )


# --- search -----------------------------------------------------------------------------


SEARCH_PER_PAGE = 20


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search by name, pinyin initials, address, room, a phone's last four digits or (for
    posts that may reveal) a whole ID number or phone, with counts and pages.

    The text is POSTed and answered at once; further pages are named by an opaque token
    (common.sealed) that holds the text server-side, encrypted, for the same user. So no
    number typed here ever reaches a URL, a redirect, the access log or a server log.
    """
    q, token, error = "", "", ""
    query = selectors.SearchQuery(selectors.SearchKind.EMPTY)
    page_number: str | int | None = 1
    try:
        if request.method == "POST":
            q = request.POST.get("q", "")
            query = selectors.parse_search(q)
            services.search_admit(actor=request.user, query=query, ip=client_ip(request))
            if query.kind != selectors.SearchKind.EMPTY:
                token = seal(user_id=request.user.pk, data={"q": q})
        elif request.GET.get("s"):
            token = request.GET["s"]
            kept = unseal(user_id=request.user.pk, token=token)
            if kept is None:
                token, error = "", _("This search has expired. Search again.")
            else:
                q = str(kept.get("q", ""))
                query = selectors.parse_search(q)  # admitted when it was posted
                page_number = request.GET.get("page")
        elif request.GET.get("q"):
            # An old link or bookmark: text is searched, numbers are not.
            query = selectors.parse_search(request.GET["q"])
            if query.is_identifier or query.kind == selectors.SearchKind.PHONE_TAIL:
                query = selectors.SearchQuery(selectors.SearchKind.EMPTY)
                error = _("Search by number with the search box: numbers never go into a link.")
            else:
                q = query.text
                token = seal(user_id=request.user.pk, data={"q": q})
    except DomainError as err:
        query, error = selectors.SearchQuery(selectors.SearchKind.EMPTY), str(err.message)
    persons = Paginator(
        selectors.search_persons(user=request.user, query=query), SEARCH_PER_PAGE
    ).get_page(page_number)
    households = Paginator(
        selectors.search_households(user=request.user, query=query), SEARCH_PER_PAGE
    ).get_page(page_number)
    pages = max(persons, households, key=lambda p: p.paginator.num_pages)
    return render(
        request,
        "registry/search.html",
        {
            "q": q,
            "searched": query.kind != selectors.SearchKind.EMPTY,
            "error": error,
            "persons": persons,
            "households": households,
            "pages": pages,
            "token": token,
        },
    )
