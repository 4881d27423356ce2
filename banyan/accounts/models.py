"""Posts (a role at a node), the access log, and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.places.models import Building, Node

from .roles import Role


class Post(models.Model):
    """岗位: one role held by one user at one node; the user's scope is the union of
    the subtrees of their active posts. A building head's post is bound to a building."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="posts")
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="posts"
    )
    community = models.ForeignKey(
        Node, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    active = models.BooleanField(default=True)
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "id"]
        indexes = [
            models.Index(fields=["user", "active"]),
            models.Index(fields=["community", "role"]),
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.node}"


class AccessLog(models.Model):
    """Who looked at or revealed whose personal data, when (UTC) and from where.
    Append-only: the application offers no way to change or delete a row."""

    class Action(models.TextChoices):
        VIEW_PERSON = "view_person", _("Viewed a person")
        REVEAL_ID_NUMBER = "reveal_id_number", _("Revealed an ID number")
        REVEAL_PHONE = "reveal_phone", _("Revealed a phone number")
        EXPORT = "export", _("Exported data")
        LOOKUP_ID_NUMBER = "lookup_id_number", _("Searched by ID number")
        LOOKUP_PHONE = "lookup_phone", _("Searched by phone")
        # A search by a full ID number or phone that was refused: the post may not, or
        # the user searched too fast or too often (accounts.lookups).
        LOOKUP_REFUSED = "lookup_refused", _("Search by ID number or phone refused")
        # An ID number entered for a person, checked against the community's register
        # (accounts.lookups.id_number_entered); detail "already registered" when it was.
        ENTER_ID_NUMBER = "enter_id_number", _("Entered an ID number")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    community = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, related_name="+")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, related_name="+"
    )
    detail = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True)
    via = models.CharField(max_length=8, default="web")

    class Meta:
        ordering = ["-at"]
        # The lookup guard counts a user's recent searches by ID number or phone.
        indexes = [models.Index(fields=["user", "action", "at"])]
        verbose_name = _("access-log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    # The user's session auth hash when the token was issued: a new password changes it,
    # and the token no longer authenticates (banyan.accounts.tokens).
    auth_hash = models.CharField(max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token of user {self.user_id}"


class UserSession(models.Model):
    """A browser session a user signed in with: the sessions of a user are found here, to
    be ended when the user may no longer be signed in (banyan.accounts.sessions)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of user {self.user_id}"
