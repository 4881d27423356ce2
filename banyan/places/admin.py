from __future__ import annotations

from django.contrib import admin

from banyan.common.admin import CommunityReferenceAdmin

from .models import FacilityKind


@admin.register(FacilityKind)
class FacilityKindAdmin(CommunityReferenceAdmin):
    list_display = ("name", "name_en", "code", "community")
    search_fields = ("name", "name_en", "code")
