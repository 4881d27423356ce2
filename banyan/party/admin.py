"""Party organisations and care rules in the admin, read-only: every change to them goes
through a service (org_bind, rule_change), which keeps rule versions and writes the
event. The admin is for looking, as staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from banyan.common.admin import CommunityReferenceAdmin

from .models import Org, Rule


class ReadOnly(CommunityReferenceAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Org)
class OrgAdmin(ReadOnly):
    list_display = ("name", "kind", "community", "node", "parent", "active_from", "active_to")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Rule)
class RuleAdmin(ReadOnly):
    list_display = (
        "name",
        "code",
        "community",
        "contact_kind",
        "cadence",
        "count",
        "valid_from",
        "valid_to",
        "active",
    )
    list_filter = ("cadence", "contact_kind", "active")
    search_fields = ("name", "name_en", "code")
