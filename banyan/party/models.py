"""Party members (党员): the party tree, members, the contact log, care rules as data,
themed party days, the tracing of lost members, and in-service members' registrations.

Two trees, linked: a branch (党支部) is bound to a node of the grid tree (its L1
grid), and every party row is seen through that binding — a branch secretary sees the
branch's members wherever they live. Every row carries its community (the tenant).
Party membership is sensitive (SECURITY.md 5): nothing here is linked into the
registry's timelines, and the registry never shows it.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from banyan.accounts.roles import Role
from banyan.casework.models import VolunteerTeam
from banyan.common.bilingual import BilingualName
from banyan.common.images import PhotoSizes
from banyan.common.masking import mask_phone
from banyan.common.versioning import Versioned
from banyan.places.models import Node

from .workflow import TracingState

# --- the party tree -------------------------------------------------------------------


class OrgKind(models.TextChoices):
    GENERAL = "general", _("General branch (党总支)")
    BRANCH = "branch", _("Branch (党支部)")
    GROUP = "group", _("Party group (党小组)")


class Org(models.Model):
    """A party organisation. `node` binds it to the grid tree: the community for the
    general branch, an L1 grid for a branch (configurable), the branch's node for a group."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("bound to grid")
    )
    active_from = models.DateField(_("founded on"), default=dt.date(2000, 1, 1))
    active_to = models.DateField(_("dissolved on"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["community_id", "sort_order", "id"]
        indexes = [models.Index(fields=["community", "kind"]), models.Index(fields=["node"])]
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")

    def __str__(self) -> str:
        return self.name


class PartyDataVersion(models.Model):
    """The last party event of a community. Every party change writes one event through
    `party.services._base.event`, which moves this on; compliance tallies kept for a
    community are keyed by it, so a change makes them stale at once."""

    community = models.OneToOneField(
        Node, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.community_id}@{self.last_event_id}"


class PartySettings(models.Model):
    """What a community decides about its party data."""

    community = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="+")
    grid_sees_member_households = models.BooleanField(
        _("grid workers see which households have party members"),
        default=False,
        help_text=_("Only that a household has members: never who, nor any party detail."),
    )

    class Meta:
        verbose_name = _("party settings")
        verbose_name_plural = _("party settings")

    def __str__(self) -> str:
        return f"party settings {self.community_id}"


# --- members --------------------------------------------------------------------------


class Membership(models.TextChoices):
    FORMAL = "formal", _("Formal member")
    PROBATIONARY = "probationary", _("Probationary member")


class ContactStatus(models.TextChoices):
    IN_TOUCH = "in_touch", _("In touch")
    LOST = "lost", _("Lost (失联)")
    FOUND = "found", _("Found again")


class MemberState(models.TextChoices):
    ACTIVE = "active", _("In the community")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DECEASED = "deceased", _("Deceased")


# The four colour teams: the same teams a case is routed to (casework keeps the one list).
ServiceTeam = VolunteerTeam


class Member(Versioned, models.Model):
    """党员: a resident (linked to their person record) or someone living elsewhere.

    `branch` is the member's branch now (transfers keep the history); flags that change
    over time and matter to care rules (mobile, lost) also have dated periods
    (MemberPeriod), so past compliance is computed from what was true then."""

    VERSION_SHOWN = {"phone": "phone_masked"}

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="members")
    group = models.ForeignKey(
        Org, on_delete=models.SET_NULL, null=True, blank=True, related_name="group_members"
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident record"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50, db_index=True)
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Empty for an in-service member (双报到): their membership is kept by their work unit,
    # and the community neither sets nor knows whether it is formal or probationary.
    membership = models.CharField(
        _("membership"),
        max_length=16,
        choices=Membership.choices,
        default=Membership.FORMAL,
        blank=True,
    )
    joined_party_on = models.DateField(_("joined the party on"), null=True, blank=True)
    joined_on = models.DateField(
        _("joined the community's party organisation on"),
        help_text=_(
            "When the membership was transferred in; moves between branches are transfers."
        ),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=MemberState.choices, default=MemberState.ACTIVE
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    # Current flags (their history is in MemberPeriod where it matters to rules).
    mobile = models.BooleanField(_("mobile member (流动党员)"), default=False)
    mobile_where = models.CharField(_("working away where"), max_length=100, blank=True)
    mobile_reach = models.CharField(_("how to reach them"), max_length=200, blank=True)
    retired = models.BooleanField(_("retired"), default=False)
    restructured = models.BooleanField(
        _("from a restructured enterprise (改制企业)"), default=False
    )
    former_unit = models.CharField(_("former unit"), max_length=100, blank=True)
    contact_status = models.CharField(
        _("contact status"),
        max_length=16,
        choices=ContactStatus.choices,
        default=ContactStatus.IN_TOUCH,
    )
    found_on = models.DateField(_("found again on"), null=True, blank=True)
    # In-service members (在职党员, "双报到"): report from a unit outside the community.
    in_service = models.BooleanField(_("in-service member (在职党员)"), default=False)
    unit = models.CharField(
        pgettext_lazy("where a member works", "unit"), max_length=100, blank=True
    )
    unit_level = models.CharField(_("unit level"), max_length=16, blank=True)
    reported_on = models.DateField(_("reported to the community on"), null=True, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    team = models.CharField(
        _("preferred service team"), max_length=8, choices=ServiceTeam.choices, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["branch_id", "name", "id"]
        indexes = [
            models.Index(fields=["community", "branch", "state"]),
            models.Index(fields=["community", "contact_status"]),
            models.Index(fields=["person"]),
        ]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_active(self) -> bool:
        return self.state == MemberState.ACTIVE


class PeriodKind(models.TextChoices):
    MOBILE = "mobile", _("Mobile (working away)")
    LOST = "lost", _("Lost (失联)")


class MemberPeriod(models.Model):
    """A dated stretch during which a member was mobile, or lost: what care rules read
    for any past period. Ending a period sets `end`; rows are never rewritten."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(max_length=16, choices=PeriodKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["member_id", "start", "id"]
        indexes = [models.Index(fields=["member", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.start}–{self.end or ''}"


class Transfer(models.Model):
    """A member moved from one branch to another (组织关系转接), kept as history."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_branch = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    to_branch = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("transferred on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["member_id", "on", "id"]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_branch_id} → {self.to_branch_id}"


# --- the contact log and trigger events ----------------------------------------------


class ContactKind(models.TextChoices):
    CALL = "call", _("Phone call")
    HOME_VISIT = "home_visit", _("Home visit")
    HOSPITAL_VISIT = "hospital_visit", _("Hospital visit")
    MESSAGE = "message", _("Message")


class Contact(models.Model):
    """One contact with a member: what satisfies care obligations."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    contacted_on = models.DateField(_("date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-contacted_on", "-id"]
        indexes = [
            models.Index(fields=["member", "kind", "contacted_on"]),
            models.Index(fields=["community", "contacted_on"]),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.kind}"


class TriggerKind(models.TextChoices):
    HOSPITAL_ADMISSION = "hospital_admission", _("Admitted to hospital")


class MemberEvent(models.Model):
    """Something that happened to a member and starts a care obligation (a hospital
    admission: visit within D days)."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=32, choices=TriggerKind.choices)
    occurred_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["member", "kind", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.kind}"


# --- care rules as data ---------------------------------------------------------------


class Subject(models.TextChoices):
    MEMBER = "member", _("Each member")
    BRANCH = "branch", _("Each branch")


class Cadence(models.TextChoices):
    EVERY_N_MONTHS = "every_n_months", _("Every N months")
    TIMES_PER_YEAR = "times_per_year", _("N times per calendar year")
    WITHIN_DAYS = "within_days", _("Within N days of an event")


class Responsible(models.TextChoices):
    BRANCH = "branch", _("at the member's branch")
    COMMUNITY = "community", _("at the community")


# Contact kinds a rule may ask for: the member contacts, and the branch's themed day.
THEMED_DAY = "themed_day"
RULE_KINDS = [*ContactKind.choices, (THEMED_DAY, _("Themed party day"))]


class Rule(BilingualName, Versioned, models.Model):
    """A care obligation as data: who (a filter), what (a contact kind), how often, and
    who answers for it. A rule is versioned: `code` names it across versions, and a
    change closes the running version at the end of its period and opens a new one,
    so past compliance is never rewritten. `community` empty: the shared default."""

    community = models.ForeignKey(
        Node, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    subject = models.CharField(
        _("for"), max_length=16, choices=Subject.choices, default=Subject.MEMBER
    )
    who = models.JSONField(
        _("who (filter)"),
        default=dict,
        blank=True,
        help_text=_('For example {"mobile": true} or {"in_service": false}.'),
    )
    trigger = models.CharField(_("after"), max_length=32, choices=TriggerKind.choices, blank=True)
    contact_kind = models.CharField(_("contact"), max_length=16, choices=RULE_KINDS)
    cadence = models.CharField(_("how often"), max_length=16, choices=Cadence.choices)
    count = models.PositiveSmallIntegerField(_("N"))
    responsible_role = models.CharField(
        _("responsible post"), max_length=32, choices=Role.choices, default=Role.BRANCH_SECRETARY
    )
    responsible_at = models.CharField(
        _("responsible where"), max_length=16, choices=Responsible.choices, default="branch"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # A version that is not active ends the rule from its valid_from (a community that
    # drops a shared default keeps its history up to then).
    active = models.BooleanField(_("in force"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "code", "valid_from"], name="party_rule_version_unique"
            ),
            models.UniqueConstraint(
                fields=["code", "valid_from"],
                condition=models.Q(community=None),
                name="party_rule_shared_version_unique",
            ),
        ]
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.valid_from}–{self.valid_to or ''})"


# --- themed party days ----------------------------------------------------------------


class ThemedDay(models.Model):
    """主题党日: a branch's monthly themed day, posted to the branch's page."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="themed_days")
    held_on = models.DateField(_("held on"))
    theme = models.CharField(_("theme"), max_length=100)
    content = models.TextField(_("what was done"), blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["branch", "held_on"])]
        verbose_name = _("themed party day")
        verbose_name_plural = _("themed party days")

    def __str__(self) -> str:
        return f"{self.held_on} {self.theme}"


class Presence(models.TextChoices):
    PRESENT = "present", _("Present")
    EXCUSED = "excused", _("Excused")
    ABSENT = "absent", _("Absent")


class Attendance(models.Model):
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    themed_day = models.ForeignKey(ThemedDay, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attendance")
    presence = models.CharField(_("attendance"), max_length=16, choices=Presence.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["themed_day", "member"], name="party_attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.themed_day_id}:{self.member_id} {self.presence}"


def photo_path(instance: ThemedDayPhoto, filename: str) -> str:
    # Never the uploaded name: it may carry a person's name.
    return f"party/{instance.community_id}/{instance.themed_day_id}/{secrets.token_hex(12)}.jpg"


class ThemedDayPhoto(PhotoSizes):
    """A photo of a themed day; served only through a scoped view."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    themed_day = models.ForeignKey(ThemedDay, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


# --- tracing lost members (找回"口袋党员") ----------------------------------------------


class TracingCase(models.Model):
    """The search for one lost member; its moves are in `workflow.py`."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="tracing_cases")
    state = models.CharField(
        _("state"), max_length=16, choices=TracingState.choices, default=TracingState.OPEN
    )
    lost_since = models.DateField(_("lost since"))
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    verified_on = models.DateField(_("identity verified on"), null=True, blank=True)
    verified_how = models.CharField(_("how identity was verified"), max_length=200, blank=True)
    returned_on = models.DateField(_("back in the branch's life on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.CharField(_("closing note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["community", "state"]),
            models.Index(fields=["community", "returned_on"]),
        ]
        verbose_name = _("tracing case")
        verbose_name_plural = _("tracing cases")

    def __str__(self) -> str:
        return f"tracing {self.pk}"


class LeadKind(models.TextChoices):
    FORMER_UNIT = "former_unit", _("Former unit")
    ADDRESS = "address", _("Address")
    RELATIVE = "relative", _("Relative")
    OTHER = "other", _("Other")


class Lead(models.Model):
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TracingCase, on_delete=models.CASCADE, related_name="leads")
    kind = models.CharField(_("kind"), max_length=16, choices=LeadKind.choices)
    detail = models.CharField(_("detail"), max_length=300)
    added_on = models.DateField(_("added on"))

    class Meta:
        ordering = ["added_on", "id"]

    def __str__(self) -> str:
        return self.detail


class AttemptMethod(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", pgettext_lazy("how a lost member was looked for", "Phone")
    UNIT_RECORDS = "unit_records", _("Unit records")
    RELATIVES = "relatives", _("Through relatives")
    OTHER = "other", _("Other")


class Attempt(models.Model):
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TracingCase, on_delete=models.CASCADE, related_name="attempts")
    tried_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=16, choices=AttemptMethod.choices)
    result = models.CharField(_("result"), max_length=300)
    reached = models.BooleanField(_("reached the member"), default=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["tried_on", "id"]

    def __str__(self) -> str:
        return f"{self.tried_on} {self.method}"


class SupportKind(models.TextChoices):
    HOUSING = "housing", _("Housing")
    DIBAO = "dibao", _("Subsistence allowance (低保)")
    PENSION = "pension", _("Pension paperwork")
    HEALTH = "health", _("Health")
    FAMILY = "family", _("Family mediation")
    OTHER = "other", _("Other")


class Support(models.Model):
    """What was done for a found member (housing, 低保, pension paperwork …)."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(TracingCase, on_delete=models.CASCADE, related_name="support")
    kind = models.CharField(_("kind"), max_length=16, choices=SupportKind.choices)
    note = models.CharField(_("what was done"), max_length=300)
    done_on = models.DateField(_("date"))
    service_case = models.ForeignKey(
        "casework.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service case"),
    )

    class Meta:
        ordering = ["done_on", "id"]

    def __str__(self) -> str:
        return self.note


# --- in-service members' registration --------------------------------------------------


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("a registration", "Rejected")


class UnitLevel(models.TextChoices):
    CITY = "city", _("City unit")
    DISTRICT = "district", _("District unit")
    OTHER = "other", _("Other unit")


class Registration(models.Model):
    """An in-service member's registration (双报到) from the public form, waiting for a
    community admin; approval makes a member, an account and a post."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11)
    unit = models.CharField(pgettext_lazy("where a member works", "unit"), max_length=100)
    unit_level = models.CharField(_("unit level"), max_length=16, choices=UnitLevel.choices)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    team = models.CharField(
        _("preferred service team"), max_length=8, choices=ServiceTeam.choices, blank=True
    )
    address = models.CharField(_("where you live"), max_length=200, blank=True)
    state = models.CharField(
        max_length=16, choices=RegistrationState.choices, default=RegistrationState.PENDING
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    # A keyed hash of the client address, for the rate limit; the address is not kept.
    client_hash = models.CharField(max_length=64, blank=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["community", "state"])]
        verbose_name = _("in-service registration")
        verbose_name_plural = _("in-service registrations")

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class ServiceEntry(models.Model):
    """Service an in-service member gave the community (until the volunteer teams record
    hours from attendance, entries are logged here)."""

    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="service")
    served_on = models.DateField(_("date"))
    activity = models.CharField(_("activity"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-served_on", "-id"]

    def __str__(self) -> str:
        return f"{self.served_on} {self.activity}"
