"""Committee meetings (党总支会议): list, record, agenda, decisions, printable minutes.

Every page is for posts with Cap.CHAIR_MEETINGS in the meeting's community (the
community secretary / director); anyone else gets 404. Meetings load only through
`selectors.get_meeting_for_user`; every write is one service in services/meetings.py.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from banyan.accounts.roles import Cap
from banyan.accounts.scope import get_scope
from banyan.common.forms import run_and_report
from banyan.common.pages import form_view
from banyan.places.models import Node, NodeKind
from banyan.places.selectors import node_list

from .. import selectors, services
from ..models import AgendaItem, Case, Meeting, Route, VolunteerTeam
from ..staff_selectors import assignee_choices
from ..workflow import State

# --- forms ----------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    title = forms.CharField(label=gettext_lazy("Meeting title"), max_length=100)
    attendees = forms.CharField(
        label=gettext_lazy("Attendees"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Names, separated by commas."),
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Topics besides the cases and grid reports added below."),
    )


class MeetingCreateForm(MeetingForm):
    community = forms.ChoiceField(label=gettext_lazy("Community"))

    def __init__(self, *args: Any, communities: list[Node], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The choices are exactly the communities the user chairs (scoped by the caller).
        self.communities = {str(c.pk): c for c in communities}
        field = self.fields["community"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(c.pk), c.name) for c in communities]
        if len(communities) == 1:
            field.widget = forms.HiddenInput()
            field.initial = str(communities[0].pk)
        self.order_fields(["community", "held_on", "title", "attendees", "agenda"])

    def clean_community(self) -> Node:
        return self.communities[self.cleaned_data["community"]]


class CaseNumberForm(forms.Form):
    number = forms.IntegerField(
        label=gettext_lazy("Case number"),
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "#"}),
    )


class ReportForm(forms.Form):
    grid = forms.ChoiceField(label=gettext_lazy("Grid"))
    title = forms.CharField(
        label=gettext_lazy("Item title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Empty: “Report of” and the grid's name."),
    )
    report = forms.CharField(
        label=gettext_lazy("Report"), max_length=4000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, grids: list[Node], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grids = {str(g.pk): g for g in grids}
        field = self.fields["grid"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [
            (str(g.pk), ("· " if g.kind == NodeKind.GRID_L2 else "") + g.name) for g in grids
        ]

    def clean_grid(self) -> Node:
        return self.grids[self.cleaned_data["grid"]]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=AgendaItem.Decision.choices,
        widget=forms.RadioSelect,
    )
    route = forms.ChoiceField(label=gettext_lazy("Route to"), required=False)
    assignee = forms.ChoiceField(
        label=gettext_lazy("Assign to"),
        required=False,
        help_text=gettext_lazy(
            "Needed for an errand or a grid worker; the window and the repair centre "
            "pick up what is routed to them."
        ),
    )
    team = forms.ChoiceField(
        label=gettext_lazy("Volunteer team"),
        required=False,
        choices=[("", "—"), *VolunteerTeam.choices],
        help_text=gettext_lazy("Only when routed to a volunteer team."),
    )
    note = forms.CharField(
        label=gettext_lazy("Decision (minutes)"),
        max_length=250,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required to close a case or for “other”."),
    )

    def __init__(self, *args: Any, item: AgendaItem, assignees: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignees = {str(u.pk): u for u in assignees}
        decision = self.fields["decision"]
        route = self.fields["route"]
        assignee = self.fields["assignee"]
        assert isinstance(decision, forms.ChoiceField)
        assert isinstance(route, forms.ChoiceField)
        assert isinstance(assignee, forms.ChoiceField)
        if item.case_id is None:
            # A grid report has no case to move: only a recorded decision.
            decision.choices = [(AgendaItem.Decision.OTHER, AgendaItem.Decision.OTHER.label)]
            decision.initial = AgendaItem.Decision.OTHER
            for name in ("route", "assignee", "team"):
                del self.fields[name]
            return
        route.choices = [("", "—"), *Route.choices]
        assignee.choices = [("", "—")] + [
            (str(u.pk), u.get_full_name() or u.get_username()) for u in assignees
        ]

    def clean_assignee(self) -> Any:
        return self.assignees.get(self.cleaned_data.get("assignee") or "")


# --- helpers --------------------------------------------------------------------------------


def _chaired_communities(user: Any) -> list[Node]:
    ids = get_scope(user).community_ids(Cap.CHAIR_MEETINGS)
    if not ids:
        raise Http404
    return list(node_list(user=user, kind=NodeKind.COMMUNITY).filter(pk__in=sorted(ids)))


def _case_url(case_id: int | None) -> str:
    """The case page, once the cases screens provide it (the minutes work without it)."""
    if case_id is None:
        return ""
    try:
        return reverse("casework:case-detail", args=[case_id])
    except NoReverseMatch:
        return ""


def _items(meeting: Meeting) -> list[AgendaItem]:
    items = list(
        meeting.items.select_related("case__category", "case__grid", "grid").order_by(
            "sort_order", "id"
        )
    )
    for item in items:
        item.case_url = _case_url(item.case_id)  # type: ignore[attr-defined]
    return items


def _crumbs(meeting: Meeting | None = None) -> list[dict[str, str]]:
    trail = [{"name": _("Committee meetings"), "url": reverse("casework:meeting-list")}]
    if meeting is not None:
        trail.append(
            {
                "name": f"{meeting.held_on:%Y-%m-%d}",
                "url": reverse("casework:meeting-detail", args=[meeting.pk]),
            }
        )
    return trail


def _meeting_url(meeting: Meeting) -> str:
    return reverse("casework:meeting-detail", args=[meeting.pk])


def _back(meeting: Meeting) -> HttpResponse:
    return redirect(_meeting_url(meeting))


# --- pages ----------------------------------------------------------------------------------


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    communities = _chaired_communities(request.user)
    meetings = (
        selectors.meeting_list(user=request.user)
        .select_related("community")
        .annotate(
            item_count=Count("items"), open_count=Count("items", filter=Q(items__decision=""))
        )
    )
    page = Paginator(meetings, 30).get_page(request.GET.get("page"))
    escalated = selectors.case_list(user=request.user, state=State.ESCALATED).count()
    return render(
        request,
        "casework/meeting_list.html",
        {
            "page": page,
            "escalated": escalated,
            "many": len(communities) > 1,
            "breadcrumbs": [],
        },
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    communities = _chaired_communities(request.user)
    today = timezone.localdate()
    return form_view(
        request,
        MeetingCreateForm,
        lambda d: services.meeting_create(actor=request.user, **d),
        done=_("Meeting recorded. Now put items on its agenda."),
        then=_meeting_url,
        title=_("New committee meeting"),
        back=reverse("casework:meeting-list"),
        context={"breadcrumbs": _crumbs()},
        initial={
            "held_on": today,
            "title": _("Committee meeting, %(month)s") % {"month": f"{today:%Y-%m}"},
        },
        communities=communities,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    items = _items(meeting)
    waiting = 0
    if not meeting.closed:
        waiting = (
            selectors.case_list(user=request.user, state=State.ESCALATED)
            .filter(community_id=meeting.community_id)
            .exclude(agenda_items__meeting=meeting)
            .count()
        )
    return render(
        request,
        "casework/meeting_detail.html",
        {
            "meeting": meeting,
            "items": items,
            "undecided": sum(1 for i in items if not i.decision),
            "waiting": waiting,
            "number_form": CaseNumberForm(),
            "breadcrumbs": _crumbs(),
        },
    )


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if meeting.closed:
        messages.error(request, _("The minutes of this meeting are final."))
        return _back(meeting)
    return form_view(
        request,
        MeetingForm,
        lambda d: services.meeting_update(actor=request.user, meeting=meeting, **d),
        done=_("Meeting updated."),
        then=_meeting_url(meeting),
        title=_("Edit meeting"),
        back=_meeting_url(meeting),
        context={"breadcrumbs": _crumbs(meeting)},
        initial={
            "held_on": meeting.held_on,
            "title": meeting.title,
            "attendees": meeting.attendees,
            "agenda": meeting.agenda,
        },
    )


@login_required
@require_POST
def meeting_add_escalated(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    ok, items = run_and_report(
        request, lambda: services.agenda_add_escalated(actor=request.user, meeting=meeting)
    )
    if ok:
        if items:
            messages.success(
                request,
                ngettext(
                    "%(n)s escalated case put on the agenda.",
                    "%(n)s escalated cases put on the agenda.",
                    len(items),
                )
                % {"n": len(items)},
            )
        else:
            messages.info(request, _("No escalated cases are waiting."))
    return _back(meeting)


@login_required
@require_POST
def meeting_add_case(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    form = CaseNumberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a case number."))
        return _back(meeting)
    number = form.cleaned_data["number"]
    try:
        case = selectors.get_case_for_user(request.user, number)
    except Http404:
        case = None
    if case is None or case.community_id != meeting.community_id:
        messages.error(request, _("There is no case #%(n)s in this community.") % {"n": number})
        return _back(meeting)
    ok, _item = run_and_report(
        request,
        lambda: services.agenda_add_case(actor=request.user, meeting=meeting, case=case),
    )
    if ok:
        messages.success(request, _("Case #%(n)s put on the agenda.") % {"n": number})
    return _back(meeting)


@login_required
def meeting_add_report(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if meeting.closed:
        messages.error(request, _("The minutes of this meeting are final."))
        return _back(meeting)
    community = meeting.community
    grids = list(
        node_list(user=request.user)
        .filter(path__startswith=community.path, kind__in=[NodeKind.GRID_L1, NodeKind.GRID_L2])
        .order_by("sort_key", "id")
    )
    return form_view(
        request,
        ReportForm,
        lambda d: services.agenda_add_report(actor=request.user, meeting=meeting, **d),
        done=_("Grid report put on the agenda."),
        then=_meeting_url(meeting),
        title=_("Add a grid report"),
        back=_meeting_url(meeting),
        subtitle=meeting.title,
        context={"breadcrumbs": _crumbs(meeting)},
        grids=grids,
    )


def _agenda_item(meeting: Meeting, item_pk: int) -> AgendaItem:
    item = meeting.items.select_related("case__category", "case__grid", "grid").filter(pk=item_pk)
    found = item.first()
    if found is None:
        raise Http404
    return found


@login_required
def meeting_item_decide(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    agenda_item = _agenda_item(meeting, item)
    if meeting.closed or agenda_item.decision:
        messages.error(request, _("This item has already been decided."))
        return _back(meeting)
    case: Case | None = agenda_item.case
    assignees = assignee_choices(case=case)[Route.GRID] if case is not None else []
    return form_view(
        request,
        DecisionForm,
        lambda d: services.agenda_item_decide(
            actor=request.user,
            item=agenda_item,
            decision=d["decision"],
            note=d["note"],
            route=d.get("route", ""),
            assignee=d.get("assignee"),
            team=d.get("team", ""),
        ),
        done=_("Decision recorded."),
        then=_meeting_url(meeting),
        template="casework/meeting_decide.html",
        context={
            "meeting": meeting,
            "item": agenda_item,
            "case": case,
            "case_url": _case_url(agenda_item.case_id),
            "breadcrumbs": _crumbs(meeting),
        },
        item=agenda_item,
        assignees=assignees,
    )


@login_required
@require_POST
def meeting_item_remove(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    agenda_item = _agenda_item(meeting, item)
    ok, _none = run_and_report(
        request, lambda: services.agenda_item_remove(actor=request.user, item=agenda_item)
    )
    if ok:
        messages.success(request, _("Item taken off the agenda."))
    return _back(meeting)


@login_required
@require_POST
def meeting_finalise(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    ok, _meeting = run_and_report(
        request, lambda: services.meeting_finalise(actor=request.user, meeting=meeting)
    )
    if ok:
        messages.success(request, _("The minutes are final."))
    return _back(meeting)


@login_required
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as a printable page (print.css hides the navigation and buttons)."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    return render(
        request,
        "casework/meeting_minutes.html",
        {
            "meeting": meeting,
            "items": _items(meeting),
            "printed_at": timezone.localtime(),
            "breadcrumbs": _crumbs(meeting),
        },
    )


urlpatterns = [
    path("meetings/", meeting_list, name="meeting-list"),
    path("meetings/new/", meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/escalated/", meeting_add_escalated, name="meeting-add-escalated"),
    path("meetings/<int:pk>/cases/", meeting_add_case, name="meeting-add-case"),
    path("meetings/<int:pk>/reports/new/", meeting_add_report, name="meeting-add-report"),
    path(
        "meetings/<int:pk>/items/<int:item>/decide/",
        meeting_item_decide,
        name="meeting-item-decide",
    ),
    path(
        "meetings/<int:pk>/items/<int:item>/remove/",
        meeting_item_remove,
        name="meeting-item-remove",
    ),
    path("meetings/<int:pk>/finalise/", meeting_finalise, name="meeting-finalise"),
    path("meetings/<int:pk>/minutes/", meeting_minutes, name="meeting-minutes"),
]
