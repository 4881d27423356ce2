"""The service loop: cases (needs, repairs, hazards, disputes), home visits, the
committee meeting, notifications and resident intake.

A case's history is the event stream (timeline.Event with subject "case"): each
transition writes one event, which also lands on each linked household's timeline.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.common.coordinates import coordinate_constraints
from banyan.common.images import PhotoSizes
from banyan.common.masking import mask_phone
from banyan.common.versioning import Versioned
from banyan.places.models import Building, Compound, Node, ReferenceRow, reference_constraints

from .workflow import OPEN_STATES, State


class Kind(models.TextChoices):
    REQUEST = "request", _("Request (诉求)")
    REPAIR = "repair", _("Repair (报修)")
    HAZARD = "hazard", _("Hazard (隐患)")
    DISPUTE = "dispute", _("Dispute (矛盾纠纷)")


class Route(models.TextChoices):
    WINDOW = "window", _("Service-centre window")
    ERRAND = "errand", _("Errand by the grid worker (代办)")
    REPAIR = "repair", _("Property-repair service centre")
    TEAM = "team", _("Volunteer team")
    GRID = "grid", _("Grid worker")


class Channel(models.TextChoices):
    VISIT = "visit", _("Home visit")
    PHONE = "phone", pgettext_lazy("how a case came in", "Phone")
    WALK_IN = "walk_in", _("Walk-in")
    BUILDING_HEAD = "building_head", _("Building head")
    QR = "qr", _("QR poster")
    OPEN311 = "open311", _("Open311 app")
    API = "api", _("Staff app (API)")


# Where a resident without an account writes in their own words: only a case that came in
# this way has a public text (Case.public_text), and only staff-less intake sets it.
RESIDENT_CHANNELS = frozenset({Channel.QR, Channel.OPEN311})


class VolunteerTeam(models.TextChoices):
    """The four colour teams (微清单) a case can be routed to."""

    RED = "red", _("Red: party members")
    GREEN = "green", _("Green: environment")
    BLUE = "blue", _("Blue: legal aid")
    WHITE = "white", _("White: medical")


class CaseCategory(ReferenceRow):
    """What a case is about; each community can add its own (data, not code)."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    default_route = models.CharField(_("default route"), max_length=16, choices=Route.choices)
    deadline_hours = models.PositiveIntegerField(_("deadline (hours)"))
    needs_confirmation = models.BooleanField(_("resident confirms"), default=True)
    public = models.BooleanField(
        _("offered to residents"),
        default=True,
        help_text=_("Shown on the QR form and in Open311 services."),
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta(ReferenceRow.Meta):
        ordering = ["sort_order", "code"]
        constraints = reference_constraints("case_category")
        verbose_name = _("case category")
        verbose_name_plural = _("case categories")

    @property
    def deadline(self) -> dt.timedelta:
        return dt.timedelta(hours=self.deadline_hours)


TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10
# What people put between the groups of a code they copy or read out: spaces of every
# kind and hyphens or dashes (NFKC has already made full-width ones plain).
_TRACKING_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc\u00b7\u30fb.]+")


def new_tracking_code() -> str:
    """Short, unguessable, easy to read aloud on the phone: 10 characters, no 0/O/1/I."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalize_tracking_code(raw: str | None) -> str:
    """A tracking code as typed (lower case, full-width letters from a Chinese keyboard,
    spaces or hyphens between groups) in the form it is stored. Letters the alphabet
    leaves out (0, O, 1, I) stay as typed: each could stand for more than one letter, so
    guessing would only turn a typo into someone else's code."""
    text = unicodedata.normalize("NFKC", raw or "")
    return _TRACKING_SEPARATORS.sub("", text).upper()


def is_tracking_code(code: str) -> bool:
    """Whether a normalised code could be one we issued (no lookup needed otherwise)."""
    return len(code) == TRACKING_LENGTH and all(c in TRACKING_ALPHABET for c in code)


class Case(Versioned, models.Model):
    # Suspending keeps the state before and the time: both are the state's own change.
    VERSION_ALIASES = {"state_before_suspend": "state", "suspended_since": "state"}
    VERSION_SHOWN = {"reporter_phone": "reporter_phone_masked"}

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="cases")
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("where"), max_length=200, blank=True)

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(CaseCategory, on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(pgettext_lazy("a case's", "title"), max_length=100)
    description = models.TextField(_("description"))

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    reporter_name = models.CharField(_("reporter"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=11, blank=True)
    reporter = models.ForeignKey(
        "registry.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    on_behalf_of = models.CharField(_("on behalf of"), max_length=100, blank=True)

    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.SUBMITTED
    )
    state_before_suspend = models.CharField(max_length=16, choices=State.choices, blank=True)
    route = models.CharField(_("route"), max_length=16, choices=Route.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
    )
    team = models.CharField(
        _("volunteer team"), max_length=32, blank=True, choices=VolunteerTeam.choices
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )

    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    suspended_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    feedback = models.TextField(_("resident's feedback"), blank=True)
    public_note = models.CharField(_("note for the resident"), max_length=300, blank=True)
    # The resident's own words, as published (Open311, the tracking page): set only from
    # a public channel (RESIDENT_CHANNELS) and changed only by staff moderating it. The
    # description above is internal, always.
    public_text = models.TextField(_("public text"), blank=True)
    public_text_hidden = models.BooleanField(_("public text hidden"), default=False)
    from_visit = models.ForeignKey(
        "Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("recorded at the visit"),
    )
    tracking_code = models.CharField(max_length=12, unique=True, default=new_tracking_code)

    # Disputes (矛盾纠纷)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mediated_cases",
        verbose_name=_("mediator"),
    )
    agreement = models.TextField(_("agreement"), blank=True)
    legal_aid_referred = models.BooleanField(_("referred to legal aid"), default=False)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["community", "grid", "state", "due_at"]),
            models.Index(fields=["community", "route", "state", "due_at"]),
            models.Index(fields=["assignee", "state", "due_at"]),
            models.Index(fields=["building", "state"]),
        ]
        constraints = coordinate_constraints("case")
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Past its due time while open and not suspended (the clock stops then)."""
        if self.state not in OPEN_STATES or self.state == State.SUSPENDED:
            return False
        return self.due_at < (now or timezone.now())

    @property
    def reporter_phone_masked(self) -> str:
        return mask_phone(self.reporter_phone)

    @property
    def came_from_resident(self) -> bool:
        """Whether a resident wrote it through a public channel (so it may have a public
        text for staff to moderate)."""
        return self.channel in RESIDENT_CHANNELS and self.entered_by_id is None

    @property
    def shown_public_text(self) -> str:
        """The public text as published now: empty when hidden."""
        return "" if self.public_text_hidden else self.public_text

    @property
    def heading(self) -> str:
        """What the case is called to its reader: its title where the reader may read the
        case's record (`readable`, set by the selectors that load it), else its category.
        A title is the first line of what staff wrote down."""
        return self.title if getattr(self, "readable", False) else self.category.display_name


class CasePerson(models.Model):
    class Role(models.TextChoices):
        SUBJECT = "subject", _("Concerned")
        PARTY = "party", _("Party to the dispute")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.SUBJECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="case_person_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.person_id}"


def photo_path(instance: CasePhoto, filename: str) -> str:
    # Never the uploaded name: it may carry a resident's name or number.
    return f"cases/{instance.case.community_id}/{instance.case_id}/{secrets.token_hex(12)}.jpg"


class CasePhoto(PhotoSizes):
    class Stage(models.TextChoices):
        REPORT = "report", _("As reported")
        PROOF = "proof", _("Proof of hand-over")
        RESOLUTION = "resolution", _("After the work")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.REPORT)
    public = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    def __str__(self) -> str:
        return self.image.name


class MediationSession(models.Model):
    """One sitting of a dispute's mediation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="mediation_sessions")
    held_on = models.DateField(_("held on"))
    attendees = models.CharField(_("attendees"), max_length=300)
    summary = models.TextField(_("what was said"), blank=True)
    agreed = models.TextField(_("what was agreed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_on}"


class VisitPurpose(models.TextChoices):
    ROUTINE = "routine", _("Routine visit")
    SITUATION = "situation", _("Household situation")
    REGISTRY_CHECK = "registry_check", _("Registry check")
    CARE = "care", _("Care visit")
    FOLLOW_UP = "follow_up", _("Follow-up visit")
    POLICY = "policy", _("Policy outreach")
    OTHER = "other", pgettext_lazy("a visit's purpose", "Other")


def visit_photo_path(instance: Visit, filename: str) -> str:
    # Never the uploaded name: it may carry a resident's name or number.
    return f"visits/{instance.community_id}/{secrets.token_hex(12)}.jpg"


class Visit(PhotoSizes):
    """走访: a grid worker at a household's door, with a photo if one was taken (in the
    sizes every photo has: banyan.common.images)."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("visited on"))
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=VisitPurpose.choices, default=VisitPurpose.ROUTINE
    )
    purpose_note = models.CharField(_("about"), max_length=200, blank=True)
    image = models.ImageField(_("photo"), upload_to=visit_photo_path, blank=True)
    heard = models.TextField(_("what we heard"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    dispute_case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_up_visits",
        help_text=_("A follow-up visit of a dispute."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["community", "grid", "visited_on"]),
            models.Index(fields=["household", "visited_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"

    @property
    def purpose_text(self) -> str:
        """The purpose as a line: its label, and the note when there is one."""
        label = str(self.get_purpose_display())
        return f"{label} · {self.purpose_note}" if self.purpose_note else label

    @property
    def notes(self) -> str:
        """What the visit heard and found, as the description of a need recorded from it."""
        return "\n\n".join(t for t in (self.heard, self.findings) if t)


class Meeting(models.Model):
    """党总支会议: the committee reviews escalated cases and grid reports."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    title = models.CharField(pgettext_lazy("a meeting's", "title"), max_length=100)
    attendees = models.CharField(_("attendees"), max_length=500)
    agenda = models.TextField(_("agenda"), blank=True)
    closed = models.BooleanField(_("minutes final"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class AgendaItem(models.Model):
    class Decision(models.TextChoices):
        ASSIGN = "assign", _("Assign")
        CLOSE = "close", _("Close")
        OTHER = "other", _("Other")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    grid = models.ForeignKey(
        Node,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a grid report."),
    )
    title = models.CharField(_("item"), max_length=200)
    report = models.TextField(_("grid report"), blank=True)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """An in-app inbox entry; written after the change it reports has committed."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        REOPENED = "reopened", _("Reopened by the resident")
        CONFIRMED = "confirmed", _("Confirmed by the resident")
        NEW_CASE = "new_case", _("New case in your grid")
        # From accounts.alerts: e.g. a user stopped for guessing at ID numbers.
        SECURITY = "security", _("Security alert")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, related_name="+")
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"])]

    def __str__(self) -> str:
        return self.text


class NotificationSetting(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_setting"
    )
    email = models.BooleanField(_("also send by email"), default=False)

    def __str__(self) -> str:
        return f"{self.user_id}: email={self.email}"


class IntakeCounter(models.Model):
    """Rate-limit counters for public intake, in the database so that every app server
    counts the same (nothing may assume one process)."""

    key = models.CharField(max_length=128)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="intake_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start}: {self.count}"


class Open311Key(models.Model):
    """An Open311 client's api_key (only its SHA-256 is stored)."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


def new_intake_token() -> str:
    """96 random bits, URL-safe: a poster's link cannot be guessed from a building's id."""
    return secrets.token_urlsafe(12)


class BuildingIntake(models.Model):
    """The token a building's QR poster links to (/r/<token>/). Created lazily when a poster
    is first printed; a new token retires every poster printed before it."""

    building = models.OneToOneField(Building, on_delete=models.CASCADE, related_name="intake")
    token = models.CharField(max_length=32, unique=True, default=new_intake_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.building_id}: {self.token}"
