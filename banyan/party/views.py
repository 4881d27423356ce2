"""Party screens: thin views that parse input, call one selector or service, render.

Every object is loaded through a selector's `get_<thing>_for_user` (404 outside the
party scope); every write goes through a service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common import periods
from banyan.common.errors import ValidationFailed
from banyan.common.forms import client_ip, run_and_report, run_service
from banyan.common.images import photo_response
from banyan.common.pages import form_page, form_view
from banyan.common.params import parse_id
from banyan.places.selectors import get_node_for_user
from banyan.registry.selectors import get_person_for_user

from . import forms, selectors, services
from .models import ContactKind, Member, OrgKind, RegistrationState
from .obligations import OVERDUE
from .workflow import MOVES, TracingState

PAGE_SIZE = 50


def _require(caps: frozenset[str], cap: str) -> None:
    if Cap.VIEW_PARTY not in caps and Cap.PARTY_FIGURES not in caps:
        raise Http404
    if cap not in caps:
        raise PermissionDenied


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- home, obligations, compliance -------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The branches in scope with their figures, and the way to the day's work."""
    scope = get_scope(request.user)
    if not (scope.can(Cap.VIEW_PARTY) or scope.can(Cap.PARTY_FIGURES)):
        raise Http404
    branches = selectors.branch_list(user=request.user)
    counts = selectors.org_member_counts(branches)
    return render(
        request,
        "party/home.html",
        {
            "figures": selectors.figures(user=request.user),
            "branches": [(b, counts.get(b.pk, 0)) for b in branches],
            "can_view": scope.can(Cap.VIEW_PARTY),
            "is_admin": scope.can(Cap.PARTY_ADMIN),
            "pending": selectors.pending_registration_count(user=request.user),
        },
    )


@login_required
@never_cache
def obligations(request: HttpRequest) -> HttpResponse:
    """My obligations: overdue first, then due this week; log a contact in one step."""
    if not get_scope(request.user).can(Cap.VIEW_PARTY):
        raise Http404
    everyone = request.GET.get("all") == "1"
    items = selectors.obligations_due(user=request.user, mine=not everyone)
    overdue = [i for i in items if i.status == OVERDUE]
    soon = [i for i in items if i.status != OVERDUE]
    return render(
        request,
        "party/obligations.html",
        {
            "overdue": overdue,
            "soon": soon,
            "everyone": everyone,
            "today": timezone.localdate(),
            "kinds": ContactKind,
        },
    )


PERIOD_LABELS = {
    "period": gettext_lazy("Period"),
    "year": gettext_lazy("Year"),
    "month": gettext_lazy("Month"),
}


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    """Obligations due in a month or a year: met on time, met late, missed, still open.
    A period out of bounds (banyan.common.periods) is a 400 that shows the form again."""
    scope = get_scope(request.user)
    if not scope.can(Cap.PARTY_FIGURES):
        raise Http404
    node = None
    if (node_pk := parse_id(request.GET.get("node"))) is not None:
        node = get_node_for_user(request.user, node_pk)
    else:
        roots = scope.root_nodes(Cap.PARTY_FIGURES)
        node = roots[0] if len(roots) == 1 else None
    today = timezone.localdate()
    error: str | None = None
    try:
        period, span = periods.period_from_query(request.GET, today=today)
        rows, total, rules = selectors.compliance(
            user=request.user, node=node, start=span.start, end=span.end
        )
    except ValidationFailed as err:
        # The form again, for this year, with the reason; nothing computed.
        label = PERIOD_LABELS.get(err.field or "", err.field)
        error = _("%(field)s: %(message)s") % {"field": label, "message": err.message}
        period, span = "year", periods.year_period(today.year)
        rows, total, rules = [], None, []
    start, end = span.start, span.end
    return render(
        request,
        "party/compliance.html",
        {
            "rows": rows,
            "total": total,
            "rules": rules,
            "node": node,
            "start": start,
            "end": end,
            "period": period,
            # A year's page offers this month for when the period is switched to a month.
            "month": start.month if period == "month" else today.month,
            "years": range(today.year, today.year - 5, -1),
            "error": error,
        },
        status=400 if error else 200,
    )


# --- organisations and members ----------------------------------------------------------


@login_required
def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_org_for_user(request.user, pk)
    caps = selectors.caps_at_org(request.user, org)
    members = selectors.member_list(user=request.user, branch=org)
    return render(
        request,
        "party/org_detail.html",
        {
            "org": org,
            "figures": selectors.figures(user=request.user, branch=org),
            "members": members[:200],
            "member_count": members.count(),
            "themed_days": selectors.themed_day_list(user=request.user, branch=org)[:12],
            "can_manage": Cap.MANAGE_PARTY in caps,
        },
    )


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    if not get_scope(request.user).can(Cap.VIEW_PARTY):
        raise Http404
    branch = None
    if (branch_pk := parse_id(request.GET.get("branch"))) is not None:
        branch = selectors.get_org_for_user(request.user, branch_pk)
    flag = request.GET.get("flag", "")
    q = request.GET.get("q", "").strip()[:50]
    qs = selectors.member_list(user=request.user, branch=branch, q=q, flag=flag)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "party/member_list.html",
        {"page": page, "branch": branch, "flag": flag, "q": q},
    )


@login_required
def member_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    branch = selectors.get_org_for_user(request.user, org_pk)
    _require(selectors.caps_at_org(request.user, branch), Cap.MANAGE_PARTY)

    def create(d: dict) -> Member:
        d = dict(d)
        person_pk = d.pop("person")
        try:
            person = get_person_for_user(request.user, person_pk) if person_pk else None
        except Http404:
            raise ValidationFailed(
                _("Choose a resident of this community."), field="person"
            ) from None
        return services.member_create(actor=request.user, branch=branch, person=person, **d)

    return form_view(
        request,
        forms.MemberForm,
        create,
        done=lambda member: _("%(name)s added.") % {"name": member.name},
        then=lambda member: reverse("party:member-detail", args=[member.pk]),
        title=_("Add a member"),
        back=reverse("party:org-detail", args=[branch.pk]),
        subtitle=branch.name,
    )


def _member_page(request: HttpRequest, member: Member, revealed: str = "") -> HttpResponse:
    caps = selectors.caps_at_org(request.user, member.branch)
    home, person_pk = selectors.member_home_label(request.user, member)
    response = render(
        request,
        "party/member_detail.html",
        {
            "member": member,
            "home": home,
            "person_pk": person_pk,
            "contacts": selectors.member_contacts(member=member),
            "events": selectors.member_events(member=member),
            "transfers": selectors.member_transfers(member=member),
            "periods": selectors.member_periods(member=member),
            "tracing": member.tracing_cases.order_by("-opened_on"),
            "service": selectors.service_entries(member=member)[:20] if member.in_service else [],
            "can_manage": Cap.MANAGE_PARTY in caps,
            "contact_form": forms.ContactForm(),
            "revealed": revealed,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    services.member_viewed(actor=request.user, member=member, ip=client_ip(request))
    return _member_page(request, member)


@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The phone, unmasked in the answer to this POST only (never in a URL), logged."""
    member = selectors.get_member_for_user(request.user, pk)
    phone = services.member_reveal_phone(actor=request.user, member=member, ip=client_ip(request))
    return _member_page(request, member, revealed=phone)


def _member_initial(member: Member) -> dict:
    initial = {f: getattr(member, f) for f in forms.MemberEditForm.base_fields}
    # Never put the full number into the page: showing it is a logged reveal.
    initial["phone"] = ""
    return initial


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, member.branch), Cap.MANAGE_PARTY)

    def form(*args: Any, **kwargs: Any) -> forms.MemberEditForm:
        built = forms.MemberEditForm(*args, **kwargs)
        built.fields["phone"].help_text = _("On record: %(phone)s. Leave empty to keep it.") % {
            "phone": member.phone_masked or "—"
        }
        return built

    def save(values: dict) -> Member:
        if not values["phone"]:
            values = {k: v for k, v in values.items() if k != "phone"}  # keep the one on record
        return services.member_update(actor=request.user, member=member, **values)

    back = reverse("party:member-detail", args=[pk])
    return form_view(
        request,
        form,
        save,
        done=_("Saved."),
        then=back,
        title=_("Edit member"),
        back=back,
        subtitle=member.name,
        initial=_member_initial(member),
        current=_member_initial,
        in_service=member.in_service,
    )


@login_required
def contact_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a contact: the full form, or one step from the obligations list (kind only,
    dated today), which returns to the list."""
    member = selectors.get_member_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, member.branch), Cap.MANAGE_PARTY)
    back = reverse("party:member-detail", args=[pk])
    quick = request.method == "POST" and request.POST.get("quick") == "1"
    form = (forms.QuickContactForm if quick else forms.ContactForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        contact = run_service(
            form,
            lambda: services.contact_log(
                actor=request.user,
                member=member,
                kind=d["kind"],
                contacted_on=d.get("contacted_on"),
                notes=d.get("notes", ""),
            ),
        )
        if contact is not None:
            messages.success(
                request,
                _("%(kind)s with %(name)s logged.")
                % {"kind": contact.get_kind_display(), "name": member.name},
            )
            return redirect(_next(request, back))
        if quick:
            for error in form.errors.values():
                messages.error(request, " ".join(error))
            return redirect(_next(request, back))
    return form_page(request, form, _("Log a contact"), back, member.name)


@login_required
def admission_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, member.branch), Cap.MANAGE_PARTY)
    back = reverse("party:member-detail", args=[pk])
    return form_view(
        request,
        forms.DatedNoteForm,
        lambda d: services.admission_record(
            actor=request.user, member=member, occurred_on=d["on"], note=d["note"]
        ),
        done=_("Admission recorded: a hospital visit is now due."),
        then=back,
        title=_("Admitted to hospital"),
        back=back,
        subtitle=member.name,
    )


@login_required
def member_mobile(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, member.branch), Cap.MANAGE_PARTY)
    back = reverse("party:member-detail", args=[pk])
    return form_view(
        request,
        forms.MobileForm,
        lambda d: services.member_set_mobile(actor=request.user, member=member, **d),
        done=_("Saved."),
        then=back,
        title=_("Working away"),
        back=back,
        subtitle=member.name,
        initial={
            "mobile": "0" if member.mobile else "1",
            "where": member.mobile_where,
            "reach": member.mobile_reach,
        },
    )


@login_required
def member_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, member.branch), Cap.MANAGE_PARTY)
    branches = (
        selectors.org_list(
            user=request.user, cap=Cap.MANAGE_PARTY, community_id=member.community_id
        )
        .exclude(kind=OrgKind.GROUP)
        .exclude(pk=member.branch_id)
    )
    back = reverse("party:member-detail", args=[pk])

    def then(_member: Member) -> str:
        # The member may have left the user's branches with the transfer.
        if selectors.member_list(user=request.user).filter(pk=pk).exists():
            return back
        return reverse("party:home")

    return form_view(
        request,
        forms.TransferForm,
        lambda d: services.member_transfer(actor=request.user, member=member, **d),
        done=_("Transfer recorded."),
        then=then,
        title=_("Transfer to another branch"),
        back=back,
        subtitle=member.name,
        branches=branches,
    )


@login_required
def member_lost(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, member.branch), Cap.MANAGE_PARTY)
    return form_view(
        request,
        forms.DatedNoteForm,
        lambda d: services.member_mark_lost(
            actor=request.user, member=member, since=d["on"], note=d["note"]
        ),
        done=_("Marked as lost; a tracing case is open."),
        then=lambda case: reverse("party:tracing-detail", args=[case.pk]),
        title=_("Lost touch (失联)"),
        back=reverse("party:member-detail", args=[pk]),
        subtitle=member.name,
    )


@login_required
def service_add(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, member.branch), Cap.MANAGE_PARTY)
    back = reverse("party:member-detail", args=[pk])
    return form_view(
        request,
        forms.ServiceEntryForm,
        lambda d: services.service_entry_add(actor=request.user, member=member, **d),
        done=_("Saved."),
        then=back,
        title=_("Log service"),
        back=back,
        subtitle=member.name,
    )


@login_required
def service_record(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's service record as a spreadsheet for their home unit (logged)."""
    member = selectors.get_member_for_user(request.user, pk)
    data = services.service_record_export(actor=request.user, member=member, ip=client_ip(request))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="service-record-{member.pk}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


# --- themed days ----------------------------------------------------------------------------


@login_required
def themed_day_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    branch = selectors.get_org_for_user(request.user, org_pk)
    _require(selectors.caps_at_org(request.user, branch), Cap.MANAGE_PARTY)
    return form_view(
        request,
        forms.ThemedDayForm,
        lambda d: services.themed_day_create(
            actor=request.user, branch=branch, photos=request.FILES.getlist("photos"), **d
        ),
        done=_("Themed day posted."),
        then=lambda day: reverse("party:themed-day-detail", args=[day.pk]),
        template="party/themed_day_form.html",
        context={
            "photos": forms.PhotosForm(request.POST or None, request.FILES or None),
            "branch": branch,
        },
    )


@login_required
def themed_day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    day = selectors.get_themed_day_for_user(request.user, pk)
    caps = selectors.caps_at_org(request.user, day.branch)
    return render(
        request,
        "party/themed_day_detail.html",
        {
            "day": day,
            "photo_list": day.photos.all(),
            "attendance": selectors.themed_day_attendance(themed_day=day),
            "can_manage": Cap.MANAGE_PARTY in caps,
            "photos_form": forms.PhotosForm(),
            "choices": [
                ("present", _("Present")),
                ("excused", _("Excused")),
                ("absent", _("Absent")),
            ],
        },
    )


@login_required
@require_POST
def themed_day_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    day = selectors.get_themed_day_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, day.branch), Cap.MANAGE_PARTY)
    marks = {}
    for key, value in request.POST.items():
        member_pk = parse_id(key.removeprefix("m-")) if key.startswith("m-") else None
        if member_pk is not None and value:
            marks[member_pk] = value
    _ok, counts = run_and_report(
        request,
        lambda: services.attendance_record(actor=request.user, themed_day=day, marks=marks),
    )
    if counts is not None:
        messages.success(
            request,
            _("Attendance saved: %(present)s present, %(excused)s excused, %(absent)s absent.")
            % counts,
        )
    return redirect("party:themed-day-detail", pk=pk)


@login_required
@require_POST
def themed_day_photos(request: HttpRequest, pk: int) -> HttpResponse:
    day = selectors.get_themed_day_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, day.branch), Cap.MANAGE_PARTY)
    _ok, n = run_and_report(
        request,
        lambda: services.themed_day_photos_add(
            actor=request.user, themed_day=day, photos=request.FILES.getlist("photos")
        ),
    )
    if n is not None:
        messages.success(
            request, ngettext("%(n)s photo added.", "%(n)s photos added.", n) % {"n": n}
        )
    return redirect("party:themed-day-detail", pk=pk)


@login_required
def photo(request: HttpRequest, pk: int, size: str, token: str) -> FileResponse:
    """One size of a themed-day photo, only for those who see the branch (never a public
    media URL)."""
    return photo_response(selectors.get_photo_for_user(request.user, pk), size, token)


# --- tracing --------------------------------------------------------------------------------


@login_required
def tracing_list(request: HttpRequest) -> HttpResponse:
    if not get_scope(request.user).can(Cap.VIEW_PARTY):
        raise Http404
    state = request.GET.get("state", "")
    if state not in TracingState.values:
        state = ""
    page = Paginator(selectors.tracing_list(user=request.user, state=state), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "party/tracing_list.html",
        {"page": page, "state": state, "states": TracingState.choices},
    )


# The tracing actions' forms and services, from the workflow table (party/workflow.py).
TRACING_FORMS = {action: getattr(forms, move.form) for action, move in MOVES.items()}


def _tracing_service(action: str) -> Callable[..., Any]:
    return getattr(services, MOVES[action].service)


@login_required
def tracing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_tracing_for_user(request.user, pk)
    caps = selectors.caps_at_org(request.user, case.member.branch)
    moves = [
        (
            MOVES[action].label,
            TRACING_FORMS[action](prefix=action),
            reverse(f"party:tracing-{action.replace('_', '-')}", args=[case.pk]),
        )
        for action, move in MOVES.items()
        if move.offered(case, caps, case.state)
    ]
    return render(
        request,
        "party/tracing_detail.html",
        {
            "case": case,
            "leads": case.leads.all(),
            "attempts": case.attempts.select_related("by"),
            "support": case.support.all(),
            "moves": moves,
        },
    )


@login_required
@require_POST
def tracing_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = selectors.get_tracing_for_user(request.user, pk)
    _require(selectors.caps_at_org(request.user, case.member.branch), Cap.MANAGE_PARTY)
    form = TRACING_FORMS[action](request.POST, prefix=action)
    if form.is_valid():
        ok, _case = run_and_report(
            request,
            lambda: _tracing_service(action)(actor=request.user, case=case, **form.cleaned_data),
        )
        if ok:
            messages.success(request, _("Saved."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return redirect("party:tracing-detail", pk=pk)


# --- rules (community admin) -----------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    if not get_scope(request.user).can(Cap.PARTY_ADMIN):
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "party/rule_list.html",
        {"communities": selectors.rule_list(user=request.user), "today": today},
    )


def _rule_values(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in ("code", "version")}


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    ids = sorted(scope.community_ids(Cap.PARTY_ADMIN))
    if not ids:
        raise Http404
    community = get_node_for_user(request.user, ids[0])
    return form_view(
        request,
        forms.RuleForm,
        lambda d: services.rule_create(
            actor=request.user, community=community, code=d["code"], **_rule_values(d)
        ),
        done=lambda rule: _("Rule saved; in force from %(date)s.") % {"date": rule.valid_from},
        then=reverse("party:rule-list"),
        title=_("New care rule"),
        back=reverse("party:rule-list"),
        initial={"responsible_role": "branch_secretary"},
    )


def _rule_initial(rule) -> dict:
    fields = [f for f in forms.RuleForm.base_fields if f != "code" and not f.startswith("who_")]
    return {f: getattr(rule, f) for f in fields} | forms.RuleForm.initial_who(rule.who)


@login_required
def rule_change(request: HttpRequest, pk: int) -> HttpResponse:
    rule, community = selectors.get_rule_for_user(request.user, pk)
    initial = _rule_initial(rule)
    # The rule as the community sees it, not this one row: a change may replace the
    # version waiting for the next period, whichever row the page was opened from.
    initial["version"] = selectors.rule_chain_version(community_id=community.pk, code=rule.code)
    form = forms.RuleChangeForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    form.fields["code"].initial = rule.code
    if request.method == "POST":
        ending = request.POST.get("end") == "1"
        # Ending posts only the version, a change the whole form; either way a page with
        # no or a broken version is shown again with the error.
        if not form.has_error("version") and (ending or form.is_valid()):
            values = {} if ending else _rule_values(form.cleaned_data)

            def change():
                return services.rule_change(
                    actor=request.user,
                    community=community,
                    rule=rule,
                    version=form.cleaned_data["version"],
                    active=not ending,
                    **values,
                )

            version = run_service(form, change, current=_rule_initial)
            if version is not None:
                messages.success(
                    request,
                    _("The change applies from %(date)s; earlier periods keep the rule they had.")
                    % {"date": version.valid_from},
                )
                return redirect("party:rule-list")
    return form_page(
        request,
        form,
        _("Change a care rule"),
        reverse("party:rule-list"),
        rule.display_name,
        template="party/rule_form.html",
    )


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    ids = sorted(get_scope(request.user).community_ids(Cap.PARTY_ADMIN))
    if not ids:
        raise Http404
    community = get_node_for_user(request.user, ids[0])
    return form_view(
        request,
        forms.SettingsForm,
        lambda d: services.settings_update(actor=request.user, community=community, **d),
        done=_("Saved."),
        then=reverse("party:home"),
        title=_("Party settings"),
        back=reverse("party:home"),
        subtitle=community.name,
        initial={"grid_sees_member_households": selectors.grid_may_see_presence(community.pk)},
    )


# --- in-service registrations ------------------------------------------------------------------


@never_cache
def register(request: HttpRequest, community_pk: int) -> HttpResponse:
    """The public form an in-service member fills in to report to the community."""
    community = selectors.public_community(community_pk)
    return form_view(
        request,
        forms.RegistrationForm,
        lambda d: services.registration_submit(
            community=community, client_ip=client_ip(request), **d
        ),
        done=None,
        then=reverse("party:register-done"),
        template="party/register.html",
        context={"community": community},
    )


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "party/register_done.html")


@login_required
def registration_list(request: HttpRequest) -> HttpResponse:
    if not get_scope(request.user).can(Cap.PARTY_ADMIN):
        raise Http404
    state = request.GET.get("state", RegistrationState.PENDING)
    if state not in RegistrationState.values:
        state = RegistrationState.PENDING
    page = Paginator(
        selectors.registration_list(user=request.user, state=state), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "party/registration_list.html",
        {"page": page, "state": state, "states": RegistrationState.choices},
    )


@login_required
def registration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.get_registration_for_user(request.user, pk)
    branches = (
        selectors.org_list(user=request.user, cap=Cap.PARTY_ADMIN)
        .filter(community_id=registration.community_id)
        .exclude(kind=OrgKind.GROUP)
    )
    form = forms.ApproveForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        member = run_service(
            form,
            lambda: services.registration_approve(
                actor=request.user, registration=registration, **form.cleaned_data
            ),
        )
        if member is not None:
            messages.success(
                request, _("Approved: %(name)s has an account.") % {"name": member.name}
            )
            return redirect("party:member-detail", pk=member.pk)
    response = render(
        request,
        "party/registration_detail.html",
        {
            "registration": registration,
            "form": form,
            "reject_form": forms.RejectForm(),
            "pending": registration.state == RegistrationState.PENDING,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def registration_reject(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.get_registration_for_user(request.user, pk)
    form = forms.RejectForm(request.POST)
    if form.is_valid():
        ok, _registration = run_and_report(
            request,
            lambda: services.registration_reject(
                actor=request.user, registration=registration, note=form.cleaned_data["note"]
            ),
        )
        if ok:
            messages.success(request, _("Registration rejected."))
            return redirect("party:registration-list")
    else:
        messages.error(request, _("Say why."))
    return redirect("party:registration-detail", pk=pk)


# --- presence (grid workers) ---------------------------------------------------------------------


@login_required
def presence(request: HttpRequest) -> HttpResponse:
    """Households of the grid with party members — only that, where the community allows."""
    if not get_scope(request.user).can(Cap.VIEW_PARTY_PRESENCE):
        raise Http404
    page = Paginator(selectors.households_with_members(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "party/presence.html", {"page": page})
