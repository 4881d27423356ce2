"""The event stream: one row per state change, written by the service that made it.

It is at once the audit trail and the 活档案 timeline of every household and person:
an event links to each household and person it concerns (at the time it happened),
so a later move never rewrites where an earlier event shows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from banyan.places.models import Node


class Event(models.Model):
    community = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    verb = models.CharField(max_length=48, db_index=True)
    occurred_on = models.DateField(_("date"), help_text=_("When it happened in the world."))
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    on_behalf_of = models.CharField(_("on behalf of"), max_length=100, blank=True)
    # A short human summary without ID numbers or phones, and structured details.
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    # Sensitive events (a 低保 or disability category) are hidden from posts that may
    # not see sensitive data, exactly as the categories themselves are.
    sensitive = models.BooleanField(default=False)
    subject_type = models.CharField(max_length=32, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.verb}"

    @property
    def text(self) -> str:
        from .verbs import describe

        return describe(self.verb, self.data, self.summary)


class EventLink(models.Model):
    """Puts one event on the timeline of one household and/or person."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="links")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, null=True, related_name="event_links"
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, null=True, related_name="event_links"
    )

    class Meta:
        indexes = [
            models.Index(fields=["household", "event"]),
            models.Index(fields=["person", "event"]),
        ]

    def __str__(self) -> str:
        return f"event {self.event_id}"
