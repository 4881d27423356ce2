"""Case categories in the Django admin: a community admin adds and changes their own
community's categories (name, kind, default route, deadline, whether the resident
confirms); the shared defaults are read-only for them (banyan.common.admin)."""

from __future__ import annotations

from django.contrib import admin

from banyan.common.admin import CommunityReferenceAdmin

from .models import CaseCategory


@admin.register(CaseCategory)
class CaseCategoryAdmin(CommunityReferenceAdmin):
    list_display = (
        "name",
        "name_en",
        "code",
        "community",
        "kind",
        "default_route",
        "deadline_hours",
        "needs_confirmation",
        "public",
        "active",
        "sort_order",
    )
    list_filter = ("kind", "default_route", "active", "public")
    search_fields = ("name", "name_en", "code")
    ordering = ("sort_order", "code")
